//! What every REST route and GraphQL field needs, in one table. The route and field checks
//! read it, the README's scope table is written from it (`earshot scopes`), and a test walks
//! every route with a key of each single scope.
//!
//! Roles get capabilities from SPEC §1's matrix and keys from their scopes, both in
//! `earshot_core::tenancy`; services check again what depends on the input (assigning to
//! someone else, say).

use earshot_core::tenancy::{ApiScope, Capability};

use Capability as C;

/// What a caller needs to use a route or field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Nothing: documents, health, signing in.
    Public,
    /// The platform operator's token (or open sign-up).
    Platform,
    /// A person signed in; API keys are refused (`403 people_only`).
    Person,
    /// Every one of these capabilities in the workspace the path names.
    Workspace(&'static [Capability]),
}

/// One route and what it needs.
#[derive(Debug, Clone, Copy)]
pub struct RouteNeed {
    /// `GET`, `POST`, …
    pub method: &'static str,
    /// The route pattern, as registered.
    pub path: &'static str,
    /// What it needs.
    pub need: Need,
}

const fn route(method: &'static str, path: &'static str, need: Need) -> RouteNeed {
    RouteNeed { method, path, need }
}

const fn ws(capabilities: &'static [Capability]) -> Need {
    Need::Workspace(capabilities)
}

const W: &str = "/v1/workspaces/{workspace_id}";

macro_rules! ws_path {
    ($rest:literal) => {
        concat!("/v1/workspaces/{workspace_id}", $rest)
    };
}

