//! The REST route table. One file a resource; handlers parse, call one service, map.

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod business_hours;
pub mod channels;
pub mod commitments;
pub mod contacts;
pub mod conversations;
pub mod hooks;
pub mod inbound_events;
pub mod listening_rules;
pub mod members;
pub mod notifications;
pub mod ops;
pub mod orgs;
pub mod reports;
pub mod sla_clocks;
pub mod sla_policies;
pub mod teams;
pub mod workspaces;

use actix_web::web::{self, ServiceConfig};

use crate::middleware::edge_errors::method_not_allowed;

/// The pattern a resource was registered with, kept in its data so the extractors find what
/// the route needs (`access::ROUTES`) without matching the path again.
#[derive(Debug, Clone, Copy)]
pub struct RoutePattern(pub &'static str);

/// Registers every route; a known path with an unknown method answers 405.
#[rustfmt::skip]
pub fn configure(cfg: &mut ServiceConfig) {
    let r = |path: &'static str| {
        web::resource(path)
            .app_data(RoutePattern(path))
            .default_service(web::to(method_not_allowed))
    };
    cfg
        .service(r("/healthz").get(ops::healthz))
        .service(r("/readyz").get(ops::readyz))
        .service(r("/metrics").get(ops::metrics))
        .service(r("/.well-known/jwks.json").get(ops::jwks))
        .service(r("/graphql").post(crate::graphql::graphql).get(crate::graphql::subscriptions))
        .service(r("/v1/orgs").post(orgs::create_org))
        .service(r("/v1/orgs/{org_id}").get(orgs::get_org))
        .service(r("/v1/orgs/{org_id}/members").get(orgs::list_org_members))
        .service(r("/v1/orgs/{org_id}/members/{user_id}").patch(orgs::update_org_member).delete(orgs::remove_org_member))
        .service(r("/v1/orgs/{org_id}/workspaces").get(workspaces::list_workspaces).post(workspaces::create_workspace))
        .service(r("/v1/orgs/{org_id}/reports/summary").get(reports::org_report))
        .service(r("/v1/hooks/{kind}/{channel_id}").get(hooks::hook_handshake).post(hooks::hook_delivery))
        .service(r("/v1/auth/login").post(auth::login))
        .service(r("/v1/auth/refresh").post(auth::refresh))
        .service(r("/v1/auth/logout").post(auth::logout))
        .service(r("/v1/auth/invitations/accept").post(auth::accept_invitation))
        .service(r("/v1/me").get(auth::me))
        .service(r("/v1/workspaces/{workspace_id}").get(workspaces::get_workspace).patch(workspaces::update_workspace).delete(workspaces::delete_workspace))
        .service(r("/v1/workspaces/{workspace_id}/transfer-ownership").post(workspaces::transfer_ownership))
        .service(r("/v1/workspaces/{workspace_id}/members").get(members::list_members).post(members::add_member))
        .service(r("/v1/workspaces/{workspace_id}/members/{user_id}").get(members::get_member).patch(members::update_member).delete(members::remove_member))
        .service(r("/v1/workspaces/{workspace_id}/api-keys").get(api_keys::list_api_keys).post(api_keys::create_api_key))
        .service(r("/v1/workspaces/{workspace_id}/api-keys/{key_id}").get(api_keys::get_api_key).patch(api_keys::rename_api_key).delete(api_keys::revoke_api_key))
        .service(r("/v1/workspaces/{workspace_id}/teams").get(teams::list_teams).post(teams::create_team))
        .service(r("/v1/workspaces/{workspace_id}/teams/{team_id}").get(teams::get_team).patch(teams::update_team).delete(teams::delete_team))
        .service(r("/v1/workspaces/{workspace_id}/audit-log").get(audit::list_audit_log))
        .service(r("/v1/workspaces/{workspace_id}/channels").get(channels::list_channels).post(channels::create_channel))
        .service(r("/v1/workspaces/{workspace_id}/channels/{channel_id}").get(channels::get_channel).patch(channels::update_channel).delete(channels::delete_channel))
        .service(r("/v1/workspaces/{workspace_id}/channels/{channel_id}/inbound").post(channels::push_inbound))
        .service(r("/v1/workspaces/{workspace_id}/channels/{channel_id}/check").post(channels::check_channel))
        .service(r("/v1/workspaces/{workspace_id}/listening-rules").get(listening_rules::list_listening_rules).post(listening_rules::create_listening_rule))
        .service(r("/v1/workspaces/{workspace_id}/listening-rules/{rule_id}").get(listening_rules::get_listening_rule).patch(listening_rules::update_listening_rule).delete(listening_rules::delete_listening_rule))
        .service(r("/v1/workspaces/{workspace_id}/business-hours").get(business_hours::list_business_hours).post(business_hours::create_business_hours))
        .service(r("/v1/workspaces/{workspace_id}/business-hours/{hours_id}").get(business_hours::get_business_hours).patch(business_hours::update_business_hours).delete(business_hours::delete_business_hours))
        .service(r("/v1/workspaces/{workspace_id}/business-hours/{hours_id}/due").get(business_hours::business_due))
        .service(r("/v1/workspaces/{workspace_id}/sla-policies").get(sla_policies::list_sla_policies).post(sla_policies::create_sla_policy))
        .service(r("/v1/workspaces/{workspace_id}/sla-policies/{policy_id}").get(sla_policies::get_sla_policy).patch(sla_policies::update_sla_policy).delete(sla_policies::delete_sla_policy))
        .service(r("/v1/workspaces/{workspace_id}/inbound-events").get(inbound_events::list_inbound_events))
        .service(r("/v1/workspaces/{workspace_id}/inbound-events/{event_id}").get(inbound_events::get_inbound_event))
        .service(r("/v1/workspaces/{workspace_id}/inbound-events/{event_id}/retry").post(inbound_events::retry_inbound_event))
        .service(r("/v1/workspaces/{workspace_id}/contacts").get(contacts::list_contacts).post(contacts::create_contact))
        .service(r("/v1/workspaces/{workspace_id}/contacts/{contact_id}").get(contacts::get_contact).patch(contacts::update_contact).delete(contacts::delete_contact))
        .service(r("/v1/workspaces/{workspace_id}/contacts/{contact_id}/merge").post(contacts::merge_contacts))
        .service(r("/v1/workspaces/{workspace_id}/contacts/{contact_id}/export").get(contacts::export_contact))
        .service(r("/v1/workspaces/{workspace_id}/contacts/{contact_id}/erase").post(contacts::erase_contact))
        .service(r("/v1/workspaces/{workspace_id}/conversations").get(conversations::list_conversations).post(conversations::start_conversation))
        .service(r("/v1/workspaces/{workspace_id}/conversations/bulk").post(conversations::bulk_update))
        .service(r("/v1/workspaces/{workspace_id}/conversations/{conversation_id}").get(conversations::get_conversation).patch(conversations::update_conversation))
        .service(r("/v1/workspaces/{workspace_id}/conversations/{conversation_id}/sla-policy").get(sla_policies::conversation_sla_policy))
        .service(r("/v1/workspaces/{workspace_id}/conversations/{conversation_id}/sla-clocks").get(sla_clocks::conversation_sla_clocks))
        .service(r("/v1/workspaces/{workspace_id}/conversations/{conversation_id}/commitments").get(commitments::list_commitments).post(commitments::create_commitment))
        .service(r("/v1/workspaces/{workspace_id}/conversations/{conversation_id}/commitments/{commitment_id}").get(commitments::get_commitment).patch(commitments::update_commitment))
        .service(r("/v1/workspaces/{workspace_id}/conversations/{conversation_id}/follow-ups").get(commitments::list_followups))
        .service(r("/v1/workspaces/{workspace_id}/conversations/{conversation_id}/messages").get(conversations::list_messages).post(conversations::create_message))
        .service(r("/v1/workspaces/{workspace_id}/reports/summary").get(reports::workspace_report))
        .service(r("/v1/workspaces/{workspace_id}/notifications").get(notifications::list_notifications))
        .service(r("/v1/workspaces/{workspace_id}/notifications/{notification_id}/read").post(notifications::mark_notification_read));
    ops::configure_docs(cfg);
}
