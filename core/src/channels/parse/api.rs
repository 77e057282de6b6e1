//! Messages a partner pushed into an `api` channel: the log holds the request's body, already
//! checked when it was accepted, so reading it again is the same strict read.

use serde_json::Value;

use super::{Item, ParseError, Parsed};
use crate::service::ingest::InboundMessage;

pub(super) fn parse(value: Value) -> Result<Parsed, ParseError> {
    let message: InboundMessage = crate::input::from_value(value)
        .map_err(|e| ParseError(format!("not a pushed message: {e}")))?;
    Ok(Parsed {
        items: vec![Item::Message(Box::new(message))],
        skipped: Vec::new(),
        tags: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Account, parse as parse_delivery};
    use super::*;
    use crate::views::ChannelKind;

    #[test]
    fn a_pushed_message_reads_back_as_it_was_sent() {
        let body = r#"{"platform_message_id":"m-1","author":{"platform_user_id":"u-1","handle":"@ada"},"text":"Where is my order?","visibility":"public","thread_id":"t-9"}"#;
        let parsed = parse_delivery(ChannelKind::Api, body, &Account::default()).unwrap();
        let [Item::Message(message)] = parsed.items.as_slice() else {
            panic!("one message expected, got {parsed:?}");
        };
        assert_eq!(message.platform_message_id, "m-1");
        assert_eq!(message.author.handle.as_deref(), Some("@ada"));
        assert_eq!(message.text, "Where is my order?");
        assert_eq!(message.thread_id.as_deref(), Some("t-9"));
    }

    #[test]
    fn a_body_that_is_not_a_pushed_message_is_unreadable() {
        let body = r#"{"platform_message_id":"m-1","colour":"red"}"#;
        let err = parse_delivery(ChannelKind::Api, body, &Account::default()).unwrap_err();
        assert!(err.0.starts_with("not a pushed message"), "{err}");
    }
}
