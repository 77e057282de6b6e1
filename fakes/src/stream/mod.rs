//! Live traffic for a running instance: the demo's customers (see [`script`]) speaking on
//! every platform, each message delivered the way the platform delivers it — its own wire
//! format, signed with the channel's secret, POSTed over HTTP to the channel's webhook — and
//! the platforms coming back after our replies ([`comeback`]): WhatsApp statuses, the echoes
//! of our posts and DMs, Messenger's delivery receipts.

use std::time::Duration;

use serde_json::Value;

pub mod brand;
mod comeback;
mod ids;
mod meta;
mod play;
pub mod script;
mod sign;
mod telegram;
mod x;

pub use comeback::Comeback;
pub use play::Stream;

use sign::Signer;

/// One channel of the instance: where its platform's deliveries go and what signs them.
#[derive(Clone, Debug)]
pub struct Hook {
    /// `{instance}/v1/hooks/{kind}/{channel_id}`.
    pub url: String,
    /// The X consumer secret, the Meta app secret or the Telegram secret token.
    pub secret: String,
}

/// The channels traffic goes to, one per platform; a platform without one stays silent.
#[derive(Clone, Debug, Default)]
pub struct Hooks {
    /// The X channel (`for_user_id` = [`brand::X_USER_ID`]).
    pub x: Option<Hook>,
    /// The Facebook Page channel ([`brand::FACEBOOK_PAGE_ID`]): comments and Messenger.
    pub facebook: Option<Hook>,
    /// The Instagram channel ([`brand::INSTAGRAM_ACCOUNT_ID`]): comments and DMs.
    pub instagram: Option<Hook>,
    /// The WhatsApp channel ([`brand::WHATSAPP_PHONE_NUMBER_ID`]).
    pub whatsapp: Option<Hook>,
    /// The Telegram channel ([`brand::TELEGRAM_BOT_USERNAME`]).
    pub telegram: Option<Hook>,
}

/// Which platform's channel, for routing a delivery to its hook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Channel {
    X,
    Facebook,
    Instagram,
    Whatsapp,
    Telegram,
}

impl Channel {
    fn signer(self) -> Signer {
        match self {
            Channel::X => Signer::X,
            Channel::Facebook | Channel::Instagram | Channel::Whatsapp => Signer::Meta,
            Channel::Telegram => Signer::Telegram,
        }
    }
}

impl Hooks {
    fn of(&self, channel: Channel) -> Option<&Hook> {
        match channel {
            Channel::X => self.x.as_ref(),
            Channel::Facebook => self.facebook.as_ref(),
            Channel::Instagram => self.instagram.as_ref(),
            Channel::Whatsapp => self.whatsapp.as_ref(),
            Channel::Telegram => self.telegram.as_ref(),
        }
    }
}

/// Delivers signed payloads to the hooks.
#[derive(Clone, Debug)]
struct Poster {
    client: reqwest::Client,
    hooks: Hooks,
}

impl Poster {
    fn new(hooks: Hooks) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Self { client, hooks }
    }

    /// POSTs `payload` to the channel's hook as its platform would: the exact bytes signed.
    /// The status the instance answered with; `None` when the channel has no hook.
    async fn deliver(&self, channel: Channel, payload: &Value) -> anyhow::Result<Option<u16>> {
        let Some(hook) = self.hooks.of(channel) else {
            return Ok(None);
        };
        let body = serde_json::to_vec(payload)?;
        let (name, value) = sign::header(channel.signer(), &hook.secret, &body);
        let response = self
            .client
            .post(&hook.url)
            .header("content-type", "application/json")
            .header(name, value)
            .body(body)
            .send()
            .await?;
        Ok(Some(response.status().as_u16()))
    }
}
