//! The care model's enums as GraphQL shows them (`OPEN`, `NEEDS_REAUTH`, …); each maps one
//! to one onto the core enum whose wire name REST shows in lower case.

use async_graphql::Enum;

/// The platform a channel speaks to.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "ChannelKind", remote = "earshot_core::views::ChannelKind")]
pub enum GqlChannelKind {
    /// X (Twitter).
    X,
    /// Facebook.
    Facebook,
    /// Instagram.
    Instagram,
    /// WhatsApp.
    Whatsapp,
    /// Telegram.
    Telegram,
    /// Pushed by a partner through the API.
    Api,
}

/// Whether a channel works.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(
    name = "ChannelHealthState",
    remote = "earshot_core::views::ChannelHealth"
)]
pub enum GqlChannelHealth {
    /// Working.
    Active,
    /// Credentials the kind requires are missing.
    NeedsCredentials,
    /// The platform refused the credentials.
    NeedsReauth,
    /// The platform is throttling.
    RateLimited,
    /// Turned off.
    Disabled,
}

/// Public (a mention, a comment thread) or private (a DM).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "Visibility", remote = "earshot_core::views::Visibility")]
pub enum GqlVisibility {
    /// In public.
    Public,
    /// In private.
    Private,
}

/// Where a conversation stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "ConversationStatus", remote = "earshot_core::views::Status")]
pub enum GqlStatus {
    /// Needs an agent.
    Open,
    /// Waiting on the customer.
    Pending,
    /// Done, may re-open.
    Resolved,
    /// Done for good.
    Closed,
    /// Put aside until a time.
    Snoozed,
}

/// How urgent a conversation is.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "Priority", remote = "earshot_core::views::Priority")]
pub enum GqlPriority {
    /// Low.
    Low,
    /// Normal.
    Normal,
    /// High.
    High,
    /// Urgent.
    Urgent,
}

/// How the customer feels about the brand.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "Label", remote = "earshot_core::views::Label")]
pub enum GqlLabel {
    /// Unhappy.
    Adversary,
    /// Neither.
    Neutral,
    /// Happy.
    Advocate,
}

/// Who a message goes to.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "Direction", remote = "earshot_core::views::Direction")]
pub enum GqlDirection {
    /// From the customer.
    Inbound,
    /// To the customer.
    Outbound,
    /// Internal note.
    Note,
}

/// Where an outbound message is on its way.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(
    name = "DeliveryStatus",
    remote = "earshot_core::views::DeliveryStatus"
)]
pub enum GqlDeliveryStatus {
    /// Waiting to be sent.
    Queued,
    /// Accepted by the platform.
    Sent,
    /// On the customer's device.
    Delivered,
    /// Seen by the customer.
    Read,
    /// Refused by the platform.
    Failed,
}

/// Where the SLA clock stands (inbox filter).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "SlaFilter")]
pub enum GqlSlaFilter {
    /// A deadline has passed.
    Breached,
    /// A deadline is running.
    Running,
    /// A deadline is running and a warning threshold has passed.
    AtRisk,
    /// A deadline is running and no warning threshold has passed.
    Ok,
    /// No deadline.
    None,
}

impl GqlSlaFilter {
    /// The REST query value.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            GqlSlaFilter::Breached => "breached",
            GqlSlaFilter::Running => "running",
            GqlSlaFilter::AtRisk => "at_risk",
            GqlSlaFilter::Ok => "ok",
            GqlSlaFilter::None => "none",
        }
    }
}

/// The order of the inbox.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "InboxSort")]
pub enum GqlInboxSort {
    /// Most recent activity first.
    LastActivity,
    /// Most urgent first.
    Priority,
    /// Nearest SLA deadline first.
    SlaDue,
}

impl GqlInboxSort {
    /// The REST query value.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            GqlInboxSort::LastActivity => "last_activity",
            GqlInboxSort::Priority => "priority",
            GqlInboxSort::SlaDue => "sla_due",
        }
    }
}

/// What `sendMessage` writes.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "MessageKind")]
pub enum GqlMessageKind {
    /// A reply to the customer.
    Reply,
    /// An internal note.
    Note,
}
