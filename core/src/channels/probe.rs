//! The connect check: asks the platform who the channel's credentials belong to ("who am
//! I": X `GET /2/users/me`, Graph `GET /{id}`, Telegram `getMe`). An answer proves the
//! credentials and settings work; a refusal is read like a refused reply (revoked token,
//! rate limit, unknown account), so the channel's health can say which.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::send::{self, Answer, Call, Delivery, Unsendable, base_url, fetch, path_id, setting};
use crate::views::ChannelKind;

/// The Graph version when the channel does not pin one.
const GRAPH_VERSION: &str = "v21.0";

/// What the platform said.
#[derive(Debug, Clone, PartialEq)]
pub enum Checked {
    /// The credentials work, for this account.
    Account {
        /// The platform's id of the account (X user, Page, Instagram account, phone number,
        /// bot).
        id: String,
        /// Its name or handle, when the platform gives one.
        name: Option<String>,
    },
    /// The platform refused or failed, read as a send would be.
    Refused(Delivery),
}

/// A `GET` to make.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// The absolute URL.
    pub url: String,
    /// Authorization headers.
    pub headers: Vec<(String, String)>,
}

/// The probe for a channel; `None` for an `api` channel (nothing to ask).
pub fn probe(
    kind: ChannelKind,
    settings: &Value,
    credentials: &BTreeMap<String, String>,
    now: DateTime<Utc>,
) -> Result<Option<Probe>, Unsendable> {
    let secret = |name: &str| {
        credentials
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Unsendable(format!("the channel has no `{name}` credential")))
    };
    let version = settings
        .get("graph_version")
        .and_then(Value::as_str)
        .unwrap_or(GRAPH_VERSION);
    let graph = |default: &str, id: &str, fields: &str, token: &str| Probe {
        url: format!(
            "{}/{version}/{id}?fields={fields}",
            base_url(settings, default)
        ),
        headers: vec![("Authorization".to_owned(), format!("Bearer {token}"))],
    };
    let probe = match kind {
        ChannelKind::Api => return Ok(None),
        ChannelKind::X => x_probe(settings, &secret, now)?,
        ChannelKind::Facebook => {
            let page = path_id(setting(settings, "page_id")?, "Page id")?;
            graph(
                "https://graph.facebook.com",
                page,
                "id,name",
                secret("page_access_token")?,
            )
        }
        ChannelKind::Instagram => {
            let account = settings
                .get("account_id")
                .and_then(Value::as_str)
                .unwrap_or("me");
            let account = path_id(account, "Instagram account id")?;
            graph(
                "https://graph.instagram.com",
                account,
                "id,username",
                secret("access_token")?,
            )
        }
        ChannelKind::Whatsapp => {
            let phone = path_id(setting(settings, "phone_number_id")?, "phone number id")?;
            let fields = "id,display_phone_number,verified_name";
            graph(
                "https://graph.facebook.com",
                phone,
                fields,
                secret("access_token")?,
            )
        }
        ChannelKind::Telegram => Probe {
            url: format!(
                "{}/bot{}/getMe",
                base_url(settings, "https://api.telegram.org"),
                secret("bot_token")?
            ),
            headers: Vec::new(),
        },
    };
    Ok(Some(probe))
}

fn x_probe<'a>(
    settings: &Value,
    secret: &impl Fn(&str) -> Result<&'a str, Unsendable>,
    now: DateTime<Utc>,
) -> Result<Probe, Unsendable> {
    let url = format!("{}/2/users/me", base_url(settings, "https://api.x.com"));
    let client =
        oauth1_request::Credentials::new(secret("consumer_key")?, secret("consumer_secret")?);
    let token =
        oauth1_request::Credentials::new(secret("access_token")?, secret("access_token_secret")?);
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let timestamp = u64::try_from(now.timestamp())
        .ok()
        .and_then(std::num::NonZeroU64::new);
    let mut builder = oauth1_request::Builder::new(client, oauth1_request::HmacSha1::new());
    builder
        .token(token)
        .nonce(nonce.as_str())
        .timestamp(timestamp);
    let authorization = builder.get(&url, &());
    Ok(Probe {
        url,
        headers: vec![("Authorization".to_owned(), authorization)],
    })
}

/// What the platform's answer to the probe means.
pub fn read(kind: ChannelKind, url: &str, answer: &Answer) -> Checked {
    let body: Value = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
    let ok = (200..300).contains(&answer.status)
        && body.get("ok").is_none_or(|ok| ok.as_bool() == Some(true));
    if ok {
        return match account_of(kind, &body) {
            Some((id, name)) => Checked::Account { id, name },
            // A success that names no account is no proof the credentials work.
            None => Checked::Refused(Delivery::Failed {
                error: format!(
                    "the platform's answer names no account: {}",
                    send_snippet(answer)
                ),
            }),
        };
    }
    let call = Call {
        url: url.to_owned(),
        headers: Vec::new(),
        body: String::new(),
    };
    Checked::Refused(send::read_answer(kind, &call, answer))
}

fn send_snippet(answer: &Answer) -> String {
    answer.body.chars().take(300).collect()
}

