//! Untrusted JSON into typed inputs, strictly: every field the input type does not know is
//! refused and named (`unknown_field`, with a JSON Pointer), a value of the wrong type is
//! named by its path, and text carries no NUL or control characters.
//!
//! REST bodies and the free-form JSON that GraphQL inputs carry (channel settings, custom
//! attributes) both come through here, so the two answer alike.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{Error, FieldError, Result};

/// Most unknown fields named in one answer; a body with more is refused all the same.
const MAX_REPORTED: usize = 50;

/// Reads `value` as a `T` whose types refuse unknown fields (`deny_unknown_fields`),
/// naming every unknown field at once rather than the first only.
pub fn from_value<T: DeserializeOwned>(mut value: Value) -> Result<T> {
    check_text(&value)?;
    let mut unknown = Vec::new();
    loop {
        let error = match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(parsed) if unknown.is_empty() => return Ok(parsed),
            Ok(_) => return Err(Error::Validation(unknown)),
            Err(error) => error,
        };
        let mut segments = segments_of(error.path());
        let message = error.inner().to_string();
        let Some(field) = quoted_after(&message, "unknown field `") else {
            if unknown.is_empty() {
                return Err(Error::Validation(vec![shape_error(&segments, &message)]));
            }
            return Err(Error::Validation(unknown));
        };
        // The path ends at the unknown key itself, or at the object holding it.
        if segments.last().map(String::as_str) != Some(field) {
            segments.push(field.to_owned());
        }
        let removed = remove_at(&mut value, &segments);
        unknown.push(unknown_field(&segments));
        if !removed || unknown.len() >= MAX_REPORTED {
            return Err(Error::Validation(unknown));
        }
    }
}

/// `unknown_field` at the place the path segments name.
pub fn unknown_field(segments: &[String]) -> FieldError {
    let name = segments.last().map(String::as_str).unwrap_or_default();
    FieldError {
        field: dotted(segments),
        pointer: pointer(segments),
        code: "unknown_field",
        message: format!("`{name}` is not a field of this input"),
    }
}

/// A value that is missing, of the wrong type or not one of the allowed values.
fn shape_error(segments: &[String], message: &str) -> FieldError {
    let mut segments = segments.to_vec();
    let code = if let Some(field) = quoted_after(message, "missing field `") {
        segments.push(field.to_owned());
        "required"
    } else if message.starts_with("invalid type") {
        "invalid_type"
    } else if message.starts_with("unknown variant") {
        "unknown_value"
    } else {
        "invalid_value"
    };
    let message = strip_position(message);
    FieldError {
        field: dotted(&segments),
        pointer: pointer(&segments),
        code,
        message,
    }
}

/// serde_json adds ` at line L column C` to messages about text; a value has no position.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

fn quoted_after<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = message.strip_prefix(prefix)?;
    rest.find('`').map(|end| &rest[..end])
}

fn segments_of(path: &serde_path_to_error::Path) -> Vec<String> {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.clone()),
            Segment::Enum { .. } | Segment::Unknown => None,
        })
        .collect()
}

fn remove_at(value: &mut Value, segments: &[String]) -> bool {
    let Some((last, parents)) = segments.split_last() else {
        return false;
    };
    let mut current = value;
    for segment in parents {
        let next = match current {
            Value::Object(map) => map.get_mut(segment),
            Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
            _ => None,
        };
        let Some(next) = next else { return false };
        current = next;
    }
    match current {
        Value::Object(map) => map.remove(last).is_some(),
        _ => false,
    }
}

/// `author.followers`, `scopes[1]`: the path as the field of a `FieldError`.
fn dotted(segments: &[String]) -> String {
    let mut out = String::new();
    for segment in segments {
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(segment);
        }
    }
    out
}

