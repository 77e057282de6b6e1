//! Who is acting, what each role and API-key scope may do, and the scope that carries both
//! into every workspace query.
//!
//! The capability matrix of the product specification lives here, in one table, and nothing
//! else in the code compares role names.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ids::{ApiKeyId, OrgId, SessionId, UserId, WorkspaceId};
use crate::views::AgentVisibility;
use crate::{Error, Result};

/// A role inside one workspace, strongest first.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including deleting the workspace.
    Owner,
    /// Everything but owners and deleting the workspace.
    Admin,
    /// Works every conversation; no settings.
    Supervisor,
    /// Works the conversations the workspace lets it see.
    Agent,
    /// Reads only.
    Viewer,
}

/// A role in an organization.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum OrgRole {
    /// Owns the organization; acts as `owner` in every workspace.
    OrgOwner,
    /// Acts as `admin` in every workspace (the agency case).
    OrgAdmin,
    /// Nothing implicit.
    OrgMember,
}

/// Something a caller may or may not do in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// Read conversations and messages (agents subject to `agent_visibility`).
    ReadConversations,
    /// Reply, add notes, tag and change status.
    Reply,
    /// Assign to anyone and any team.
    AssignAny,
    /// Assign to oneself or one's teams.
    AssignSelf,
    /// Read contacts.
    ReadContacts,
    /// Create, change, merge and erase contacts.
    WriteContacts,
    /// Use canned responses.
    UseCanned,
    /// Manage canned responses.
    ManageCanned,
    /// Every report.
    ReadReports,
    /// One's own figures.
    ReadOwnReports,
    /// Channels.
    ManageChannels,
    /// SLA policies and business hours.
    ManageSla,
    /// Automation rules.
    ManageRules,
    /// Teams and their members.
    ManageTeams,
    /// Outgoing webhooks.
    ManageWebhooks,
    /// API keys.
    ManageApiKeys,
    /// Members and roles below owner.
    ManageMembers,
    /// Grant, change or remove the owner role.
    ManageOwners,
    /// The workspace's own settings.
    ManageWorkspace,
    /// Delete the workspace.
    DeleteWorkspace,
    /// Hand ownership to another member.
    TransferOwnership,
    /// The audit log.
    ReadAuditLog,
    /// The workspace itself: its name and settings.
    ReadWorkspace,
    /// The member directory: names, e-mail addresses and roles.
    ReadMembers,
    /// Teams and who is in them (who to assign to).
    ReadTeams,
    /// Channels: kinds, names, settings and health (never credentials).
    ReadChannels,
    /// API keys (never their secrets).
    ReadApiKeys,
    /// One's own notifications: a person's, never a key's.
    ReadOwnNotifications,
    /// Push customer messages through the API channel.
    IngestMessages,
    /// The inbound-event log: platform deliveries and where they stand.
    ReadInboundEvents,
}

const O: bool = true;
const X: bool = false;

/// SPEC §1 as data: for each capability, whether owner, admin, supervisor, agent, viewer
/// hold it.
const ROLE_MATRIX: &[(Capability, [bool; 5])] = &[
    //                                  owner admin super agent viewer
    (Capability::ReadConversations, [O, O, O, O, O]),
    (Capability::Reply, [O, O, O, O, X]),
    (Capability::AssignAny, [O, O, O, X, X]),
    (Capability::AssignSelf, [O, O, O, O, X]),
    (Capability::ReadContacts, [O, O, O, O, O]),
    (Capability::WriteContacts, [O, O, O, O, X]),
    (Capability::UseCanned, [O, O, O, O, X]),
    (Capability::ManageCanned, [O, O, O, X, X]),
    (Capability::ReadReports, [O, O, O, X, O]),
    (Capability::ReadOwnReports, [O, O, O, O, O]),
    (Capability::ManageChannels, [O, O, X, X, X]),
    (Capability::ManageSla, [O, O, X, X, X]),
    (Capability::ManageRules, [O, O, X, X, X]),
    (Capability::ManageTeams, [O, O, X, X, X]),
    (Capability::ManageWebhooks, [O, O, X, X, X]),
    (Capability::ManageApiKeys, [O, O, X, X, X]),
    (Capability::ManageMembers, [O, O, X, X, X]),
    (Capability::ManageOwners, [O, X, X, X, X]),
    (Capability::ManageWorkspace, [O, O, X, X, X]),
    (Capability::DeleteWorkspace, [O, X, X, X, X]),
    (Capability::TransferOwnership, [O, X, X, X, X]),
    (Capability::ReadAuditLog, [O, O, X, X, X]),
    (Capability::ReadWorkspace, [O, O, O, O, O]),
    (Capability::ReadMembers, [O, O, O, O, O]),
    (Capability::ReadTeams, [O, O, O, O, O]),
    (Capability::ReadChannels, [O, O, O, O, O]),
    (Capability::ReadApiKeys, [O, O, X, X, X]),
    (Capability::ReadOwnNotifications, [O, O, O, O, O]),
    (Capability::IngestMessages, [O, O, X, X, X]),
    (Capability::ReadInboundEvents, [O, O, X, X, X]),
];

