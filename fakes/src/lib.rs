//! Local fakes of the social platforms' send APIs (X, Meta Graph, Telegram) and of a
//! partner's callback endpoint, so that tests of outbound replies run against something that
//! speaks each platform's wire format — status codes, bodies, error shapes, rate-limit headers
//! — as `channels.md` (the platforms' wire formats) documents it, without the network. Besides the sends they
//! answer the "who am I" calls a channel's connect check makes: X `GET /2/users/me`, Graph
//! `GET /{id}?fields=…` and Telegram `getMe`, and X's user mention timeline
//! (`GET /2/users/{id}/mentions`, channels.md §1.6) and recent search
//! (`GET /2/tweets/search/recent`) over posts a test seeds with [`FakePlatforms::x_mention`]
//! and [`FakePlatforms::x_post`].
//!
//! One server on 127.0.0.1 (a random port) serves all four under their own prefix; point a
//! channel's `api_base_url` at [`FakePlatforms::base_url`]. Every request is recorded, and a
//! test can script trouble ([`FakePlatforms::fail_next`]) or revoke a token
//! ([`FakePlatforms::expire_token`]) to provoke the pitfalls of channels.md §8.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::TcpListener;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

mod answer;
mod graph;
mod partner;
mod platform;
mod request;
mod route;
mod serve;
pub mod stream;
mod telegram;
mod x;
mod x_pages;
mod x_search;

pub use answer::Trouble;
use answer::*;
use graph::{graph_comment, graph_messages, graph_node, graph_reply};
use partner::verify_standard_webhook;
pub use platform::{Credentials, Platform};
use request::*;
use route::*;
use serve::handle;
use telegram::{telegram_get_me, telegram_send};
use x::{verify_oauth1, x_dm, x_mentions, x_tweet, x_users_me};
use x_search::x_search;

/// One request a fake received and what it answered.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The platform whose prefix the path had.
    pub platform: Platform,
    /// The HTTP method, upper case (`"GET"`, `"POST"`).
    pub method: String,
    /// The path as requested, prefix included, query excluded.
    pub path: String,
    /// The request headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body: JSON as sent, a form as an object of strings, other text as a string, none as
    /// `null`.
    pub body: Value,
    /// The HTTP status the fake answered with.
    pub answered: u16,
    /// The body it answered with: JSON as sent, text as a string.
    pub answer: Value,
    /// When it arrived.
    pub at: Instant,
}