/// `/author/followers`: the path as a JSON Pointer.
fn pointer(segments: &[String]) -> String {
    segments
        .iter()
        .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// The JSON Pointer of a dotted field path (`scopes[1]` → `/scopes/1`).
pub fn pointer_of_path(field: &str) -> String {
    if field.is_empty() {
        return String::new();
    }
    let segments: Vec<String> = field
        .split('.')
        .flat_map(|part| {
            part.split('[')
                .map(|s| s.trim_end_matches(']').to_owned())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        })
        .collect();
    pointer(&segments)
}

/// Whether text holds a character no input may carry: NUL or another control character
/// (tab, line feed and carriage return excepted).
pub fn has_forbidden_char(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// `400 invalid_characters` when any key or string of the document carries a NUL or
/// control character: databases refuse NUL in text, and no field of ours needs them.
pub fn check_text(value: &Value) -> Result<()> {
    match first_forbidden(value, &mut Vec::new()) {
        Some(at) => Err(Error::bad_request(
            "invalid_characters",
            format!("`{}` holds a NUL or control character", pointer(&at)),
        )),
        None => Ok(()),
    }
}

fn first_forbidden(value: &Value, path: &mut Vec<String>) -> Option<Vec<String>> {
    match value {
        Value::String(text) if has_forbidden_char(text) => Some(path.clone()),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            path.push(i.to_string());
            let found = first_forbidden(item, path);
            path.pop();
            found
        }),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            path.push(key.clone());
            let found = if has_forbidden_char(key) {
                Some(path.clone())
            } else {
                first_forbidden(item, path)
            };
            path.pop();
            found
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "fields are read by the deserializer only")]
    struct Author {
        id: String,
        followers: Option<u64>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "fields are read by the deserializer only")]
    struct Message {
        text: String,
        author: Author,
        tags: Option<Vec<Author>>,
    }

    fn fields(err: Error) -> Vec<(String, String, &'static str)> {
        match err {
            Error::Validation(fields) => fields
                .into_iter()
                .map(|f| (f.field, f.pointer, f.code))
                .collect(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn every_unknown_field_is_named_with_its_pointer() {
        let body = json!({
            "text": "hi", "colour": "red",
            "author": {"id": "1", "follower_count": 52000},
            "tags": [{"id": "a"}, {"id": "b", "a/b~c": 1}]
        });
        let err = from_value::<Message>(body).unwrap_err();
        let mut found = fields(err);
        found.sort();
        assert_eq!(
            found,
            vec![
                (
                    "author.follower_count".into(),
                    "/author/follower_count".into(),
                    "unknown_field"
                ),
                ("colour".into(), "/colour".into(), "unknown_field"),
                (
                    "tags[1].a/b~c".into(),
                    "/tags/1/a~1b~0c".into(),
                    "unknown_field"
                ),
            ]
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_is_named() {
        let body = json!({"text": "hi", "author": {"id": "1", "followers": "many"}});
        let found = fields(from_value::<Message>(body).unwrap_err());
        assert_eq!(
            found,
            vec![(
                "author.followers".into(),
                "/author/followers".into(),
                "invalid_type"
            )]
        );
        let missing = fields(from_value::<Message>(json!({"text": "hi"})).unwrap_err());
        assert_eq!(
            missing,
            vec![("author".into(), "/author".into(), "required")]
        );
    }

    #[test]
    fn a_known_body_is_read() {
        let body = json!({"text": "hi", "author": {"id": "1", "followers": 3}});
        let message: Message = from_value(body).unwrap();
        assert_eq!(message.text, "hi");
    }

    #[test]
    fn nul_and_control_characters_are_refused_anywhere() {
        for body in [
            json!({"text": "a\u{0}b", "author": {"id": "1"}}),
            json!({"text": "ok", "author": {"id": "\u{7}"}}),
            json!({"text": "ok", "author": {"id": "1"}, "x\u{1b}": 1}),
        ] {
            let err = from_value::<Message>(body).unwrap_err();
            assert_eq!(err.code(), "invalid_characters");
        }
        let fine = json!({"text": "line\nnext\tcol\r", "author": {"id": "1"}});
        assert!(from_value::<Message>(fine).is_ok());
    }

    #[test]
    fn dotted_paths_become_pointers() {
        assert_eq!(pointer_of_path("email"), "/email");
        assert_eq!(pointer_of_path("scopes[1]"), "/scopes/1");
        assert_eq!(pointer_of_path("owner.email"), "/owner/email");
        assert_eq!(pointer_of_path("items[2].tags[0]"), "/items/2/tags/0");
    }
}