/// A permission an API key can carry.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum ApiScope {
    /// Read conversations and messages.
    #[serde(rename = "conversations:read")]
    ConversationsRead,
    /// Reply, note, tag, assign, change status (and read what it changes).
    #[serde(rename = "conversations:write")]
    ConversationsWrite,
    /// Read contacts.
    #[serde(rename = "contacts:read")]
    ContactsRead,
    /// Change contacts (and read them).
    #[serde(rename = "contacts:write")]
    ContactsWrite,
    /// Read channels (kinds, names, settings, health).
    #[serde(rename = "channels:read")]
    ChannelsRead,
    /// Channels.
    #[serde(rename = "channels:manage")]
    ChannelsManage,
    /// Read the member directory (names, e-mail addresses, roles) and teams.
    #[serde(rename = "members:read")]
    MembersRead,
    /// SLA, hours, rules, teams, canned responses.
    #[serde(rename = "settings:manage")]
    SettingsManage,
    /// Outgoing webhooks.
    #[serde(rename = "webhooks:manage")]
    WebhooksManage,
    /// Reports.
    #[serde(rename = "reports:read")]
    ReportsRead,
    /// The audit log.
    #[serde(rename = "audit:read")]
    AuditRead,
    /// Push messages through the API channel.
    #[serde(rename = "messages:ingest")]
    MessagesIngest,
}

/// What each scope grants. Every key may read its own workspace's name and settings;
/// anything more needs a scope that names it, and no scope manages keys or members.
const SCOPE_MATRIX: &[(ApiScope, &[Capability])] = &[
    (
        ApiScope::ConversationsRead,
        &[Capability::ReadWorkspace, Capability::ReadConversations],
    ),
    // A write scope reads what it writes: changing a conversation answers with it.
    (
        ApiScope::ConversationsWrite,
        &[
            Capability::ReadWorkspace,
            Capability::ReadConversations,
            Capability::Reply,
            Capability::AssignAny,
            Capability::UseCanned,
        ],
    ),
    (
        ApiScope::ContactsRead,
        &[Capability::ReadWorkspace, Capability::ReadContacts],
    ),
    (
        ApiScope::ContactsWrite,
        &[
            Capability::ReadWorkspace,
            Capability::ReadContacts,
            Capability::WriteContacts,
        ],
    ),
    (
        ApiScope::ChannelsRead,
        &[Capability::ReadWorkspace, Capability::ReadChannels],
    ),
    (
        ApiScope::ChannelsManage,
        &[
            Capability::ReadWorkspace,
            Capability::ReadChannels,
            Capability::ManageChannels,
            Capability::ReadInboundEvents,
        ],
    ),
    (
        ApiScope::MembersRead,
        &[
            Capability::ReadWorkspace,
            Capability::ReadMembers,
            Capability::ReadTeams,
        ],
    ),
    (
        ApiScope::SettingsManage,
        &[
            Capability::ReadWorkspace,
            Capability::ManageSla,
            Capability::ManageRules,
            Capability::ManageTeams,
            Capability::ReadTeams,
            Capability::ManageCanned,
        ],
    ),
    (
        ApiScope::WebhooksManage,
        &[Capability::ReadWorkspace, Capability::ManageWebhooks],
    ),
    // Every report, and so one's own figures too (the reports routes ask for the latter).
    (
        ApiScope::ReportsRead,
        &[
            Capability::ReadWorkspace,
            Capability::ReadReports,
            Capability::ReadOwnReports,
        ],
    ),
    (
        ApiScope::AuditRead,
        &[Capability::ReadWorkspace, Capability::ReadAuditLog],
    ),
    // A partner pushing messages reads where what it pushed stands.
    (
        ApiScope::MessagesIngest,
        &[
            Capability::ReadWorkspace,
            Capability::IngestMessages,
            Capability::ReadInboundEvents,
        ],
    ),
];

