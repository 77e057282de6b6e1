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
