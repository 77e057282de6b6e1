//! The platforms the fakes stand in for, and the credentials each accepts.

/// A platform the fake stands in for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Platform {
    /// X API v2 (`/x/2/...`), OAuth 1.0a user context.
    X,
    /// Meta Graph API (`/graph/vNN.0/...`): Facebook, Messenger, Instagram, WhatsApp.
    Meta,
    /// Telegram Bot API (`/telegram/bot<token>/...`).
    Telegram,
    /// A partner's callback URL (`/partner/callback`), signed with Standard Webhooks.
    Partner,
}

impl Platform {
    /// The first path segment the platform is served under.
    pub(crate) fn prefix(self) -> &'static str {
        match self {
            Platform::X => "x",
            Platform::Meta => "graph",
            Platform::Telegram => "telegram",
            Platform::Partner => "partner",
        }
    }

    /// The platform a path's first segment names, if any.
    pub(crate) fn of_prefix(segment: &str) -> Option<Platform> {
        [
            Platform::X,
            Platform::Meta,
            Platform::Telegram,
            Platform::Partner,
        ]
        .into_iter()
        .find(|platform| platform.prefix() == segment)
    }
}

/// What the fakes accept: one set of credentials per platform.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// X app consumer key (API key).
    pub consumer_key: String,
    /// X app consumer secret (API secret key).
    pub consumer_secret: String,
    /// X user access token, `"{user id}-{random}"` as X issues them; the user id before the
    /// dash is the brand account's id in DM conversation ids.
    pub access_token: String,
    /// X user access token secret.
    pub access_token_secret: String,
    /// The one token accepted for every Graph call (Page, Instagram or WhatsApp system user).
    pub meta_token: String,
    /// Telegram bot token, `"{bot id}:{secret}"`.
    pub telegram_bot_token: String,
    /// The partner's Standard Webhooks secret, `whsec_` + base64 of the key.
    pub partner_secret: String,
}

impl Default for Credentials {
    fn default() -> Self {
        Self {
            consumer_key: "fakeConsumerKey0123456789".into(),
            consumer_secret: "fake_consumer_secret".into(),
            access_token: "1000000000000000001-FakeAccessToken0123456789abcdef".into(),
            access_token_secret: "fakeAccessTokenSecret0123456789abcdefghij".into(),
            meta_token: "EAAFakeMetaPageToken0123456789abcdefZZZZ".into(),
            telegram_bot_token: "7000000001:AAFakeTelegramBotToken-0123456789abc".into(),
            // base64("earshot-fake-partner-key"): 24 bytes.
            partner_secret: "whsec_ZWFyc2hvdC1mYWtlLXBhcnRuZXIta2V5".into(),
        }
    }
}
