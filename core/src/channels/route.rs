//! Which account a delivery is for. One Meta app has one callback URL for every Page,
//! Instagram account and WhatsApp number it serves, and one X app one webhook for every
//! subscribed user, so a delivery that reaches one channel's hook may carry entries for
//! other accounts — of the same brand, or of another brand an agency runs with the same app.
//! Each part goes to the channel of its own account; it is never stored in a workspace
//! because of the URL it happened to arrive at.

use serde_json::{Value, json};

use crate::views::ChannelKind;

/// The setting that names a channel's own account on its platform.
pub fn account_field(kind: ChannelKind) -> Option<&'static str> {
    match kind {
        ChannelKind::X | ChannelKind::Instagram => Some("account_id"),
        ChannelKind::Facebook => Some("page_id"),
        ChannelKind::Whatsapp => Some("phone_number_id"),
        ChannelKind::Telegram => Some("bot_username"),
        ChannelKind::Api => None,
    }
}

/// A channel's own account, from its settings.
pub fn account_of(kind: ChannelKind, settings: &Value) -> Option<String> {
    let field = account_field(kind)?;
    settings
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Part of a delivery, for one account.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The account it is for; `None` when the delivery does not say.
    pub account: Option<String>,
    /// The delivery with only this account's entries, in the platform's own envelope.
    pub body: Value,
}

/// Splits a delivery by the account each part is for, keeping the order of the entries
/// within each part. `None` when the whole delivery is for one account (or does not say):
/// it is logged as it came.
pub fn split(kind: ChannelKind, delivery: &Value) -> Option<Vec<Part>> {
    match kind {
        ChannelKind::Facebook | ChannelKind::Instagram | ChannelKind::Whatsapp => {
            split_meta(kind, delivery)
        }
        ChannelKind::X => {
            let account = delivery.get("for_user_id").and_then(Value::as_str)?;
            Some(vec![Part {
                account: Some(account.to_owned()),
                body: delivery.clone(),
            }])
        }
        ChannelKind::Telegram | ChannelKind::Api => None,
    }
}

fn split_meta(kind: ChannelKind, delivery: &Value) -> Option<Vec<Part>> {
    let entries = delivery.get("entry").and_then(Value::as_array)?;
    let mut parts: Vec<(Option<String>, Vec<Value>)> = Vec::new();
    for entry in entries {
        let account = meta_entry_account(kind, entry);
        match parts.iter_mut().find(|(a, _)| *a == account) {
            Some((_, grouped)) => grouped.push(entry.clone()),
            None => parts.push((account, vec![entry.clone()])),
        }
    }
    let object = delivery.get("object").cloned().unwrap_or(Value::Null);
    Some(
        parts
            .into_iter()
            .map(|(account, entries)| Part {
                account,
                body: json!({ "object": object, "entry": entries }),
            })
            .collect(),
    )
}

/// A Meta entry's account: the Page or Instagram account is the entry's id; a WhatsApp
/// entry is the business account, and the number is in each change's metadata (a business
/// account's numbers share an entry only when Meta batches them, which it does not).
fn meta_entry_account(kind: ChannelKind, entry: &Value) -> Option<String> {
    let id = match kind {
        ChannelKind::Whatsapp => entry
            .get("changes")
            .and_then(Value::as_array)
            .and_then(|changes| changes.first())
            .and_then(|change| change.pointer("/value/metadata/phone_number_id")),
        _ => entry.get("id"),
    }?;
    match id {
        Value::String(id) => Some(id.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_entries_are_grouped_by_page_in_order() {
        let delivery = json!({ "object": "page", "entry": [
            { "id": "111", "time": 1, "changes": [] },
            { "id": "222", "time": 2, "changes": [] },
            { "id": "111", "time": 3, "changes": [] },
        ]});
        let parts = split(ChannelKind::Facebook, &delivery).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].account.as_deref(), Some("111"));
        assert_eq!(parts[0].body["object"], "page");
        let times: Vec<i64> = parts[0].body["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["time"].as_i64().unwrap())
            .collect();
        assert_eq!(times, [1, 3]);
        assert_eq!(parts[1].account.as_deref(), Some("222"));
    }

    #[test]
    fn whatsapp_entries_go_by_phone_number_id() {
        let delivery = json!({ "object": "whatsapp_business_account", "entry": [
            { "id": "WABA", "changes": [{ "field": "messages",
                "value": { "metadata": { "phone_number_id": "PN1" } } }] },
            { "id": "WABA", "changes": [{ "field": "messages",
                "value": { "metadata": { "phone_number_id": "PN2" } } }] },
        ]});
        let accounts: Vec<Option<String>> = split(ChannelKind::Whatsapp, &delivery)
            .unwrap()
            .into_iter()
            .map(|p| p.account)
            .collect();
        assert_eq!(accounts, [Some("PN1".into()), Some("PN2".into())]);
    }

    #[test]
    fn x_goes_by_the_subscribed_user_and_telegram_is_not_split() {
        let x = json!({ "for_user_id": "42", "tweet_create_events": [] });
        let parts = split(ChannelKind::X, &x).unwrap();
        assert_eq!(parts[0].account.as_deref(), Some("42"));
        assert_eq!(parts[0].body, x);
        assert_eq!(
            split(ChannelKind::Telegram, &json!({ "update_id": 1 })),
            None
        );
        assert_eq!(
            split(ChannelKind::X, &json!({ "polled": "mentions" })),
            None
        );
    }
}
