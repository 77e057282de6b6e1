//! What each kind of channel is configured with: its non-secret settings as a typed object,
//! and the credentials it needs, which are sealed at rest and never shown.
//!
//! A settings field whose name looks like a secret (`secret`, `token`, `password`, `key`) is
//! refused with a pointer to `credentials`; unknown fields are refused by name; a channel
//! lacking any of its kind's required credentials is in health `needs_credentials`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::views::ChannelKind;
use crate::{Error, FieldError, Result, input};

/// Longest credential value, in characters.
const MAX_CREDENTIAL: usize = 4096;
/// Longest settings value, in characters.
const MAX_SETTING: usize = 2048;

macro_rules! config_struct {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $(
                $(#[$fdoc])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<String>,
            )*
        }
    };
}

config_struct!(
    /// Settings of an `x` channel.
    XSettings {
        /// Replaces `https://api.x.com`, to reach a proxy or a local fake (private addresses
        /// only where `EARSHOT_ALLOW_PRIVATE_TARGETS` allows them).
        api_base_url,
        /// The brand account's user id (`for_user_id` in deliveries).
        account_id,
        /// The brand account's handle, such as `@brand`.
        handle,
        /// Poll the brand's mentions every this many seconds (at least 15), for an app
        /// without webhook access or to catch up after downtime; needs `account_id`.
        poll_mentions_every,
    }
);
config_struct!(
    /// Settings of a `facebook` channel (a Page and its Messenger inbox).
    FacebookSettings {
        /// Replaces `https://graph.facebook.com`.
        api_base_url,
        /// The Page id.
        page_id,
        /// The Graph API version, such as `v21.0`.
        graph_version,
    }
);
config_struct!(
    /// Settings of an `instagram` channel (a professional account).
    InstagramSettings {
        /// Replaces `https://graph.instagram.com`.
        api_base_url,
        /// The Instagram professional account id.
        account_id,
        /// The Graph API version, such as `v21.0`.
        graph_version,
    }
);
config_struct!(
    /// Settings of a `whatsapp` channel (a WhatsApp Business number).
    WhatsappSettings {
        /// Replaces `https://graph.facebook.com`.
        api_base_url,
        /// The phone number id messages are sent from.
        phone_number_id,
        /// The WhatsApp Business Account id.
        business_account_id,
        /// The Graph API version, such as `v21.0`.
        graph_version,
    }
);
config_struct!(
    /// Settings of a `telegram` channel (a bot).
    TelegramSettings {
        /// Replaces `https://api.telegram.org`.
        api_base_url,
        /// The bot's username, such as `acme_care_bot`.
        bot_username,
    }
);
config_struct!(
    /// Settings of an `api` channel: partners push messages in with an API key; replies go
    /// out to their callback URL when one is set (else partners read them through the API
    /// and events).
    ApiSettings {
        /// Where replies are POSTed, signed per Standard Webhooks with the `webhook_secret`
        /// credential (private addresses only where `EARSHOT_ALLOW_PRIVATE_TARGETS` allows).
        callback_url,
    }
);

config_struct!(
    /// Credentials of an `x` channel: the app's consumer key and secret (the secret also
    /// signs webhook deliveries) and the brand account's OAuth 1.0a user tokens.
    XCredentials {
        /// Required.
        consumer_key,
        /// Required: signs the CRC answer and verifies deliveries.
        consumer_secret,
        /// Required: the brand account's user token.
        access_token,
        /// Required.
        access_token_secret,
        /// Optional: the app-only bearer token, for webhook management.
        bearer_token,
    }
);
config_struct!(
    /// Credentials of a `facebook` channel.
    FacebookCredentials {
        /// Required: verifies `X-Hub-Signature-256`.
        app_secret,
        /// Required: the Page access token.
        page_access_token,
        /// Required: the token Meta echoes in the `hub.verify_token` handshake.
        verify_token,
    }
);
config_struct!(
    /// Credentials of an `instagram` channel.
    InstagramCredentials {
        /// Required: verifies `X-Hub-Signature-256`.
        app_secret,
        /// Required: the account's access token.
        access_token,
        /// Required: the token Meta echoes in the `hub.verify_token` handshake.
        verify_token,
    }
);
config_struct!(
    /// Credentials of a `whatsapp` channel.
    WhatsappCredentials {
        /// Required: verifies `X-Hub-Signature-256`.
        app_secret,
        /// Required: a system-user access token.
        access_token,
        /// Required: the token Meta echoes in the `hub.verify_token` handshake.
        verify_token,
    }
);
config_struct!(
    /// Credentials of a `telegram` channel.
    TelegramCredentials {
        /// Required: the token from @BotFather.
        bot_token,
        /// Required: 1–256 of `A-Z a-z 0-9 _ -`; Telegram sends it back in
        /// `X-Telegram-Bot-Api-Secret-Token` with every update.
        secret_token,
    }
);
config_struct!(
    /// Credentials of an `api` channel.
    ApiCredentials {
        /// Signs replies sent to the callback URL (Standard Webhooks: `whsec_` and base64 of
        /// 24 to 64 random bytes); needed with a `callback_url`.
        webhook_secret,
    }
);