impl Role {
    /// Every role, strongest first.
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Admin,
        Role::Supervisor,
        Role::Agent,
        Role::Viewer,
    ];

    fn column(self) -> usize {
        self as usize
    }

    /// Whether this role holds the capability.
    pub fn can(self, capability: Capability) -> bool {
        ROLE_MATRIX
            .iter()
            .find(|(c, _)| *c == capability)
            .is_some_and(|(_, roles)| roles[self.column()])
    }

    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Agent => "agent",
            Role::Viewer => "viewer",
        }
    }
}

impl FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| Error::invalid("role", "unknown_role", format!("unknown role: {s}")))
    }
}

impl OrgRole {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            OrgRole::OrgOwner => "org_owner",
            OrgRole::OrgAdmin => "org_admin",
            OrgRole::OrgMember => "org_member",
        }
    }

    /// The workspace role this organization role implies in every workspace.
    pub fn implied_workspace_role(self) -> Option<Role> {
        match self {
            OrgRole::OrgOwner => Some(Role::Owner),
            OrgRole::OrgAdmin => Some(Role::Admin),
            OrgRole::OrgMember => None,
        }
    }

    /// Whether this role may create workspaces and manage the organization's members.
    pub fn manages_org(self) -> bool {
        matches!(self, OrgRole::OrgOwner | OrgRole::OrgAdmin)
    }
}

impl FromStr for OrgRole {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        [OrgRole::OrgOwner, OrgRole::OrgAdmin, OrgRole::OrgMember]
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(
                    "role",
                    "unknown_role",
                    format!("unknown organization role: {s}"),
                )
            })
    }
}

impl ApiScope {
    /// Every scope.
    pub const ALL: [ApiScope; 12] = [
        ApiScope::ConversationsRead,
        ApiScope::ConversationsWrite,
        ApiScope::ContactsRead,
        ApiScope::ContactsWrite,
        ApiScope::ChannelsRead,
        ApiScope::ChannelsManage,
        ApiScope::MembersRead,
        ApiScope::SettingsManage,
        ApiScope::WebhooksManage,
        ApiScope::ReportsRead,
        ApiScope::AuditRead,
        ApiScope::MessagesIngest,
    ];

    /// The capabilities this scope grants.
    pub fn capabilities(self) -> &'static [Capability] {
        SCOPE_MATRIX
            .iter()
            .find(|(s, _)| *s == self)
            .map(|(_, caps)| *caps)
            .unwrap_or_default()
    }

    /// Whether this scope grants the capability.
    pub fn grants(self, capability: Capability) -> bool {
        SCOPE_MATRIX
            .iter()
            .find(|(s, _)| *s == self)
            .is_some_and(|(_, caps)| caps.contains(&capability))
    }

    /// The name stored and shown, such as `conversations:read`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiScope::ConversationsRead => "conversations:read",
            ApiScope::ConversationsWrite => "conversations:write",
            ApiScope::ContactsRead => "contacts:read",
            ApiScope::ContactsWrite => "contacts:write",
            ApiScope::ChannelsRead => "channels:read",
            ApiScope::ChannelsManage => "channels:manage",
            ApiScope::MembersRead => "members:read",
            ApiScope::SettingsManage => "settings:manage",
            ApiScope::WebhooksManage => "webhooks:manage",
            ApiScope::ReportsRead => "reports:read",
            ApiScope::AuditRead => "audit:read",
            ApiScope::MessagesIngest => "messages:ingest",
        }
    }
}

impl FromStr for ApiScope {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        ApiScope::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| Error::invalid("scopes", "unknown_scope", format!("unknown scope: {s}")))
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        f.write_str(&name)
    }
}

/// The credential behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A person with a login session.
    User {
        /// Who.
        user_id: UserId,
        /// Which session; logging out revokes it.
        session_id: SessionId,
    },
    /// A workspace API key.
    ApiKey {
        /// Which key.
        key_id: ApiKeyId,
        /// The one workspace it belongs to.
        workspace_id: WorkspaceId,
        /// What it may do.
        scopes: Vec<ApiScope>,
    },
    /// Earshot itself: the worker's timed jobs (a snoozed conversation waking, say).
    System,
}

