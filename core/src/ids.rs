//! Typed identifiers: a `WorkspaceId` cannot be passed where a `TeamId` is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The id as a UUID.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    )+};
}

id_type! {
    /// An organization (tenant).
    OrgId,
    /// A workspace: one brand's desk.
    WorkspaceId,
    /// A person who can log in.
    UserId,
    /// A team inside a workspace.
    TeamId,
    /// A workspace API key.
    ApiKeyId,
    /// A login session (a refresh-token family).
    SessionId,
    /// One audit-log entry.
    AuditEntryId,
    /// A channel.
    ChannelId,
    /// A customer.
    ContactId,
    /// A conversation.
    ConversationId,
    /// A message or note.
    MessageId,
    /// A notification.
    NotificationId,
    /// A keyword listening rule.
    ListeningRuleId,
    /// A business-hours calendar.
    BusinessHoursId,
    /// An SLA policy.
    SlaPolicyId,
    /// An SLA clock.
    SlaClockId,
    /// A commitment made to a customer.
    CommitmentId,
}