/// The credentials a kind cannot work without.
pub fn required_credentials(kind: ChannelKind) -> &'static [&'static str] {
    match kind {
        ChannelKind::X => &[
            "consumer_key",
            "consumer_secret",
            "access_token",
            "access_token_secret",
        ],
        ChannelKind::Facebook => &["app_secret", "page_access_token", "verify_token"],
        ChannelKind::Instagram | ChannelKind::Whatsapp => {
            &["app_secret", "access_token", "verify_token"]
        }
        ChannelKind::Telegram => &["bot_token", "secret_token"],
        ChannelKind::Api => &[],
    }
}

/// Whether every credential the kind requires is among `set`.
pub fn credentials_complete(kind: ChannelKind, set: &[String]) -> bool {
    required_credentials(kind)
        .iter()
        .all(|name| set.iter().any(|s| s == name))
}

/// Whether a settings name looks like it holds a secret.
fn looks_like_credential(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["secret", "token", "password", "key"]
        .iter()
        .any(|word| name.contains(word))
}

/// The settings of a kind, checked: an object of the kind's fields, none a secret, URLs
/// allowed by `allow_private`. Returns them as stored.
pub fn parse_settings(
    kind: ChannelKind,
    value: Value,
    policy: &crate::platform_http::TargetPolicy,
) -> Result<Value> {
    input::check_text(&value)?;
    let Value::Object(map) = &value else {
        return Err(Error::invalid(
            "settings",
            "not_an_object",
            "settings must be a JSON object",
        ));
    };
    let secrets: Vec<FieldError> = map
        .keys()
        .filter(|name| looks_like_credential(name))
        .map(|name| {
            FieldError::new(
                format!("settings.{name}"),
                "belongs_in_credentials",
                format!(
                    "`{name}` looks like a secret: send it in `credentials`, which are sealed \
                     at rest and never shown"
                ),
            )
        })
        .collect();
    if !secrets.is_empty() {
        return Err(Error::Validation(secrets));
    }
    let parsed = typed_settings(kind, value).map_err(|e| prefixed(e, "settings."))?;
    check_settings_values(&parsed, policy)?;
    Ok(parsed)
}

fn typed_settings(kind: ChannelKind, value: Value) -> Result<Value> {
    fn normal<T: serde::de::DeserializeOwned + Serialize>(value: Value) -> Result<Value> {
        let typed: T = input::from_value(value)?;
        serde_json::to_value(typed).map_err(|e| Error::Internal(e.into()))
    }
    match kind {
        ChannelKind::X => normal::<XSettings>(value),
        ChannelKind::Facebook => normal::<FacebookSettings>(value),
        ChannelKind::Instagram => normal::<InstagramSettings>(value),
        ChannelKind::Whatsapp => normal::<WhatsappSettings>(value),
        ChannelKind::Telegram => normal::<TelegramSettings>(value),
        ChannelKind::Api => normal::<ApiSettings>(value),
    }
}

fn check_settings_values(
    settings: &Value,
    policy: &crate::platform_http::TargetPolicy,
) -> Result<()> {
    let mut errors = Vec::new();
    for (name, item) in settings.as_object().into_iter().flatten() {
        let text = item.as_str().unwrap_or_default();
        let field = format!("settings.{name}");
        if text.trim().is_empty() || text.chars().count() > MAX_SETTING {
            errors.push(FieldError::new(
                field,
                "invalid_length",
                format!("a setting has 1 to {MAX_SETTING} characters"),
            ));
        } else if name == "poll_mentions_every"
            && !text.parse::<u32>().is_ok_and(|seconds| seconds >= 15)
        {
            errors.push(FieldError::new(
                field,
                "invalid_interval",
                "a whole number of seconds, at least 15",
            ));
        } else if (name == "api_base_url" || name == "callback_url")
            && let Err(message) = crate::service::targets::check_target(text, policy)
        {
            errors.push(FieldError::new(field, "target_refused", message));
        }
    }
    match errors.is_empty() {
        true => Ok(()),
        false => Err(Error::Validation(errors)),
    }
}

