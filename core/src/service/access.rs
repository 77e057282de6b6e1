//! Who is calling, and whether they may enter a workspace or organization.
//!
//! `enter_workspace` is the only way to obtain a `WorkspaceScope`. A caller who is not a
//! member gets `NotFound`, so the existence of other tenants' workspaces never leaks.

use chrono::{Duration, Utc};

use crate::auth::secrets::hash_token;
use crate::ids::{ApiKeyId, OrgId, SessionId, UserId, WorkspaceId};
use crate::repo;
use crate::tenancy::{Actor, ClientInfo, OrgRole, OrgScope, Principal, Role, WorkspaceScope};
use crate::{Core, Error, Result};

/// API keys carry this prefix; anything else is treated as a JWT.
pub const API_KEY_PREFIX: &str = "esk_";

/// How stale `last_used_at` may get before a use writes it again.
const TOUCH_INTERVAL: Duration = Duration::seconds(60);

fn refused() -> Error {
    Error::unauthenticated(
        "unauthenticated",
        "the credentials are missing, invalid, expired or revoked",
    )
}

/// Turns a bearer credential (access token or API key) into an actor, counting the call
/// against the caller's rate limit.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn authenticate(core: &Core, bearer: &str, client: ClientInfo) -> Result<Actor> {
    let principal = if bearer.starts_with(API_KEY_PREFIX) {
        authenticate_key(core, bearer).await?
    } else {
        authenticate_token(core, bearer).await?
    };
    let actor = Actor::new(principal, client);
    core.limiters().check_request(&actor.label())?;
    Ok(actor)
}

async fn authenticate_key(core: &Core, secret: &str) -> Result<Principal> {
    let conn = core.db().conn();
    let key = repo::api_keys::find_for_authentication(conn, &hash_token(secret))
        .await?
        .ok_or_else(refused)?;
    let now = Utc::now();
    if key.revoked_at.is_some() || key.expires_at.is_some_and(|at| at <= now) {
        return Err(refused());
    }
    let id = ApiKeyId::from(key.id);
    if key.last_used_at.is_none_or(|at| now - at > TOUCH_INTERVAL) {
        repo::api_keys::touch(conn, id, now).await?;
    }
    Ok(Principal::ApiKey {
        key_id: id,
        workspace_id: WorkspaceId::from(key.workspace_id),
        scopes: repo::api_keys::decode_scopes(&key.scopes)?,
    })
}

async fn authenticate_token(core: &Core, token: &str) -> Result<Principal> {
    let claims = core.jwt().verify(token)?;
    let user_id: UserId = claims.sub.parse().map_err(|_| refused())?;
    let session_id: SessionId = claims.sid.parse().map_err(|_| refused())?;
    let session = repo::sessions::get(core.db().conn(), session_id)
        .await?
        .ok_or_else(refused)?;
    if session.user_id != user_id.as_uuid()
        || session.revoked_at.is_some()
        || session.expires_at <= Utc::now()
    {
        return Err(refused());
    }
    Ok(Principal::User {
        user_id,
        session_id,
    })
}

/// Whether the credential an actor authenticated with is still in force: its login session
/// neither ended nor expired, its API key neither revoked nor expired. Long-lived connections
/// (GraphQL subscriptions) re-check with this; the access token's own expiry is not
/// re-checked, as it was valid when the connection opened.
pub async fn still_valid(core: &Core, actor: &Actor) -> Result<bool> {
    let conn = core.db().conn();
    let now = Utc::now();
    Ok(match actor.principal() {
        Principal::User {
            user_id,
            session_id,
        } => repo::sessions::get(conn, *session_id)
            .await?
            .is_some_and(|s| {
                s.user_id == user_id.as_uuid() && s.revoked_at.is_none() && s.expires_at > now
            }),
        Principal::ApiKey { key_id, .. } => repo::api_keys::find_for_recheck(conn, *key_id)
            .await?
            .is_some_and(|k| k.revoked_at.is_none() && k.expires_at.is_none_or(|at| at > now)),
        Principal::System => true,
    })
}

/// The scope of `actor` in the workspace, or `NotFound` when it may not enter.
#[tracing::instrument(skip_all, fields(workspace_id = %workspace_id), err(level = "debug"))]
pub async fn enter_workspace(
    core: &Core,
    actor: &Actor,
    workspace_id: WorkspaceId,
) -> Result<WorkspaceScope> {
    let conn = core.db().conn();
    match actor.principal() {
        Principal::ApiKey {
            workspace_id: home,
            scopes,
            ..
        } => {
            if *home != workspace_id {
                return Err(Error::NotFound);
            }
            let workspace = repo::workspaces::find_for_entry(conn, workspace_id)
                .await?
                .ok_or(Error::NotFound)?;
            Ok(WorkspaceScope::for_key(
                workspace_id,
                OrgId::from(workspace.org_id),
                actor.clone(),
                scopes.clone(),
            ))
        }
        Principal::User { user_id, .. } => {
            let entry = repo::workspaces::entry_for_user(conn, workspace_id, *user_id)
                .await?
                .ok_or(Error::NotFound)?;
            let org_id = entry.org_id;
            let explicit: Option<Role> =
                entry.member_role.as_deref().map(str::parse).transpose()?;
            let implied = entry
                .org_role
                .as_deref()
                .map(str::parse::<OrgRole>)
                .transpose()?
                .and_then(|r| r.implied_workspace_role());
            // Roles order strongest first, so the smaller one wins.
            let role = match (explicit, implied) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => a.or(b).ok_or(Error::NotFound)?,
            };
            let visibility = entry.agent_visibility.parse()?;
            Ok(WorkspaceScope::for_role(
                workspace_id,
                org_id,
                actor.clone(),
                role,
                visibility,
            ))
        }
        // Earshot's own jobs enter through `WorkspaceScope::system`, never through here.
        Principal::System => Err(Error::NotFound),
    }
}

/// The scope of a user in an organization, or `NotFound` when they do not belong to it.
/// API keys belong to one workspace and never enter an organization.
pub async fn enter_org(core: &Core, actor: &Actor, org_id: OrgId) -> Result<OrgScope> {
    let Some(user_id) = actor.user_id() else {
        return Err(Error::NotFound);
    };
    let role = repo::orgs::role_of(core.db().conn(), org_id, user_id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(OrgScope::new(org_id, actor.clone(), role))
}
