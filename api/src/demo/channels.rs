//! The demo's channels — X, a Facebook Page with Messenger, Instagram, WhatsApp and a
//! Telegram bot — configured for the fake: its base URLs, the credentials it accepts, and
//! webhook secrets of this run that the fake signs its deliveries with.

use earshot_core::auth::secrets::random_token;
use earshot_core::service::demo_channels::DemoChannel;
use earshot_core::views::{ChannelKind, ChannelView};
use earshot_fakes::stream::{Hook, Hooks, brand};
use earshot_fakes::{FakePlatforms, Platform};
use serde_json::json;

/// The secrets that sign this run's deliveries, one per channel.
pub(super) struct Secrets {
    /// X's consumer secret, which the fake also checks API calls with.
    pub(super) x: String,
    facebook: String,
    instagram: String,
    whatsapp: String,
    telegram: String,
}

impl Secrets {
    pub(super) fn new() -> Self {
        Self {
            x: random_token("demo_"),
            facebook: random_token("demo_"),
            instagram: random_token("demo_"),
            whatsapp: random_token("demo_"),
            telegram: random_token("demo_"),
        }
    }

    fn of(&self, kind: ChannelKind) -> Option<&str> {
        match kind {
            ChannelKind::X => Some(&self.x),
            ChannelKind::Facebook => Some(&self.facebook),
            ChannelKind::Instagram => Some(&self.instagram),
            ChannelKind::Whatsapp => Some(&self.whatsapp),
            ChannelKind::Telegram => Some(&self.telegram),
            _ => None,
        }
    }
}

fn channel(
    kind: ChannelKind,
    name: &str,
    settings: serde_json::Value,
    credentials: serde_json::Value,
) -> DemoChannel {
    DemoChannel {
        kind,
        name: name.to_owned(),
        settings,
        credentials,
    }
}

/// The channels the demo wants, pointed at `fake`, verifying deliveries with `secrets`.
pub(super) fn wanted(fake: &FakePlatforms, secrets: &Secrets) -> Vec<DemoChannel> {
    let accepted = fake.credentials();
    let graph = fake.base_url(Platform::Meta);
    let verify_token = random_token("demo_");
    vec![
        channel(
            ChannelKind::X,
            "Demo X @AcmeHelp",
            json!({ "api_base_url": fake.base_url(Platform::X), "account_id": brand::X_USER_ID,
                    "handle": format!("@{}", brand::X_HANDLE) }),
            json!({ "consumer_key": accepted.consumer_key, "consumer_secret": accepted.consumer_secret,
                    "access_token": accepted.access_token,
                    "access_token_secret": accepted.access_token_secret }),
        ),
        channel(
            ChannelKind::Facebook,
            "Demo Facebook Page",
            json!({ "api_base_url": graph, "page_id": brand::FACEBOOK_PAGE_ID, "graph_version": "v21.0" }),
            json!({ "app_secret": secrets.facebook, "page_access_token": accepted.meta_token,
                    "verify_token": verify_token }),
        ),
        channel(
            ChannelKind::Instagram,
            "Demo Instagram",
            json!({ "api_base_url": graph, "account_id": brand::INSTAGRAM_ACCOUNT_ID, "graph_version": "v21.0" }),
            json!({ "app_secret": secrets.instagram, "access_token": accepted.meta_token,
                    "verify_token": verify_token }),
        ),
        channel(
            ChannelKind::Whatsapp,
            "Demo WhatsApp",
            json!({ "api_base_url": graph, "phone_number_id": brand::WHATSAPP_PHONE_NUMBER_ID,
                    "business_account_id": brand::WHATSAPP_BUSINESS_ACCOUNT_ID, "graph_version": "v21.0" }),
            json!({ "app_secret": secrets.whatsapp, "access_token": accepted.meta_token,
                    "verify_token": verify_token }),
        ),
        channel(
            ChannelKind::Telegram,
            "Demo Telegram bot",
            json!({ "api_base_url": fake.base_url(Platform::Telegram), "bot_username": brand::TELEGRAM_BOT_USERNAME }),
            json!({ "bot_token": accepted.telegram_bot_token, "secret_token": secrets.telegram }),
        ),
    ]
}

/// Each channel's webhook on `instance`, with the secret the fake signs with.
pub(super) fn hooks(instance: &str, channels: &[ChannelView], secrets: &Secrets) -> Hooks {
    let hook = |kind: ChannelKind| {
        let channel = channels.iter().find(|c| c.kind == kind)?;
        Some(Hook {
            url: format!("{instance}/v1/hooks/{}/{}", kind.as_str(), channel.id),
            secret: secrets.of(kind)?.to_owned(),
        })
    };
    Hooks {
        x: hook(ChannelKind::X),
        facebook: hook(ChannelKind::Facebook),
        instagram: hook(ChannelKind::Instagram),
        whatsapp: hook(ChannelKind::Whatsapp),
        telegram: hook(ChannelKind::Telegram),
    }
}