impl Recorded {
    /// The value of a header (names are lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A post on X that mentions the brand, seeded with [`FakePlatforms::x_mention`] and served
/// by the mention timeline `GET /x/2/users/{id}/mentions`.
#[derive(Clone, Debug)]
pub struct XPost {
    /// The post id: a numeric string; X's ids grow with time, so seed them increasing.
    pub id: String,
    /// The author's user id (numeric string).
    pub author_id: String,
    /// The author's handle, without `@`.
    pub username: String,
    /// The author's display name.
    pub name: String,
    /// The author's `public_metrics.followers_count`.
    pub followers: u64,
    /// The post's text (normally containing `@` + the brand's handle).
    pub text: String,
    /// The id of the conversation's first post; `None` answers with the post's own id.
    pub conversation_id: Option<String>,
    /// The id of the post this one replies to, if any.
    pub in_reply_to: Option<String>,
    /// When it was posted.
    pub created_at: DateTime<Utc>,
}

impl XPost {
    /// A post by `@username` (name = username, 100 followers) posted now, starting its own
    /// conversation and replying to nothing.
    pub fn new(
        id: impl Into<String>,
        author_id: impl Into<String>,
        username: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        let id = id.into();
        let username = username.into();
        Self {
            conversation_id: Some(id.clone()),
            id,
            author_id: author_id.into(),
            name: username.clone(),
            username,
            followers: 100,
            text: text.into(),
            in_reply_to: None,
            created_at: Utc::now(),
        }
    }
}

/// One X rate-limit window, reported in the headers but not enforced (a test provokes a 429
/// with [`Trouble::x_rate_limited`]).
#[derive(Clone, Copy, Debug)]
struct Window {
    used: u64,
    reset: u64,
}

/// Where a page of posts ended, behind a `next_token`: the next page of the same list
/// (`source`: the mentions, or one search query) and the same `since_id` continues with the
/// posts below `below`, so posts seeded meanwhile (with greater ids) neither shift the pages
/// nor repeat a post.
#[derive(Clone, Debug)]
struct PageToken {
    source: String,
    since_id: Option<String>,
    below: String,
}

/// What the fakes remember between requests.
#[derive(Debug, Default)]
struct State {
    recorded: Vec<Recorded>,
    troubles: HashMap<Platform, VecDeque<Trouble>>,
    expired: HashSet<Platform>,
    /// Comments (and visitor posts) already answered privately: Meta allows one private reply.
    privately_replied: HashSet<String>,
    /// X's rate-limit windows by endpoint.
    x_windows: HashMap<&'static str, Window>,
    /// Posts mentioning the brand, in the order seeded.
    x_mentions: Vec<XPost>,
    /// Other public posts (not mentioning the brand), in the order seeded: search finds them.
    x_posts: Vec<XPost>,
    /// The `next_token`s of the timeline and of search issued so far (they do not expire).
    x_page_tokens: HashMap<String, PageToken>,
    next: u64,
}

impl State {
    /// A fresh number for ids; one sequence for all platforms keeps ids unique across them.
    fn next(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    /// The X rate-limit headers after counting one more request on `route`'s endpoint.
    fn x_rate_headers(&mut self, route: &Route, counted: bool) -> Vec<(String, String)> {
        let key = match route {
            Route::XDirectMessage { .. } => "dm",
            Route::XUsersMe => "users_me",
            Route::XMentions { .. } => "mentions",
            Route::XSearch => "search",
            _ => "tweets",
        };
        let limit = x_limit(route);
        let now = unix_now();
        let window = self.x_windows.entry(key).or_insert(Window {
            used: 0,
            reset: now + 900,
        });
        if now >= window.reset {
            *window = Window {
                used: 0,
                reset: now + 900,
            };
        }
        if counted {
            window.used += 1;
        }
        vec![
            ("x-rate-limit-limit".into(), limit.to_string()),
            (
                "x-rate-limit-remaining".into(),
                limit.saturating_sub(window.used).to_string(),
            ),
            ("x-rate-limit-reset".into(), window.reset.to_string()),
        ]
    }
}

/// The server's side: credentials and state, shared by the workers and the test.
#[derive(Debug)]
struct Shared {
    credentials: Credentials,
    state: Mutex<State>,
}

impl Shared {
    /// The state, even after a panicking test thread poisoned the lock: a fake keeps answering.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Local fakes of the platforms' send and "who am I" APIs on one server; stopped when dropped.
pub struct FakePlatforms {
    address: String,
    shared: Arc<Shared>,
    handle: actix_web::dev::ServerHandle,
}

impl FakePlatforms {
    /// Starts the fakes on 127.0.0.1 (a random port), accepting `credentials`. Call it inside
    /// the test's Tokio runtime.
    #[expect(
        clippy::expect_used,
        reason = "a fake that cannot start fails the test at once"
    )]
    pub async fn start(credentials: Credentials) -> FakePlatforms {
        let shared = Arc::new(Shared {
            credentials,
            state: Mutex::new(State::default()),
        });
        let data = web::Data::from(Arc::clone(&shared));
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake platforms");
        let port = listener.local_addr().expect("the fake's address").port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(handle))
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        FakePlatforms {
            address: format!("http://127.0.0.1:{port}"),
            shared,
            handle,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The base URL to configure for `platform`: `{fake}/x`, `{fake}/graph`,
    /// `{fake}/telegram`, `{fake}/partner` (the partner's callback is `{base}/callback`).
    pub fn base_url(&self, platform: Platform) -> String {
        format!("{}/{}", self.address, platform.prefix())
    }

    /// The credentials the fakes accept.
    pub fn credentials(&self) -> &Credentials {
        &self.shared.credentials
    }

    /// Queues `trouble` as the answer to the next authenticated request to `platform`
    /// (first in, first out; each used once).
    pub fn fail_next(&self, platform: Platform, trouble: Trouble) {
        self.shared
            .lock()
            .troubles
            .entry(platform)
            .or_default()
            .push_back(trouble);
    }

    /// Makes every later request to `platform` fail authentication as a revoked or expired
    /// token does (X 401, Meta 190, Telegram 401, partner 401), until [`Self::restore_token`].
    pub fn expire_token(&self, platform: Platform) {
        self.shared.lock().expired.insert(platform);
    }

    /// Undoes [`Self::expire_token`].
    pub fn restore_token(&self, platform: Platform) {
        self.shared.lock().expired.remove(&platform);
    }

    /// Seeds a post mentioning the brand: the mention timeline (`GET /x/2/users/{id}/mentions`)
    /// serves it from now on, newest (greatest id) first.
    pub fn x_mention(&self, post: XPost) {
        self.shared.lock().x_mentions.push(post);
    }

    /// Seeds a public post that does not mention the brand: only recent search
    /// (`GET /x/2/tweets/search/recent`) finds it, when its text matches the query.
    pub fn x_post(&self, post: XPost) {
        self.shared.lock().x_posts.push(post);
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().recorded.clone()
    }

    /// The requests received after the first `seen`, oldest first: what a watcher that has
    /// read `seen` of them has not read yet.
    pub fn requests_after(&self, seen: usize) -> Vec<Recorded> {
        let state = self.shared.lock();
        state.recorded.get(seen..).unwrap_or_default().to_vec()
    }

    /// The requests to `platform` that were answered with a 2xx: what actually got sent,
    /// together with the successful GETs ("who am I", X's mention timeline; tell them apart
    /// by [`Recorded::method`]).
    pub fn sent(&self, platform: Platform) -> Vec<Recorded> {
        self.shared
            .lock()
            .recorded
            .iter()
            .filter(|r| r.platform == platform && (200..300).contains(&r.answered))
            .cloned()
            .collect()
    }
}

impl Drop for FakePlatforms {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

#[cfg(test)]
mod tests;
