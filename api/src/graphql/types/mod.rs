//! GraphQL object types: they wrap core views and add relations resolved in scope.

mod audit;
pub(crate) mod business_hours;
mod care;
pub(crate) mod care_enums;
pub(crate) mod commitments;
mod conversation;
mod credentials;
mod identity;
pub(crate) mod inbound;
pub(crate) mod listening;
mod people;
pub(crate) mod reports;
pub(crate) mod sla_clocks;
pub(crate) mod sla_policies;
mod workspace;
pub(crate) mod workspace_care;

pub use audit::*;
pub use business_hours::BusinessHours;
pub use care::*;
pub use conversation::*;
pub use credentials::*;
pub use identity::*;
pub use inbound::{GqlInboundStatus, InboundEvent};
pub use listening::ListeningRule;
pub use people::*;
pub use sla_policies::SlaPolicy;
pub use workspace::*;

use async_graphql::{Enum, ID, OutputType, SimpleObject};

/// An id as GraphQL shows it.
pub(crate) fn id(value: impl ToString) -> ID {
    ID(value.to_string())
}

/// A page of a list and the cursor of the next one.
#[derive(SimpleObject)]
#[graphql(concrete(name = "MemberPage", params(Member)))]
#[graphql(concrete(name = "TeamPage", params(Team)))]
#[graphql(concrete(name = "ApiKeyPage", params(ApiKey)))]
#[graphql(concrete(name = "AuditEntryPage", params(AuditEntry)))]
#[graphql(concrete(name = "WorkspacePage", params(Workspace)))]
#[graphql(concrete(name = "OrgMemberPage", params(OrgMember)))]
#[graphql(concrete(name = "ChannelPage", params(Channel)))]
#[graphql(concrete(name = "ContactPage", params(Contact)))]
#[graphql(concrete(name = "ConversationPage", params(Conversation)))]
#[graphql(concrete(name = "MessagePage", params(Message)))]
#[graphql(concrete(name = "NotificationPage", params(Notification)))]
#[graphql(concrete(name = "InboundEventPage", params(InboundEvent)))]
#[graphql(concrete(name = "ListeningRulePage", params(ListeningRule)))]
#[graphql(concrete(name = "BusinessHoursPage", params(BusinessHours)))]
#[graphql(concrete(name = "SlaPolicyPage", params(SlaPolicy)))]
pub struct PageOf<T: OutputType> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

impl<T: OutputType> PageOf<T> {
    pub(crate) fn from_page<V>(
        page: earshot_core::pagination::Page<V>,
        f: impl FnMut(V) -> T,
    ) -> Self {
        Self {
            items: page.items.into_iter().map(f).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// A role in a workspace.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "Role", remote = "earshot_core::tenancy::Role")]
pub enum GqlRole {
    /// Everything.
    Owner,
    /// Everything but owners and deleting the workspace.
    Admin,
    /// Works every conversation.
    Supervisor,
    /// Works the conversations it may see.
    Agent,
    /// Reads only.
    Viewer,
}

/// A role in an organization.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "OrgRole", remote = "earshot_core::tenancy::OrgRole")]
#[expect(
    clippy::enum_variant_names,
    reason = "the variants are the wire names org_owner, org_admin, org_member"
)]
pub enum GqlOrgRole {
    /// Owner of the organization.
    OrgOwner,
    /// Admin of every workspace.
    OrgAdmin,
    /// Nothing implicit.
    OrgMember,
}

/// What an API key may do.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "ApiScope", remote = "earshot_core::tenancy::ApiScope")]
pub enum GqlApiScope {
    /// `conversations:read`.
    ConversationsRead,
    /// `conversations:write`.
    ConversationsWrite,
    /// `contacts:read`.
    ContactsRead,
    /// `contacts:write`.
    ContactsWrite,
    /// `channels:read`.
    ChannelsRead,
    /// `channels:manage`.
    ChannelsManage,
    /// `members:read`.
    MembersRead,
    /// `settings:manage`.
    SettingsManage,
    /// `webhooks:manage`.
    WebhooksManage,
    /// `reports:read`.
    ReportsRead,
    /// `audit:read`.
    AuditRead,
    /// `messages:ingest`.
    MessagesIngest,
}

/// Which conversations agents may read.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(
    name = "AgentVisibility",
    remote = "earshot_core::views::AgentVisibility"
)]
pub enum GqlAgentVisibility {
    /// Every conversation.
    All,
    /// Their teams' and their own.
    Team,
    /// Only those assigned to them.
    Assigned,
}