/// Where a call came from, as the edge saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    /// The client address.
    pub ip: Option<String>,
    /// The request id, echoed in responses and logs.
    pub request_id: Option<String>,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
}

/// An authenticated caller and where the call came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    principal: Principal,
    client: ClientInfo,
}

impl Actor {
    pub(crate) fn new(principal: Principal, client: ClientInfo) -> Self {
        Self { principal, client }
    }

    /// Where the call came from.
    pub fn client(&self) -> &ClientInfo {
        &self.client
    }

    /// The credential.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The user, when a person is acting.
    pub fn user_id(&self) -> Option<UserId> {
        match &self.principal {
            Principal::User { user_id, .. } => Some(*user_id),
            Principal::ApiKey { .. } | Principal::System => None,
        }
    }

    /// A short label for logs: `user:<id>` or `api_key:<id>`.
    pub fn label(&self) -> String {
        match &self.principal {
            Principal::User { user_id, .. } => format!("user:{user_id}"),
            Principal::ApiKey { key_id, .. } => format!("api_key:{key_id}"),
            Principal::System => "system".to_owned(),
        }
    }
}

/// What grants an actor its capabilities inside a workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Grant {
    Role(Role),
    Scopes(Vec<ApiScope>),
    /// Earshot's own jobs: every capability, every conversation.
    System,
}

/// Which conversations a scope may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationAccess {
    /// Every conversation of the workspace.
    All,
    /// Those assigned to this user or to one of their teams.
    TeamsOf(UserId),
    /// Only those assigned to this user.
    AssignedTo(UserId),
}

/// Proof that an actor may enter a workspace, carrying what it may do there.
///
/// The only constructor is `service::access::enter_workspace`; every repository function
/// that touches workspace-owned rows takes one and filters by its workspace itself.
#[derive(Debug, Clone)]
pub struct WorkspaceScope {
    workspace_id: WorkspaceId,
    org_id: OrgId,
    actor: Actor,
    grant: Grant,
    agent_visibility: AgentVisibility,
}

impl WorkspaceScope {
    pub(crate) fn for_role(
        workspace_id: WorkspaceId,
        org_id: OrgId,
        actor: Actor,
        role: Role,
        agent_visibility: AgentVisibility,
    ) -> Self {
        Self {
            workspace_id,
            org_id,
            actor,
            grant: Grant::Role(role),
            agent_visibility,
        }
    }

    pub(crate) fn for_key(
        workspace_id: WorkspaceId,
        org_id: OrgId,
        actor: Actor,
        scopes: Vec<ApiScope>,
    ) -> Self {
        Self {
            workspace_id,
            org_id,
            actor,
            grant: Grant::Scopes(scopes),
            agent_visibility: AgentVisibility::All,
        }
    }

    /// Earshot acting on its own inside one workspace, for the worker's cross-workspace
    /// jobs, which re-enter each workspace through here (grep for `system(`).
    pub(crate) fn system(workspace_id: WorkspaceId, org_id: OrgId) -> Self {
        Self {
            workspace_id,
            org_id,
            actor: Actor::new(Principal::System, ClientInfo::default()),
            grant: Grant::System,
            agent_visibility: AgentVisibility::All,
        }
    }

    /// The workspace every query of this scope is confined to.
    pub fn workspace_id(&self) -> WorkspaceId {
        self.workspace_id
    }

    /// The organization owning the workspace.
    pub fn org_id(&self) -> OrgId {
        self.org_id
    }

    /// Who is acting.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The actor's effective role, when a person is acting.
    pub fn role(&self) -> Option<Role> {
        match &self.grant {
            Grant::Role(role) => Some(*role),
            Grant::Scopes(_) | Grant::System => None,
        }
    }

    /// Whether the actor holds the capability here.
    pub fn can(&self, capability: Capability) -> bool {
        match &self.grant {
            Grant::Role(role) => role.can(capability),
            Grant::Scopes(scopes) => scopes.iter().any(|s| s.grants(capability)),
            Grant::System => true,
        }
    }