/// Every REST route.
#[rustfmt::skip]
pub const ROUTES: &[RouteNeed] = &[
    route("GET", "/healthz", Need::Public),
    route("GET", "/readyz", Need::Public),
    route("GET", "/metrics", Need::Public),
    route("GET", "/.well-known/jwks.json", Need::Public),
    route("POST", "/v1/orgs", Need::Platform),
    route("GET", "/v1/orgs/{org_id}", Need::Person),
    route("GET", "/v1/orgs/{org_id}/members", Need::Person),
    route("PATCH", "/v1/orgs/{org_id}/members/{user_id}", Need::Person),
    route("DELETE", "/v1/orgs/{org_id}/members/{user_id}", Need::Person),
    route("GET", "/v1/orgs/{org_id}/workspaces", Need::Person),
    route("POST", "/v1/orgs/{org_id}/workspaces", Need::Person),
    route("GET", "/v1/orgs/{org_id}/reports/summary", Need::Person),
    route("GET", "/v1/hooks/{kind}/{channel_id}", Need::Public),
    route("POST", "/v1/hooks/{kind}/{channel_id}", Need::Public),
    route("POST", "/v1/auth/login", Need::Public),
    route("POST", "/v1/auth/refresh", Need::Public),
    route("POST", "/v1/auth/logout", Need::Person),
    route("POST", "/v1/auth/invitations/accept", Need::Public),
    route("GET", "/v1/me", Need::Person),
    route("GET", W, ws(&[C::ReadWorkspace])),
    route("PATCH", W, ws(&[C::ManageWorkspace])),
    route("DELETE", W, ws(&[C::DeleteWorkspace])),
    route("POST", ws_path!("/transfer-ownership"), ws(&[C::TransferOwnership])),
    route("GET", ws_path!("/members"), ws(&[C::ReadMembers])),
    route("POST", ws_path!("/members"), ws(&[C::ManageMembers])),
    route("GET", ws_path!("/members/{user_id}"), ws(&[C::ReadMembers])),
    route("PATCH", ws_path!("/members/{user_id}"), ws(&[C::ManageMembers])),
    route("DELETE", ws_path!("/members/{user_id}"), ws(&[C::ManageMembers])),
    route("GET", ws_path!("/api-keys"), ws(&[C::ReadApiKeys])),
    route("POST", ws_path!("/api-keys"), ws(&[C::ManageApiKeys])),
    route("GET", ws_path!("/api-keys/{key_id}"), ws(&[C::ReadApiKeys])),
    route("PATCH", ws_path!("/api-keys/{key_id}"), ws(&[C::ManageApiKeys])),
    route("DELETE", ws_path!("/api-keys/{key_id}"), ws(&[C::ManageApiKeys])),
    route("GET", ws_path!("/teams"), ws(&[C::ReadTeams])),
    route("POST", ws_path!("/teams"), ws(&[C::ManageTeams])),
    route("GET", ws_path!("/teams/{team_id}"), ws(&[C::ReadTeams])),
    route("PATCH", ws_path!("/teams/{team_id}"), ws(&[C::ManageTeams])),
    route("DELETE", ws_path!("/teams/{team_id}"), ws(&[C::ManageTeams])),
    route("GET", ws_path!("/audit-log"), ws(&[C::ReadAuditLog])),
    route("GET", ws_path!("/channels"), ws(&[C::ReadChannels])),
    route("POST", ws_path!("/channels"), ws(&[C::ManageChannels])),
    route("GET", ws_path!("/channels/{channel_id}"), ws(&[C::ReadChannels])),
    route("PATCH", ws_path!("/channels/{channel_id}"), ws(&[C::ManageChannels])),
    route("DELETE", ws_path!("/channels/{channel_id}"), ws(&[C::ManageChannels])),
    route("POST", ws_path!("/channels/{channel_id}/inbound"), ws(&[C::IngestMessages])),
    route("POST", ws_path!("/channels/{channel_id}/check"), ws(&[C::ManageChannels])),
    route("GET", ws_path!("/listening-rules"), ws(&[C::ReadChannels])),
    route("POST", ws_path!("/listening-rules"), ws(&[C::ManageChannels])),
    route("GET", ws_path!("/listening-rules/{rule_id}"), ws(&[C::ReadChannels])),
    route("PATCH", ws_path!("/listening-rules/{rule_id}"), ws(&[C::ManageChannels])),
    route("DELETE", ws_path!("/listening-rules/{rule_id}"), ws(&[C::ManageChannels])),
    route("GET", ws_path!("/business-hours"), ws(&[C::ReadWorkspace])),
    route("POST", ws_path!("/business-hours"), ws(&[C::ManageSla])),
    route("GET", ws_path!("/business-hours/{hours_id}"), ws(&[C::ReadWorkspace])),
    route("PATCH", ws_path!("/business-hours/{hours_id}"), ws(&[C::ManageSla])),
    route("DELETE", ws_path!("/business-hours/{hours_id}"), ws(&[C::ManageSla])),
    route("GET", ws_path!("/business-hours/{hours_id}/due"), ws(&[C::ReadWorkspace])),
    route("GET", ws_path!("/sla-policies"), ws(&[C::ReadWorkspace])),
    route("POST", ws_path!("/sla-policies"), ws(&[C::ManageSla])),
    route("GET", ws_path!("/sla-policies/{policy_id}"), ws(&[C::ReadWorkspace])),
    route("PATCH", ws_path!("/sla-policies/{policy_id}"), ws(&[C::ManageSla])),
    route("DELETE", ws_path!("/sla-policies/{policy_id}"), ws(&[C::ManageSla])),
    route("GET", ws_path!("/inbound-events"), ws(&[C::ReadInboundEvents])),
    route("GET", ws_path!("/inbound-events/{event_id}"), ws(&[C::ReadInboundEvents])),
    route("POST", ws_path!("/inbound-events/{event_id}/retry"), ws(&[C::ManageChannels])),
    route("GET", ws_path!("/contacts"), ws(&[C::ReadContacts])),
    route("POST", ws_path!("/contacts"), ws(&[C::WriteContacts])),
    route("GET", ws_path!("/contacts/{contact_id}"), ws(&[C::ReadContacts])),
    route("PATCH", ws_path!("/contacts/{contact_id}"), ws(&[C::WriteContacts])),
    route("DELETE", ws_path!("/contacts/{contact_id}"), ws(&[C::WriteContacts])),
    route("POST", ws_path!("/contacts/{contact_id}/merge"), ws(&[C::WriteContacts])),
    route("GET", ws_path!("/contacts/{contact_id}/export"), ws(&[C::ReadContacts, C::ReadConversations])),
    route("POST", ws_path!("/contacts/{contact_id}/erase"), ws(&[C::WriteContacts])),
    route("GET", ws_path!("/conversations"), ws(&[C::ReadConversations])),
    route("POST", ws_path!("/conversations"), ws(&[C::Reply])),
    route("POST", ws_path!("/conversations/bulk"), ws(&[C::Reply])),
    route("GET", ws_path!("/conversations/{conversation_id}"), ws(&[C::ReadConversations])),
    route("PATCH", ws_path!("/conversations/{conversation_id}"), ws(&[C::Reply])),
    route("GET", ws_path!("/conversations/{conversation_id}/sla-policy"), ws(&[C::ReadConversations])),
    route("GET", ws_path!("/conversations/{conversation_id}/sla-clocks"), ws(&[C::ReadConversations])),
    route("GET", ws_path!("/conversations/{conversation_id}/commitments"), ws(&[C::ReadConversations])),
    route("POST", ws_path!("/conversations/{conversation_id}/commitments"), ws(&[C::Reply])),
    route("GET", ws_path!("/conversations/{conversation_id}/commitments/{commitment_id}"), ws(&[C::ReadConversations])),
    route("PATCH", ws_path!("/conversations/{conversation_id}/commitments/{commitment_id}"), ws(&[C::Reply])),
    route("GET", ws_path!("/conversations/{conversation_id}/follow-ups"), ws(&[C::ReadConversations])),
    route("GET", ws_path!("/conversations/{conversation_id}/messages"), ws(&[C::ReadConversations])),
    route("POST", ws_path!("/conversations/{conversation_id}/messages"), ws(&[C::Reply])),
    route("GET", ws_path!("/reports/summary"), ws(&[C::ReadOwnReports])),
    route("GET", ws_path!("/notifications"), ws(&[C::ReadOwnNotifications])),
    route("POST", ws_path!("/notifications/{notification_id}/read"), ws(&[C::ReadOwnNotifications])),
];

