//! The brand's own accounts on the fake platforms: what the demo's channels are configured
//! with, and what the deliveries name as their recipient.

/// The brand's X user id: the part of the fakes' access token before the dash, as X issues
/// tokens (`for_user_id` of every delivery).
pub const X_USER_ID: &str = "1000000000000000001";
/// The brand's X handle, without `@`.
pub const X_HANDLE: &str = "AcmeHelp";
/// The brand's display name.
pub const NAME: &str = "Acme Help";
/// The Facebook Page id.
pub const FACEBOOK_PAGE_ID: &str = "300000000000001";
/// The Page post customers comment under: `{page}_{post}`.
pub const FACEBOOK_POST_ID: &str = "300000000000001_400000000000001";
/// The Instagram professional account id.
pub const INSTAGRAM_ACCOUNT_ID: &str = "17841400000000001";
/// The Instagram post customers comment under.
pub const INSTAGRAM_MEDIA_ID: &str = "18000000000000001";
/// The WhatsApp Business Account id.
pub const WHATSAPP_BUSINESS_ACCOUNT_ID: &str = "110000000000001";
/// The phone number id the brand's WhatsApp messages come and go through.
pub const WHATSAPP_PHONE_NUMBER_ID: &str = "120000000000001";
/// The WhatsApp number as displayed, digits only.
pub const WHATSAPP_DISPLAY_NUMBER: &str = "15550100000";
/// The Telegram bot's username.
pub const TELEGRAM_BOT_USERNAME: &str = "acme_care_bot";
/// The Meta app id that our own sends are echoed with (`message.app_id`).
pub const META_APP_ID: u64 = 1_234_567_890;
