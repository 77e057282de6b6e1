//! The OpenAPI 3.1 document, generated from the handlers and committed at
//! `openapi/openapi.json`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::rest;

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Earshot API", description = "Self-hosted, multi-tenant helpdesk for social customer care."),
    paths(
        rest::ops::healthz, rest::ops::readyz, rest::ops::metrics, rest::ops::jwks,
        rest::orgs::create_org, rest::orgs::get_org, rest::orgs::list_org_members,
        rest::orgs::update_org_member, rest::orgs::remove_org_member,
        rest::workspaces::list_workspaces, rest::workspaces::create_workspace,
        rest::workspaces::get_workspace, rest::workspaces::update_workspace,
        rest::workspaces::delete_workspace, rest::workspaces::transfer_ownership,
        rest::auth::login, rest::auth::refresh, rest::auth::logout, rest::auth::accept_invitation, rest::auth::me,
        rest::members::list_members, rest::members::add_member, rest::members::get_member,
        rest::members::update_member, rest::members::remove_member,
        rest::api_keys::list_api_keys, rest::api_keys::create_api_key, rest::api_keys::get_api_key,
        rest::api_keys::rename_api_key, rest::api_keys::revoke_api_key,
        rest::teams::list_teams, rest::teams::create_team, rest::teams::get_team,
        rest::teams::update_team, rest::teams::delete_team,
        rest::audit::list_audit_log,
        rest::channels::list_channels, rest::channels::create_channel, rest::channels::get_channel,
        rest::channels::update_channel, rest::channels::delete_channel, rest::channels::push_inbound,
        rest::contacts::list_contacts, rest::contacts::create_contact, rest::contacts::get_contact,
        rest::contacts::update_contact, rest::contacts::delete_contact, rest::contacts::merge_contacts,
        rest::contacts::export_contact, rest::contacts::erase_contact,
        rest::conversations::list_conversations, rest::conversations::start_conversation,
        rest::conversations::bulk_update, rest::conversations::get_conversation,
        rest::conversations::update_conversation, rest::conversations::list_messages,
        rest::conversations::create_message,
        rest::notifications::list_notifications, rest::notifications::mark_notification_read,
    ),
    modifiers(&Security),
    tags(
        (name = "orgs", description = "Organizations (tenants) and their members"),
        (name = "workspaces", description = "One brand's desk and its settings"),
        (name = "auth", description = "Sessions and the caller"),
        (name = "members", description = "Workspace members and roles"),
        (name = "api-keys", description = "Workspace API keys"),
        (name = "teams", description = "Teams"),
        (name = "audit-log", description = "Who changed what"),
        (name = "channels", description = "Where customers speak, and the API channel's inbound door"),
        (name = "contacts", description = "Customers, their identities, merge, export and erasure"),
        (name = "conversations", description = "The inbox, messages, replies and notes"),
        (name = "notifications", description = "Mentions for the calling colleague"),
        (name = "operations", description = "Health, readiness, metrics, keys"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let bearer = |description: &str| {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(description.to_owned()))
                    .build(),
            )
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .add_security_scheme("bearer", bearer("An access token from POST /v1/auth/login"));
        components.add_security_scheme("api_key", bearer("A workspace API key (esk_…)"));
        components.add_security_scheme("platform_token", bearer("The operator's platform token"));
    }
}

/// The document as pretty JSON with a trailing newline, exactly as committed.
pub fn document() -> anyhow::Result<String> {
    let mut text = ApiDoc::openapi().to_pretty_json()?;
    text.push('\n');
    Ok(text)
}