/// Every GraphQL field that enters a workspace or an organization, as `Type.field`.
/// Fields below these (a conversation's messages, say) are read with the scope entered.
#[rustfmt::skip]
pub const GRAPHQL_FIELDS: &[(&str, Need)] = &[
    ("Query.me", Need::Person),
    ("Query.organization", Need::Person),
    ("Query.workspace", ws(&[C::ReadWorkspace])),
    ("Workspace.myRole", ws(&[])),
    ("Workspace.members", ws(&[C::ReadMembers])),
    ("Workspace.member", ws(&[C::ReadMembers])),
    ("Workspace.teams", ws(&[C::ReadTeams])),
    ("Workspace.team", ws(&[C::ReadTeams])),
    ("Workspace.apiKeys", ws(&[C::ReadApiKeys])),
    ("Workspace.apiKey", ws(&[C::ReadApiKeys])),
    ("Workspace.channels", ws(&[C::ReadChannels])),
    ("Workspace.channel", ws(&[C::ReadChannels])),
    ("Workspace.listeningRules", ws(&[C::ReadChannels])),
    ("Workspace.listeningRule", ws(&[C::ReadChannels])),
    ("Workspace.businessHours", ws(&[C::ReadWorkspace])),
    ("Workspace.businessHoursCalendar", ws(&[C::ReadWorkspace])),
    ("Workspace.slaPolicies", ws(&[C::ReadWorkspace])),
    ("Workspace.slaPolicy", ws(&[C::ReadWorkspace])),
    ("Workspace.contacts", ws(&[C::ReadContacts])),
    ("Workspace.contact", ws(&[C::ReadContacts])),
    ("Workspace.contactExport", ws(&[C::ReadContacts, C::ReadConversations])),
    ("Workspace.conversations", ws(&[C::ReadConversations])),
    ("Workspace.conversation", ws(&[C::ReadConversations])),
    ("Workspace.notifications", ws(&[C::ReadOwnNotifications])),
    ("Workspace.auditLog", ws(&[C::ReadAuditLog])),
    ("Workspace.reportSummary", ws(&[C::ReadOwnReports])),
    ("Workspace.inboundEvents", ws(&[C::ReadInboundEvents])),
    ("Workspace.inboundEvent", ws(&[C::ReadInboundEvents])),
    ("Mutation.login", Need::Public),
    ("Mutation.refreshSession", Need::Public),
    ("Mutation.logout", Need::Person),
    ("Mutation.acceptInvitation", Need::Public),
    ("Mutation.createOrganization", Need::Platform),
    ("Mutation.updateOrgMember", Need::Person),
    ("Mutation.removeOrgMember", Need::Person),
    ("Mutation.createWorkspace", Need::Person),
    ("Mutation.updateWorkspace", ws(&[C::ManageWorkspace])),
    ("Mutation.deleteWorkspace", ws(&[C::DeleteWorkspace])),
    ("Mutation.transferOwnership", ws(&[C::TransferOwnership])),
    ("Mutation.addMember", ws(&[C::ManageMembers])),
    ("Mutation.updateMember", ws(&[C::ManageMembers])),
    ("Mutation.removeMember", ws(&[C::ManageMembers])),
    ("Mutation.createTeam", ws(&[C::ManageTeams])),
    ("Mutation.updateTeam", ws(&[C::ManageTeams])),
    ("Mutation.deleteTeam", ws(&[C::ManageTeams])),
    ("Mutation.createApiKey", ws(&[C::ManageApiKeys])),
    ("Mutation.renameApiKey", ws(&[C::ManageApiKeys])),
    ("Mutation.revokeApiKey", ws(&[C::ManageApiKeys])),
    ("Mutation.createChannel", ws(&[C::ManageChannels])),
    ("Mutation.updateChannel", ws(&[C::ManageChannels])),
    ("Mutation.checkChannel", ws(&[C::ManageChannels])),
    ("Mutation.deleteChannel", ws(&[C::ManageChannels])),
    ("Mutation.createListeningRule", ws(&[C::ManageChannels])),
    ("Mutation.updateListeningRule", ws(&[C::ManageChannels])),
    ("Mutation.deleteListeningRule", ws(&[C::ManageChannels])),
    ("Mutation.createBusinessHours", ws(&[C::ManageSla])),
    ("Mutation.updateBusinessHours", ws(&[C::ManageSla])),
    ("Mutation.deleteBusinessHours", ws(&[C::ManageSla])),
    ("Mutation.createSlaPolicy", ws(&[C::ManageSla])),
    ("Mutation.updateSlaPolicy", ws(&[C::ManageSla])),
    ("Mutation.deleteSlaPolicy", ws(&[C::ManageSla])),
    ("Mutation.pushInboundMessage", ws(&[C::IngestMessages])),
    ("Mutation.createContact", ws(&[C::WriteContacts])),
    ("Mutation.updateContact", ws(&[C::WriteContacts])),
    ("Mutation.deleteContact", ws(&[C::WriteContacts])),
    ("Mutation.mergeContacts", ws(&[C::WriteContacts])),
    ("Mutation.eraseContact", ws(&[C::WriteContacts])),
    ("Mutation.startConversation", ws(&[C::Reply])),
    ("Mutation.updateConversation", ws(&[C::Reply])),
    ("Mutation.bulkUpdateConversations", ws(&[C::Reply])),
    ("Mutation.sendMessage", ws(&[C::Reply])),
    ("Mutation.createCommitment", ws(&[C::Reply])),
    ("Mutation.updateCommitment", ws(&[C::Reply])),
    ("Mutation.markNotificationRead", ws(&[C::ReadOwnNotifications])),
    ("Mutation.retryInboundEvent", ws(&[C::ManageChannels])),
    ("Subscription.conversationEvents", ws(&[C::ReadConversations])),
];

