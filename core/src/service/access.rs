//! Who is calling, and whether they may enter a workspace or organization.
//!
//! `enter_workspace` is the only way to obtain a `WorkspaceScope`. A caller who is not a
//! member gets `NotFound`, so the existence of other tenants' workspaces never leaks.

use std::collections::HashMap;

use chrono::{Duration, Utc};

use crate::auth::secrets::hash_token;
use crate::ids::{ApiKeyId, OrgId, WorkspaceId};
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

/// A bearer credential checked as far as it goes on its own: an API key fully; an access
/// token's signature and expiry, while its login session is checked by what comes next —
/// [`confirm`], or [`enter_workspace_as`] in the same statement as the workspace entry. No
/// other way leads from a `Caller` to an [`Actor`] or a scope.
pub struct Caller {
    actor: Actor,
    /// Whether the credential is checked in full (an API key) rather than up to its session.
    checked: bool,
}

impl Caller {
    /// A short label for logs, as [`Actor::label`].
    pub fn label(&self) -> String {
        self.actor.label()
    }
}

/// Turns a bearer credential (access token or API key) into an actor, counting the call
/// against the caller's rate limit.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn authenticate(core: &Core, bearer: &str, client: ClientInfo) -> Result<Actor> {
    confirm(core, identify(core, bearer, client).await?).await
}

/// Checks a bearer credential up to its login session (see [`Caller`]), counting the call
/// against the caller's rate limit.
pub async fn identify(core: &Core, bearer: &str, client: ClientInfo) -> Result<Caller> {
    let checked = bearer.starts_with(API_KEY_PREFIX);
    let principal = match checked {
        true => authenticate_key(core, bearer).await?,
        false => verify_token(core, bearer)?,
    };
    let actor = Actor::new(principal, client);
    core.limiters().check_request(&actor.label())?;
    Ok(Caller { actor, checked })
}

/// The caller as an actor, once its login session (if any) is found in force.
pub async fn confirm(core: &Core, caller: Caller) -> Result<Actor> {
    match caller.checked || still_valid(core, &caller.actor).await? {
        true => Ok(caller.actor),
        false => Err(refused()),
    }
}

/// The caller's scope in the workspace: its login session is checked in the same statement.
pub async fn enter_workspace_as(
    core: &Core,
    caller: Caller,
    workspace_id: WorkspaceId,
) -> Result<WorkspaceScope> {
    enter_workspace(core, &caller.actor, workspace_id).await
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

/// The access token's claims, signature and expiry; not yet its session.
fn verify_token(core: &Core, token: &str) -> Result<Principal> {
    let claims = core.jwt().verify(token)?;
    Ok(Principal::User {
        user_id: claims.sub.parse().map_err(|_| refused())?,
        session_id: claims.sid.parse().map_err(|_| refused())?,
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
                repo::sessions::in_force((s.user_id, s.expires_at, s.revoked_at), *user_id, now)
            }),
        Principal::ApiKey { key_id, .. } => repo::api_keys::find_for_recheck(conn, *key_id)
            .await?
            .is_some_and(|k| k.revoked_at.is_none() && k.expires_at.is_none_or(|at| at > now)),
        Principal::System => true,
    })
}

/// The scope of `actor` in the workspace, or `NotFound` when it may not enter. A login's
/// session is checked again, in the same statement.
#[tracing::instrument(skip_all, fields(workspace_id = %workspace_id), err(level = "debug"))]
pub async fn enter_workspace(
    core: &Core,
    actor: &Actor,
    workspace_id: WorkspaceId,
) -> Result<WorkspaceScope> {
    let conn = core.db().conn();
    let now = Utc::now();
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
        Principal::User {
            user_id,
            session_id,
        } => {
            let entry =
                repo::workspaces::entry_for_user(conn, workspace_id, *user_id, *session_id, now)
                    .await?
                    .filter(|e| e.session_in_force)
                    .ok_or_else(refused)?;
            let (org_id, visibility) = entry.workspace.ok_or(Error::NotFound)?;
            let explicit: Option<Role> =
                entry.member_role.as_deref().map(str::parse).transpose()?;
            let implied = entry
                .org_role
                .as_deref()
                .map(str::parse::<OrgRole>)
                .transpose()?
                .and_then(|r| r.implied_workspace_role());
            let role = effective_role(explicit, implied).ok_or(Error::NotFound)?;
            Ok(WorkspaceScope::for_role(
                workspace_id,
                org_id,
                actor.clone(),
                role,
                visibility.parse()?,
            ))
        }
        // Earshot's own jobs enter through `WorkspaceScope::system`, never through here.
        Principal::System => Err(Error::NotFound),
    }
}

/// The scope of a user in an organization, or `NotFound` when they do not belong to it.
/// API keys belong to one workspace and never enter an organization: their own
/// organization answers `people_only`, any other `NotFound`.
pub async fn enter_org(core: &Core, actor: &Actor, org_id: OrgId) -> Result<OrgScope> {
    let user_id = match actor.principal() {
        Principal::User { user_id, .. } => *user_id,
        Principal::ApiKey { workspace_id, .. } => {
            let own = repo::workspaces::find_for_entry(core.db().conn(), *workspace_id).await?;
            if own.is_some_and(|w| w.org_id == org_id.as_uuid()) {
                return Err(Error::PeopleOnly(
                    "organizations are for people signed in; an API key belongs to one workspace",
                ));
            }
            return Err(Error::NotFound);
        }
        Principal::System => return Err(Error::NotFound),
    };
    let role = repo::orgs::role_of(core.db().conn(), org_id, user_id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(OrgScope::new(org_id, actor.clone(), role))
}

/// A user's role in a workspace from their own membership and their organization role:
/// the stronger of the two (roles order strongest first); `None` when neither grants one.
fn effective_role(explicit: Option<Role>, implied: Option<Role>) -> Option<Role> {
    match (explicit, implied) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The user's scope in each workspace of the organization they may enter (every one for
/// `org_owner` and `org_admin`, their own for `org_member`), with the workspace's name, in
/// no particular order. What each scope then allows is the scope's to say.
pub(crate) async fn enter_org_workspaces(
    core: &Core,
    scope: &OrgScope,
) -> Result<Vec<(WorkspaceScope, String)>> {
    let user_id = scope.actor().user_id().ok_or(Error::NotFound)?;
    let conn = core.db().conn();
    let implied = scope.role().implied_workspace_role();
    let explicit: HashMap<uuid::Uuid, Role> = repo::members::memberships_of(conn, user_id)
        .await?
        .into_iter()
        .map(|m| Ok((m.workspace_id, m.role.parse()?)))
        .collect::<Result<_>>()?;
    let workspaces = repo::workspaces::for_orgs(conn, vec![scope.org_id().as_uuid()]).await?;
    let mut entered = Vec::new();
    for workspace in workspaces {
        let Some(role) = effective_role(explicit.get(&workspace.id).copied(), implied) else {
            continue;
        };
        let entry = WorkspaceScope::for_role(
            WorkspaceId::from(workspace.id),
            scope.org_id(),
            scope.actor().clone(),
            role,
            workspace.agent_visibility.parse()?,
        );
        entered.push((entry, workspace.name));
    }
    Ok(entered)
}
