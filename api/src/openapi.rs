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
        rest::channels::update_channel, rest::channels::delete_channel, rest::channels::push_inbound, rest::channels::check_channel,
        rest::contacts::list_contacts, rest::contacts::create_contact, rest::contacts::get_contact,
        rest::contacts::update_contact, rest::contacts::delete_contact, rest::contacts::merge_contacts,
        rest::contacts::export_contact, rest::contacts::erase_contact,
        rest::conversations::list_conversations, rest::conversations::start_conversation,
        rest::conversations::bulk_update, rest::conversations::get_conversation,
        rest::conversations::update_conversation, rest::conversations::list_messages,
        rest::conversations::create_message,
        rest::notifications::list_notifications, rest::notifications::mark_notification_read,
        rest::hooks::hook_handshake, rest::hooks::hook_delivery,
        rest::inbound_events::list_inbound_events, rest::inbound_events::get_inbound_event,
        rest::inbound_events::retry_inbound_event,
        rest::listening_rules::list_listening_rules, rest::listening_rules::create_listening_rule,
        rest::listening_rules::get_listening_rule, rest::listening_rules::update_listening_rule,
        rest::listening_rules::delete_listening_rule,
        rest::business_hours::list_business_hours, rest::business_hours::create_business_hours,
        rest::business_hours::get_business_hours, rest::business_hours::update_business_hours,
        rest::business_hours::delete_business_hours, rest::business_hours::business_due,
        rest::sla_policies::list_sla_policies, rest::sla_policies::create_sla_policy,
        rest::sla_policies::get_sla_policy, rest::sla_policies::update_sla_policy,
        rest::sla_policies::delete_sla_policy, rest::sla_policies::conversation_sla_policy,
        rest::sla_clocks::conversation_sla_clocks,
        rest::commitments::list_commitments, rest::commitments::create_commitment,
        rest::commitments::get_commitment, rest::commitments::update_commitment,
        rest::commitments::list_followups,
        rest::reports::workspace_report, rest::reports::org_report,
    ),
    modifiers(&Security, &StrictVariants, &StandardErrors),
    tags(
        (name = "orgs", description = "Organizations (tenants) and their members"),
        (name = "workspaces", description = "One brand's desk and its settings"),
        (name = "auth", description = "Sessions and the caller"),
        (name = "members", description = "Workspace members and roles"),
        (name = "api-keys", description = "Workspace API keys"),
        (name = "teams", description = "Teams"),
        (name = "audit-log", description = "Who changed what"),
        (name = "channels", description = "Where customers speak, and the API channel's inbound door"),
        (name = "listening", description = "Keyword listening rules: public X posts that match become conversations"),
        (name = "business-hours", description = "Business-hours calendars SLA targets count in, and due times in them"),
        (name = "sla-policies", description = "SLA policies: targets, thresholds, conditions and breach actions, and the policy a conversation falls under"),
        (name = "commitments", description = "Commitments: what an agent promised a customer, by when and owned by whom, kept like an SLA clock"),
        (name = "contacts", description = "Customers, their identities, merge, export and erasure"),
        (name = "conversations", description = "The inbox, messages, replies and notes"),
        (name = "reports", description = "Figures of a period per workspace, and the organization roll-up"),
        (name = "notifications", description = "Mentions for the calling colleague"),
        (name = "hooks", description = "Platform webhooks: handshakes and signed deliveries"),
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

/// Struct variants of a tagged input enum (`NewMessage`'s `reply` and `note`) refuse unknown
/// fields as structs do; utoipa says so only for structs, so the document is told here.
struct StrictVariants;

impl Modify for StrictVariants {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::schema::{AdditionalProperties, Schema};
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for schema in components.schemas.values_mut() {
            let RefOr::T(Schema::OneOf(one_of)) = schema else {
                continue;
            };
            for item in &mut one_of.items {
                if let RefOr::T(Schema::Object(object)) = item
                    && !object.properties.is_empty()
                    && object.additional_properties.is_none()
                {
                    object.additional_properties =
                        Some(Box::new(AdditionalProperties::FreeForm(false)));
                }
            }
        }
    }
}

/// Every operation documents the errors every route can answer, each as
/// `application/problem+json`: what the edge refuses (`400`: path, query string, headers,
/// malformed JSON), missing credentials (`401`), unknown ids (`404`), bodies too large, not
/// JSON or of the wrong shape (`413`, `415`, `422`), rate limits (`429`) and an unreachable
/// database (`503`), the last two with `Retry-After`.
struct StandardErrors;

impl Modify for StandardErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                add_standard_errors(path, operation);
            }
        }
    }
}

fn add_standard_errors(path: &str, operation: &mut utoipa::openapi::path::Operation) {
    let secured = operation
        .security
        .as_ref()
        .is_some_and(|requirements| !requirements.is_empty());
    let has_body = operation.request_body.is_some();
    let operational = matches!(path, "/healthz" | "/metrics");
    let mut wanted = vec![(
        "400",
        "The path, query string, headers or body cannot be read",
    )];
    if secured {
        wanted.push(("401", "Credentials are missing, wrong, expired or revoked"));
        wanted.push(("403", "The credential's role or scopes do not allow this"));
        wanted.push((
            "429",
            "Too many requests; `Retry-After` says when to try again",
        ));
    }
    if path.contains('{') {
        wanted.push(("404", "Nothing with that id here"));
    }
    if has_body {
        wanted.push(("413", "The body is too large"));
        wanted.push(("415", "The body is not `application/json`"));
        wanted.push((
            "422",
            "The body does not have the expected fields and values",
        ));
    }
    if !operational {
        wanted.push((
            "503",
            "A dependency is unreachable; `Retry-After` says when to try again",
        ));
    }
    let responses = &mut operation.responses.responses;
    for (status, description) in wanted {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| problem_response(description).into());
    }
    for (status, response) in responses.iter_mut() {
        if status.as_str() >= "400"
            && let utoipa::openapi::RefOr::T(response) = response
            && let Some(content) = response.content.shift_remove("application/json")
        {
            response
                .content
                .insert("application/problem+json".to_owned(), content);
        }
    }
}

fn problem_response(description: &str) -> utoipa::openapi::Response {
    use utoipa::openapi::{Content, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            Content::new(Some(Ref::from_schema_name("Problem"))),
        )
        .build()
}

/// The document as pretty JSON with a trailing newline, exactly as committed.
pub fn document() -> anyhow::Result<String> {
    let mut text = ApiDoc::openapi().to_pretty_json()?;
    text.push('\n');
    Ok(text)
}