/// What the route needs; `None` for a method or path not in the table.
pub fn route_need(method: &str, path: &str) -> Option<Need> {
    ROUTES
        .iter()
        .find(|r| r.path == path && r.method == method)
        .map(|r| r.need)
}

/// What the GraphQL field `Type.field` needs; `None` when it is not in the table.
pub fn field_need(type_name: &str, field: &str) -> Option<Need> {
    GRAPHQL_FIELDS
        .iter()
        .find(|(name, _)| {
            name.strip_prefix(type_name)
                .and_then(|rest| rest.strip_prefix('.'))
                == Some(field)
        })
        .map(|(_, need)| *need)
}

impl Need {
    /// Whether an API key holding only `scope` may use what needs this.
    pub fn granted_to(self, scope: ApiScope) -> bool {
        match self {
            Need::Public => true,
            Need::Platform | Need::Person => false,
            Need::Workspace(capabilities) => capabilities.iter().all(|c| scope.grants(*c)),
        }
    }
}

/// The README's table: for each scope, the routes and fields a key with it may use, beyond
/// those every key may use (its own workspace's name and settings).
pub fn scope_table() -> String {
    let every = |need: Need| matches!(need, Need::Workspace(_)) && granted_to_all(need);
    let mut out = String::from("| scope | REST routes | GraphQL fields |\n|---|---|---|\n");
    out.push_str(&table_row("every scope", every));
    for scope in ApiScope::ALL {
        let only_some = |need: Need| {
            matches!(need, Need::Workspace(_)) && need.granted_to(scope) && !granted_to_all(need)
        };
        out.push_str(&table_row(&format!("`{}`", scope.as_str()), only_some));
    }
    let people_only = |need: Need| {
        need == Need::Person
            || matches!(need, Need::Workspace(_))
                && !ApiScope::ALL.iter().any(|s| need.granted_to(*s))
    };
    out.push_str(&table_row("people only (no scope)", people_only));
    out
}