/// Credentials given for a kind: every name one of the kind's, every value a non-empty
/// string. `null` values are kept as `None` (a change removing that credential).
pub fn parse_credentials(
    kind: ChannelKind,
    value: Value,
) -> Result<BTreeMap<String, Option<String>>> {
    input::check_text(&value)?;
    let Value::Object(map) = value else {
        return Err(Error::invalid(
            "credentials",
            "not_an_object",
            "credentials must be a JSON object",
        ));
    };
    let removed: Vec<String> = map
        .iter()
        .filter(|(_, v)| v.is_null())
        .map(|(k, _)| k.clone())
        .collect();
    let given: serde_json::Map<String, Value> =
        map.into_iter().filter(|(_, v)| !v.is_null()).collect();
    let mut names = typed_credentials(kind, Value::Object(given.clone()))
        .map_err(|e| prefixed(e, "credentials."))?;
    // Names to remove must be the kind's too.
    let known = typed_credentials(
        kind,
        Value::Object(
            removed
                .iter()
                .map(|k| (k.clone(), Value::from("x")))
                .collect(),
        ),
    )
    .map_err(|e| prefixed(e, "credentials."))?;
    check_credential_values(kind, &names)?;
    for name in known.into_keys() {
        names.insert(name, None);
    }
    Ok(names)
}

fn typed_credentials(kind: ChannelKind, value: Value) -> Result<BTreeMap<String, Option<String>>> {
    fn names<T: serde::de::DeserializeOwned + Serialize>(
        value: Value,
    ) -> Result<BTreeMap<String, Option<String>>> {
        let typed: T = input::from_value(value)?;
        let stored: BTreeMap<String, String> = serde_json::from_value(
            serde_json::to_value(typed).map_err(|e| Error::Internal(e.into()))?,
        )
        .map_err(|e| Error::Internal(e.into()))?;
        Ok(stored.into_iter().map(|(k, v)| (k, Some(v))).collect())
    }
    match kind {
        ChannelKind::X => names::<XCredentials>(value),
        ChannelKind::Facebook => names::<FacebookCredentials>(value),
        ChannelKind::Instagram => names::<InstagramCredentials>(value),
        ChannelKind::Whatsapp => names::<WhatsappCredentials>(value),
        ChannelKind::Telegram => names::<TelegramCredentials>(value),
        ChannelKind::Api => names::<ApiCredentials>(value),
    }
}

fn check_credential_values(
    kind: ChannelKind,
    credentials: &BTreeMap<String, Option<String>>,
) -> Result<()> {
    let mut errors = Vec::new();
    for (name, value) in credentials {
        let text = value.as_deref().unwrap_or_default();
        let field = format!("credentials.{name}");
        if text.trim().is_empty() || text.chars().count() > MAX_CREDENTIAL {
            errors.push(FieldError::new(
                field,
                "invalid_length",
                format!("a credential has 1 to {MAX_CREDENTIAL} characters"),
            ));
        } else if kind == ChannelKind::Telegram
            && name == "secret_token"
            && !is_telegram_secret(text)
        {
            errors.push(FieldError::new(
                field,
                "invalid_format",
                "Telegram accepts 1 to 256 of A-Z, a-z, 0-9, _ and -",
            ));
        } else if name == "webhook_secret" && !is_webhook_secret(text) {
            errors.push(FieldError::new(
                field,
                "invalid_format",
                "a Standard Webhooks secret: `whsec_` and the base64 of 24 to 64 random bytes",
            ));
        }
    }
    match errors.is_empty() {
        true => Ok(()),
        false => Err(Error::Validation(errors)),
    }
}

