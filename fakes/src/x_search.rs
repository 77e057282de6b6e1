//! X's recent search (`GET /2/tweets/search/recent`, channels.md §1.5–1.6) over the posts a
//! test seeded — mentions and other public posts alike — from the last 7 days. The query
//! language is a small part of X's: terms (all must appear, case-insensitive), `"quoted
//! phrases"`, `-term` to exclude, ` OR ` between alternatives; operators such as `lang:en`
//! or `-is:retweet` and parentheses are accepted and ignored.

use chrono::{TimeDelta, Utc};

use super::x::{x_invalid_request, x_own_user_id};
use super::x_pages::{PageRequest, query_params, x_posts_page};
use super::{Answer, Credentials, State};

/// The longest query X takes.
const MAX_QUERY: usize = 512;

/// The query parameters recent search accepts; X refuses any other with a 400. Pages are
/// followed with `next_token` (X also takes `pagination_token`).
const SEARCH_PARAMS: [&str; 16] = [
    "end_time",
    "expansions",
    "max_results",
    "media.fields",
    "next_token",
    "pagination_token",
    "place.fields",
    "poll.fields",
    "post.fields",
    "query",
    "since_id",
    "sort_order",
    "start_time",
    "tweet.fields",
    "until_id",
    "user.fields",
];

/// `GET /2/tweets/search/recent`: posts matching `query` newest first, 10–100 a page
/// (default 10), ids greater than `since_id`, `meta.next_token` while more follow. A missing,
/// empty or too long query is refused with `400`.
pub(super) fn x_search(state: &mut State, credentials: &Credentials, query: &str) -> Answer {
    let mut params = match query_params(query, &SEARCH_PARAMS) {
        Ok(params) => params,
        Err(refused) => return refused,
    };
    // Both spellings continue a search; one name keeps the paging code single.
    for (name, _) in &mut params {
        if name == "pagination_token" {
            *name = "next_token".into();
        }
    }
    let search = params
        .iter()
        .find(|(name, _)| name == "query")
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    if search.is_empty() {
        return x_invalid_request("The `query` query parameter can not be empty");
    }
    if search.chars().count() > MAX_QUERY {
        return x_invalid_request(&format!(
            "The `query` query parameter value is longer than {MAX_QUERY} characters"
        ));
    }
    let week_ago = Utc::now() - TimeDelta::days(7);
    let found = state
        .x_mentions
        .iter()
        .chain(&state.x_posts)
        .filter(|post| post.created_at >= week_ago && matches(&search, &post.text))
        .cloned()
        .collect();
    let request = PageRequest {
        source: format!("search:{search}"),
        min_results: 10,
        token_param: "next_token",
    };
    x_posts_page(state, x_own_user_id(credentials), found, &params, &request)
}

/// Whether `text` matches the query: any ` OR ` alternative whose terms all hold.
pub(super) fn matches(query: &str, text: &str) -> bool {
    let text = text.to_lowercase();
    query.split(" OR ").any(|alternative| {
        terms(alternative).iter().all(|(term, excluded)| {
            let found = text.contains(term.as_str());
            found != *excluded
        })
    })
}

/// The terms of one alternative, lower case, each with whether it is excluded (`-term`);
/// operators (`name:value`) are left out.
fn terms(alternative: &str) -> Vec<(String, bool)> {
    let mut terms = Vec::new();
    let mut rest = alternative.trim();
    while !rest.is_empty() {
        let excluded = rest.starts_with('-');
        let body = rest.trim_start_matches('-');
        let (term, after) = match body.strip_prefix('"') {
            Some(quoted) => quoted.split_once('"').unwrap_or((quoted, "")),
            None => body.split_once(char::is_whitespace).unwrap_or((body, "")),
        };
        let term = term.trim_matches(|c| c == '(' || c == ')').to_lowercase();
        if !term.is_empty() && !term.contains(':') {
            terms.push((term, excluded));
        }
        rest = after.trim_start();
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn the_query_language_takes_terms_phrases_exclusions_and_alternatives() {
        let text = "My ORDER is late, again. Acme support?";
        for (query, expected) in [
            ("order late", true),
            ("order refund", false),
            ("\"order is late\"", true),
            ("\"late order\"", false),
            ("order -acme", false),
            ("order -refund", true),
            ("refund OR late", true),
            ("refund OR chargeback", false),
            ("(order OR refund) lang:en -is:retweet", true),
        ] {
            assert_eq!(matches(query, text), expected, "{query}");
        }
    }
}