fn table_row(label: &str, include: impl Fn(Need) -> bool) -> String {
    let routes: Vec<String> = ROUTES
        .iter()
        .filter(|r| include(r.need))
        .map(|r| format!("`{} {}`", r.method, r.path.replacen(W, "…", 1)))
        .collect();
    let fields: Vec<String> = GRAPHQL_FIELDS
        .iter()
        .filter(|(_, need)| include(*need))
        .map(|(name, _)| format!("`{name}`"))
        .collect();
    let cell = |items: Vec<String>| match items.is_empty() {
        true => "—".to_owned(),
        false => items.join(", "),
    };
    format!("| {label} | {} | {} |\n", cell(routes), cell(fields))
}

fn granted_to_all(need: Need) -> bool {
    ApiScope::ALL.iter().all(|s| need.granted_to(*s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_and_field_is_listed_once() {
        for (i, r) in ROUTES.iter().enumerate() {
            let again = ROUTES[i + 1..]
                .iter()
                .any(|o| o.path == r.path && o.method == r.method);
            assert!(!again, "{} {} twice", r.method, r.path);
        }
        for (i, (name, _)) in GRAPHQL_FIELDS.iter().enumerate() {
            assert!(
                !GRAPHQL_FIELDS[i + 1..].iter().any(|(o, _)| o == name),
                "{name} twice"
            );
        }
    }

    #[test]
    fn fields_are_found_by_type_and_name() {
        assert_eq!(
            field_need("Workspace", "members"),
            Some(ws(&[C::ReadMembers]))
        );
        assert_eq!(field_need("Mutation", "members"), None);
        assert_eq!(field_need("Work", "space.members"), None);
        assert_eq!(
            route_need("GET", "/v1/workspaces/{workspace_id}/members"),
            Some(ws(&[C::ReadMembers]))
        );
    }

    #[test]
    fn the_member_directory_audit_log_channels_and_keys_need_a_scope_that_names_them() {
        let members = ws(&[C::ReadMembers]);
        assert!(!members.granted_to(ApiScope::ConversationsRead));
        assert!(members.granted_to(ApiScope::MembersRead));
        assert!(!ws(&[C::ReadAuditLog]).granted_to(ApiScope::ConversationsWrite));
        assert!(!ws(&[C::ReadChannels]).granted_to(ApiScope::ConversationsRead));
        assert!(ws(&[C::ReadChannels]).granted_to(ApiScope::ChannelsRead));
        assert!(
            ApiScope::ALL
                .iter()
                .all(|s| !ws(&[C::ReadApiKeys]).granted_to(*s))
        );
    }
}