fn is_telegram_secret(text: &str) -> bool {
    (1..=256).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn prefixed(err: Error, prefix: &str) -> Error {
    match err {
        Error::Validation(fields) => {
            Error::Validation(fields.into_iter().map(|f| f.prefixed(prefix)).collect())
        }
        other => other,
    }
}

/// The stored settings as shown: only the kind's fields, so a secret stored before settings
/// were typed is never shown again.
pub fn shown_settings(kind: ChannelKind, stored: &Value) -> Value {
    let kept: serde_json::Map<String, Value> = stored
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(name, _)| !looks_like_credential(name))
        .filter(|(name, value)| {
            let one = Value::Object([((*name).clone(), (*value).clone())].into_iter().collect());
            typed_settings(kind, one).is_ok()
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(kept)
}

/// Settings that need a credential beside them: an `api` channel's `callback_url` needs the
/// `webhook_secret` its replies are signed with.
pub fn check_together(
    kind: ChannelKind,
    settings: &Value,
    credentials: &BTreeMap<String, String>,
) -> Result<()> {
    let has_callback = settings
        .get("callback_url")
        .is_some_and(|url| !url.is_null());
    if kind == ChannelKind::Api && has_callback && !credentials.contains_key("webhook_secret") {
        return Err(Error::invalid(
            "credentials.webhook_secret",
            "required",
            "a callback_url needs a webhook_secret (`whsec_…`) to sign the replies it receives",
        ));
    }
    Ok(())
}

/// `whsec_` and the base64 of 24 to 64 bytes, as Standard Webhooks secrets are.
fn is_webhook_secret(text: &str) -> bool {
    use base64::Engine;
    text.strip_prefix("whsec_")
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .is_some_and(|key| (24..=64).contains(&key.len()))
}

#[cfg(test)]
mod tests {
    fn strict() -> crate::platform_http::TargetPolicy {
        crate::platform_http::TargetPolicy::default()
    }

    fn open() -> crate::platform_http::TargetPolicy {
        crate::platform_http::TargetPolicy {
            allow_private: true,
            allowed_hosts: Vec::new(),
        }
    }

    use serde_json::json;

    use super::*;

    fn codes(err: Error) -> Vec<(String, &'static str)> {
        match err {
            Error::Validation(fields) => fields.into_iter().map(|f| (f.pointer, f.code)).collect(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn secrets_in_settings_are_sent_to_credentials() {
        for name in [
            "app_secret",
            "bot_token",
            "secret_token",
            "password",
            "apiKey",
        ] {
            let err = parse_settings(ChannelKind::Telegram, json!({ name: "s3cret" }), &open());
            assert_eq!(
                codes(err.unwrap_err()),
                vec![(format!("/settings/{name}"), "belongs_in_credentials")]
            );
        }
    }

    #[test]
    fn settings_are_typed_per_kind() {
        let fine = json!({ "page_id": "123", "graph_version": "v21.0" });
        assert_eq!(
            parse_settings(ChannelKind::Facebook, fine.clone(), &strict()).unwrap(),
            fine
        );
        let err = parse_settings(ChannelKind::X, json!({ "page_id": "123" }), &strict());
        assert_eq!(
            codes(err.unwrap_err()),
            vec![("/settings/page_id".into(), "unknown_field")]
        );
        let err = parse_settings(ChannelKind::X, json!({ "handle": 7 }), &strict());
        assert_eq!(
            codes(err.unwrap_err()),
            vec![("/settings/handle".into(), "invalid_type")]
        );
        let err = parse_settings(
            ChannelKind::X,
            json!({ "api_base_url": "http://127.0.0.1:9" }),
            &strict(),
        );
        assert_eq!(
            codes(err.unwrap_err()),
            vec![("/settings/api_base_url".into(), "target_refused")]
        );
        // A host the operator names passes, even a private one.
        let listed = crate::platform_http::TargetPolicy {
            allow_private: false,
            allowed_hosts: vec!["127.0.0.1".into(), "proxy.internal".into()],
        };
        for url in ["http://127.0.0.1:9", "http://PROXY.internal:8080/x"] {
            let settings = json!({ "api_base_url": url });
            assert!(
                parse_settings(ChannelKind::X, settings, &listed).is_ok(),
                "{url}"
            );
        }
        let other = json!({ "api_base_url": "http://10.0.0.9" });
        assert!(parse_settings(ChannelKind::X, other, &listed).is_err());
    }

    #[test]
    fn credentials_are_the_kinds_and_complete_only_when_all_required_are_set() {
        let given = json!({ "bot_token": "123:abc", "secret_token": "s_1-x" });
        let parsed = parse_credentials(ChannelKind::Telegram, given).unwrap();
        let set: Vec<String> = parsed.keys().cloned().collect();
        assert!(credentials_complete(ChannelKind::Telegram, &set));
        assert!(!credentials_complete(ChannelKind::X, &[]));
        assert!(credentials_complete(ChannelKind::Api, &[]));
        let err = parse_credentials(ChannelKind::Telegram, json!({ "token": "t" }));
        assert_eq!(
            codes(err.unwrap_err()),
            vec![("/credentials/token".into(), "unknown_field")]
        );
        let err = parse_credentials(
            ChannelKind::Telegram,
            json!({ "secret_token": "no spaces" }),
        );
        assert_eq!(
            codes(err.unwrap_err()),
            vec![("/credentials/secret_token".into(), "invalid_format")]
        );
        let removal = parse_credentials(ChannelKind::X, json!({ "bearer_token": null })).unwrap();
        assert_eq!(removal.get("bearer_token"), Some(&None));
    }

    #[test]
    fn stored_secrets_and_strangers_are_never_shown() {
        let stored = json!({ "page_id": "1", "app_secret": "s", "blob": "x" });
        assert_eq!(
            shown_settings(ChannelKind::Facebook, &stored),
            json!({ "page_id": "1" })
        );
    }
}
