//! What an inbound message is, as partners push it and parsers read it, and the checks it
//! passes before it is stored.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::views::{Attachment, ConversationView, MessageView, Visibility};
use crate::{Error, Result};

use super::super::messages::clean_attachments;

/// Who wrote an inbound message, as the platform tells it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboundAuthor {
    /// The platform's user id (a string, whatever the platform).
    #[schema(min_length = 1, max_length = 255)]
    pub platform_user_id: String,
    /// Handle, such as `@ada`.
    pub handle: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// Avatar URL.
    pub avatar_url: Option<String>,
    /// Followers.
    pub follower_count: Option<u64>,
    /// Verified account; when absent, what was known stays.
    pub verified: Option<bool>,
}

/// A customer message pushed by a partner (`POST …/channels/{id}/inbound`) or parsed from a
/// platform delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboundMessage {
    /// The platform's id of the message: a second delivery with the same id changes nothing.
    #[schema(min_length = 1, max_length = 255)]
    pub platform_message_id: String,
    /// The author.
    pub author: InboundAuthor,
    /// Text (may be empty when attachments carry the message).
    #[serde(default)]
    pub text: String,
    /// When the customer wrote it; now when absent.
    pub timestamp: Option<DateTime<Utc>>,
    /// The platform message it replies to: threads the message into that conversation.
    pub reply_to: Option<String>,
    /// The public thread (root post) it belongs to.
    pub thread_id: Option<String>,
    /// `private` (a DM, the default) or `public` (a mention or comment).
    pub visibility: Option<Visibility>,
    /// Attachments.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

/// What ingesting a message did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IngestOutcome {
    /// The message was stored before (same platform id): nothing changed.
    pub duplicate: bool,
    /// The conversation it joined or started.
    pub conversation: ConversationView,
    /// The stored message.
    pub message: MessageView,
}

pub(super) fn validate(input: &InboundMessage) -> Result<()> {
    let mut errors = Vec::new();
    let mut check = |field: &str, value: &str, max: usize| {
        if value.trim().is_empty() || value.len() > max {
            errors.push(crate::FieldError::new(
                field,
                "invalid",
                format!("{field} must have 1 to {max} characters"),
            ));
        }
    };
    check("platform_message_id", &input.platform_message_id, 255);
    check(
        "author.platform_user_id",
        &input.author.platform_user_id,
        255,
    );
    for (field, value) in [
        ("reply_to", &input.reply_to),
        ("thread_id", &input.thread_id),
    ] {
        if let Some(value) = value {
            check(field, value, 255);
        }
    }
    for (field, value, max) in [
        ("author.handle", &input.author.handle, 255),
        ("author.display_name", &input.author.display_name, 200),
    ] {
        if value.as_ref().is_some_and(|v| v.chars().count() > max) {
            errors.push(crate::FieldError::new(
                field,
                "too_long",
                format!("{field} has at most {max} characters"),
            ));
        }
    }
    if let Some(url) = &input.author.avatar_url
        && (!(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2048)
    {
        errors.push(crate::FieldError::new(
            "author.avatar_url",
            "invalid_url",
            "the avatar URL must be an http(s) URL of at most 2048 characters",
        ));
    }
    if input.text.trim().is_empty() && input.attachments.is_empty() {
        errors.push(crate::FieldError::new(
            "text",
            "required",
            "a message needs text or attachments",
        ));
    }
    if input.text.chars().count() > super::super::messages::MAX_TEXT {
        errors.push(crate::FieldError::new(
            "text",
            "too_long",
            "the text is too long",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

/// Checks a message as storing it would; its attachments, cleaned.
pub(crate) fn checked(input: &InboundMessage) -> Result<Vec<Attachment>> {
    validate(input)?;
    clean_attachments(input.attachments.clone())
}
