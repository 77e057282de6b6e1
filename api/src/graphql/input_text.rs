//! GraphQL requests carry no NUL or control characters either: not in the query text, not
//! in its string literals (`"\u0000"`), not in variables. Such a request is refused with
//! `400 invalid_characters` before it runs, as a REST body would be.

use async_graphql::{Name, Value};
use earshot_core::Error;
use earshot_core::input::has_forbidden_char;

/// `invalid_characters` when the query or its variables hold a forbidden character.
pub fn check(request: &async_graphql::Request) -> Result<(), Error> {
    if has_forbidden_char(&request.query) || escapes_control_char(&request.query) {
        return Err(refused("the query"));
    }
    let variables = Value::Object(
        request
            .variables
            .iter()
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect(),
    );
    if holds_forbidden_char(&variables) {
        return Err(refused("a variable"));
    }
    Ok(())
}

fn refused(place: &str) -> Error {
    Error::bad_request(
        "invalid_characters",
        format!("{place} holds a NUL or control character"),
    )
}

fn holds_forbidden_char(value: &Value) -> bool {
    match value {
        Value::String(text) => has_forbidden_char(text),
        Value::Enum(name) => has_forbidden_char(name.as_str()),
        Value::List(items) => items.iter().any(holds_forbidden_char),
        Value::Object(map) => map.iter().any(|(key, item): (&Name, &Value)| {
            has_forbidden_char(key) || holds_forbidden_char(item)
        }),
        _ => false,
    }
}

/// Whether the text holds a `\uXXXX` or `\u{X…}` escape of a control character (a string
/// literal's escape; anywhere else in a query it is not valid GraphQL anyway).
fn escapes_control_char(query: &str) -> bool {
    query.match_indices("\\u").any(|(at, _)| {
        let rest = &query[at + 2..];
        let digits = match rest.strip_prefix('{') {
            Some(braced) => braced.split('}').next().unwrap_or_default(),
            None => rest.get(..4).unwrap_or_default(),
        };
        u32::from_str_radix(digits, 16)
            .ok()
            .and_then(char::from_u32)
            .is_some_and(|c| has_forbidden_char(c.encode_utf8(&mut [0; 4])))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_in_literals_and_escapes() {
        assert!(escapes_control_char(r#"{ a(q: "x\u0000") }"#));
        assert!(escapes_control_char(r#"{ a(q: "x\u{1b}") }"#));
        assert!(!escapes_control_char(r#"{ a(q: "caf\u00e9 \u000a") }"#));
        let request = async_graphql::Request::new("{ a }").variables(
            async_graphql::Variables::from_json(serde_json::json!({"q": {"text": "a\u{0}"}})),
        );
        assert!(check(&request).is_err());
        let fine = async_graphql::Request::new("{ a }").variables(
            async_graphql::Variables::from_json(serde_json::json!({"q": "line\nnext"})),
        );
        assert!(check(&fine).is_ok());
    }
}