/// The account id and name in a successful answer.
fn account_of(kind: ChannelKind, body: &Value) -> Option<(String, Option<String>)> {
    let text = |v: Option<&Value>| -> Option<String> {
        match v? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let (node, name_fields): (&Value, &[&str]) = match kind {
        ChannelKind::X => (body.get("data")?, &["username", "name"]),
        ChannelKind::Telegram => (body.get("result")?, &["username", "first_name"]),
        _ => (
            body,
            &["name", "username", "verified_name", "display_phone_number"],
        ),
    };
    let id = text(node.get("id"))?;
    let name = name_fields.iter().find_map(|field| text(node.get(*field)));
    Some((id, name))
}

/// Asks the platform; `None` for an `api` channel.
pub async fn check(
    client: &reqwest::Client,
    kind: ChannelKind,
    settings: &Value,
    credentials: &BTreeMap<String, String>,
    now: DateTime<Utc>,
) -> Result<Option<Checked>, Unsendable> {
    let Some(probe) = probe(kind, settings, credentials, now)? else {
        return Ok(None);
    };
    Ok(Some(match get(client, &probe).await {
        Ok(answer) => read(kind, &probe.url, &answer),
        Err(unreached) => Checked::Refused(unreached),
    }))
}

/// Makes the `GET`; a network failure or timeout is a `Retry`.
pub async fn get(client: &reqwest::Client, probe: &Probe) -> Result<Answer, Delivery> {
    let mut request = client.get(&probe.url);
    for (name, value) in &probe.headers {
        request = request.header(name, value);
    }
    fetch(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(status: u16, body: Value) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            body: body.to_string(),
        }
    }

    #[test]
    fn each_platform_is_asked_who_the_credentials_belong_to() {
        let now = Utc::now();
        let creds = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let fb = probe(
            ChannelKind::Facebook,
            &json!({ "page_id": "300" }),
            &creds(&[("page_access_token", "pat")]),
            now,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            fb.url,
            "https://graph.facebook.com/v21.0/300?fields=id,name"
        );
        assert_eq!(
            fb.headers,
            vec![("Authorization".to_owned(), "Bearer pat".to_owned())]
        );
        let wa = probe(
            ChannelKind::Whatsapp,
            &json!({ "phone_number_id": "120", "api_base_url": "http://fake/graph" }),
            &creds(&[("access_token", "t")]),
            now,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            wa.url,
            "http://fake/graph/v21.0/120?fields=id,display_phone_number,verified_name"
        );
        let tg = probe(
            ChannelKind::Telegram,
            &json!({}),
            &creds(&[("bot_token", "1:A")]),
            now,
        )
        .unwrap()
        .unwrap();
        assert_eq!(tg.url, "https://api.telegram.org/bot1:A/getMe");
        let x = probe(
            ChannelKind::X,
            &json!({}),
            &creds(&[
                ("consumer_key", "ck"),
                ("consumer_secret", "cs"),
                ("access_token", "1-at"),
                ("access_token_secret", "ats"),
            ]),
            now,
        )
        .unwrap()
        .unwrap();
        assert_eq!(x.url, "https://api.x.com/2/users/me");
        assert!(x.headers[0].1.starts_with("OAuth "), "{:?}", x.headers);
        assert!(
            probe(ChannelKind::Api, &json!({}), &BTreeMap::new(), now)
                .unwrap()
                .is_none()
        );
        let missing = probe(
            ChannelKind::Facebook,
            &json!({}),
            &creds(&[("page_access_token", "pat")]),
            now,
        );
        assert!(missing.is_err());
        let sneaky = probe(
            ChannelKind::Facebook,
            &json!({ "page_id": "../me" }),
            &creds(&[("page_access_token", "pat")]),
            now,
        );
        assert!(sneaky.is_err());
    }

    #[test]
    fn answers_name_the_account_or_say_why_not() {
        let x = read(
            ChannelKind::X,
            "u",
            &answer(
                200,
                json!({ "data": { "id": "1", "username": "AcmeHelp" } }),
            ),
        );
        assert_eq!(
            x,
            Checked::Account {
                id: "1".into(),
                name: Some("AcmeHelp".into())
            }
        );
        let tg = read(
            ChannelKind::Telegram,
            "u",
            &answer(
                200,
                json!({ "ok": true, "result": { "id": 7, "username": "bot" } }),
            ),
        );
        assert_eq!(
            tg,
            Checked::Account {
                id: "7".into(),
                name: Some("bot".into())
            }
        );
        let expired = json!({ "error": { "message": "Session has expired", "type": "OAuthException", "code": 190 } });
        assert!(matches!(
            read(ChannelKind::Facebook, "u", &answer(400, expired)),
            Checked::Refused(Delivery::Reauth { .. })
        ));
        let revoked = json!({ "ok": false, "error_code": 401, "description": "Unauthorized" });
        assert!(matches!(
            read(ChannelKind::Telegram, "u", &answer(401, revoked)),
            Checked::Refused(Delivery::Reauth { .. })
        ));
        let empty = read(ChannelKind::Whatsapp, "u", &answer(200, json!({})));
        assert!(
            matches!(empty, Checked::Refused(Delivery::Failed { .. })),
            "{empty:?}"
        );
    }
}