    /// Which conversations the actor may read: agents as the workspace's
    /// `agent_visibility` says, everyone else all of them.
    pub fn conversation_access(&self) -> ConversationAccess {
        match (&self.grant, self.actor.user_id()) {
            (Grant::Role(Role::Agent), Some(user)) => match self.agent_visibility {
                AgentVisibility::All => ConversationAccess::All,
                AgentVisibility::Team => ConversationAccess::TeamsOf(user),
                AgentVisibility::Assigned => ConversationAccess::AssignedTo(user),
            },
            _ => ConversationAccess::All,
        }
    }

    /// `Forbidden` unless the actor holds the capability.
    pub fn require(&self, capability: Capability) -> Result<()> {
        if self.can(capability) {
            Ok(())
        } else {
            Err(Error::Forbidden(capability))
        }
    }
}

/// Proof that a user belongs to an organization, with their organization role.
#[derive(Debug, Clone)]
pub struct OrgScope {
    org_id: OrgId,
    actor: Actor,
    role: OrgRole,
}

impl OrgScope {
    pub(crate) fn new(org_id: OrgId, actor: Actor, role: OrgRole) -> Self {
        Self {
            org_id,
            actor,
            role,
        }
    }

    /// The organization.
    pub fn org_id(&self) -> OrgId {
        self.org_id
    }

    /// Who is acting.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The actor's role in the organization.
    pub fn role(&self) -> OrgRole {
        self.role
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_capability_appears_once_in_the_role_matrix() {
        for (i, (cap, _)) in ROLE_MATRIX.iter().enumerate() {
            assert!(
                !ROLE_MATRIX[i + 1..].iter().any(|(c, _)| c == cap),
                "{cap:?} twice"
            );
        }
    }

    #[test]
    fn the_matrix_follows_the_specification() {
        let cases = [
            (Role::Viewer, Capability::ReadConversations, true),
            (Role::Viewer, Capability::Reply, false),
            (Role::Agent, Capability::AssignAny, false),
            (Role::Agent, Capability::AssignSelf, true),
            (Role::Agent, Capability::ManageCanned, false),
            (Role::Supervisor, Capability::ManageChannels, false),
            (Role::Admin, Capability::ManageMembers, true),
            (Role::Admin, Capability::ManageOwners, false),
            (Role::Admin, Capability::DeleteWorkspace, false),
            (Role::Owner, Capability::DeleteWorkspace, true),
            (Role::Admin, Capability::ReadAuditLog, true),
            (Role::Supervisor, Capability::ReadAuditLog, false),
            (Role::Viewer, Capability::ReadReports, true),
            (Role::Agent, Capability::ReadReports, false),
            (Role::Agent, Capability::ReadOwnReports, true),
        ];
        for (role, cap, expected) in cases {
            assert_eq!(role.can(cap), expected, "{role:?} {cap:?}");
        }
    }

    #[test]
    fn scopes_grant_only_what_they_name() {
        assert!(ApiScope::AuditRead.grants(Capability::ReadAuditLog));
        assert!(!ApiScope::AuditRead.grants(Capability::ManageApiKeys));
        assert!(ApiScope::SettingsManage.grants(Capability::ManageTeams));
        assert!(!ApiScope::ConversationsRead.grants(Capability::Reply));
        assert!(!ApiScope::ConversationsRead.grants(Capability::ReadMembers));
        assert!(!ApiScope::ConversationsRead.grants(Capability::ReadChannels));
        assert!(ApiScope::MembersRead.grants(Capability::ReadMembers));
        assert!(ApiScope::ReportsRead.grants(Capability::ReadReports));
        assert!(!ApiScope::ConversationsRead.grants(Capability::ReadOwnReports));
        assert!(ApiScope::ChannelsManage.grants(Capability::ReadChannels));
        for scope in ApiScope::ALL {
            assert!(!scope.grants(Capability::ManageApiKeys), "{scope:?}");
            assert!(!scope.grants(Capability::ManageMembers), "{scope:?}");
            assert!(!scope.grants(Capability::ReadApiKeys), "{scope:?}");
            assert!(!scope.grants(Capability::ReadOwnNotifications), "{scope:?}");
            assert!(scope.grants(Capability::ReadWorkspace), "{scope:?}");
        }
    }

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        for scope in ApiScope::ALL {
            assert_eq!(scope.as_str().parse::<ApiScope>().unwrap(), scope);
            assert_eq!(serde_json::to_value(scope).unwrap(), scope.as_str());
        }
        assert_eq!(Capability::ReadAuditLog.to_string(), "read_audit_log");
    }
}
