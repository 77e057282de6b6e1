//! Workspaces: created in an organization, read, changed and deleted through their scope.

use sea_orm::ConnectionTrait;
use serde::Deserialize;
use serde_json::json;

use crate::entity::workspaces;
use crate::ids::{OrgId, UserId, WorkspaceId};
use crate::pagination::{Page, PageRequest};
use crate::repo;
use crate::repo::workspaces::WorkspaceChanges;
use crate::tenancy::{Capability, OrgScope, Role, WorkspaceScope};
use crate::views::{AgentVisibility, WorkspaceSettings, WorkspaceView};
use crate::{Core, Error, Result};

use super::{audit, required_name};

/// `POST /v1/orgs/{org_id}/workspaces`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWorkspace {
    /// Name of the brand desk.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
}

/// `PATCH /v1/workspaces/{ws}`: only the fields present change.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkspacePatch {
    /// New name.
    pub name: Option<String>,
    /// `all`, `team` or `assigned`.
    pub agent_visibility: Option<AgentVisibility>,
    /// Seconds after `resolved` during which a customer message re-opens (0 to 90 days).
    pub reopen_window_secs: Option<i64>,
    /// Seconds after `resolved` before the follow-up question (0 to 30 days).
    pub followup_delay_secs: Option<i64>,
}

/// `POST /v1/workspaces/{ws}/transfer-ownership`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferOwnership {
    /// The member who becomes owner; the caller becomes admin.
    pub user_id: UserId,
}

pub(crate) fn workspace_view(model: workspaces::Model) -> Result<WorkspaceView> {
    Ok(WorkspaceView {
        id: WorkspaceId::from(model.id),
        org_id: OrgId::from(model.org_id),
        name: model.name,
        settings: WorkspaceSettings {
            agent_visibility: model.agent_visibility.parse()?,
            reopen_window_secs: model.reopen_window_secs,
            followup_delay_secs: model.followup_delay_secs,
        },
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

/// Creates a workspace owned by `owner` inside an open transaction.
pub(crate) async fn create_in(
    conn: &impl ConnectionTrait,
    org: OrgId,
    owner: UserId,
    name: String,
) -> Result<WorkspaceView> {
    let model = repo::workspaces::insert(conn, org, name).await?;
    repo::members::insert_founder(conn, WorkspaceId::from(model.id), owner).await?;
    workspace_view(model)
}

/// Workspaces of the organization the caller can enter: all of them for `org_owner` and
/// `org_admin`, their own for `org_member`.
pub async fn list(core: &Core, scope: &OrgScope, page: PageRequest) -> Result<Page<WorkspaceView>> {
    let only_member_of = if scope.role().manages_org() {
        None
    } else {
        scope.actor().user_id()
    };
    let rows =
        repo::workspaces::list_for_org(core.db().conn(), scope.org_id(), only_member_of, page)
            .await?;
    let page = core.cursors().page(rows, page, |w| w.id)?;
    let items = page
        .items
        .into_iter()
        .map(workspace_view)
        .collect::<Result<_>>()?;
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// Creates a workspace; the creator becomes its owner.
#[tracing::instrument(skip_all, fields(org_id = %scope.org_id()), err(level = "debug"))]
pub async fn create(core: &Core, scope: &OrgScope, input: NewWorkspace) -> Result<WorkspaceView> {
    if !scope.role().manages_org() {
        return Err(Error::Forbidden(Capability::ManageWorkspace));
    }
    let user = scope.actor().user_id().ok_or(Error::NotFound)?;
    let name = required_name("name", &input.name, 200)?;
    let txn = core.db().begin().await?;
    let view = create_in(&txn, scope.org_id(), user, name).await?;
    let ws_scope = WorkspaceScope::for_role(
        view.id,
        scope.org_id(),
        scope.actor().clone(),
        Role::Owner,
        view.settings.agent_visibility,
    );
    audit::record(
        &txn,
        &ws_scope,
        "workspace.created",
        "workspace",
        ws_scope.workspace_id(),
        json!({ "name": view.name }),
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

/// The workspace of the scope.
pub async fn get(core: &Core, scope: &WorkspaceScope) -> Result<WorkspaceView> {
    scope.require(Capability::ReadWorkspace)?;
    workspace_view(repo::workspaces::get(core.db().conn(), scope).await?)
}

fn validate_patch(patch: WorkspacePatch) -> Result<WorkspaceChanges> {
    let mut errors = Vec::new();
    let name = match patch.name.as_deref().map(|n| required_name("name", n, 200)) {
        Some(Err(Error::Validation(mut e))) => {
            errors.append(&mut e);
            None
        }
        Some(Err(other)) => return Err(other),
        Some(Ok(n)) => Some(n),
        None => None,
    };
    let range_check =
        |field: &str, value: Option<i64>, max: i64, errors: &mut Vec<crate::FieldError>| {
            if let Some(v) = value
                && !(0..=max).contains(&v)
            {
                errors.push(crate::FieldError::new(
                    field,
                    "out_of_range",
                    format!("{field} must be between 0 and {max}"),
                ));
            }
        };
    range_check(
        "reopen_window_secs",
        patch.reopen_window_secs,
        90 * 24 * 3600,
        &mut errors,
    );
    range_check(
        "followup_delay_secs",
        patch.followup_delay_secs,
        30 * 24 * 3600,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    Ok(WorkspaceChanges {
        name,
        agent_visibility: patch.agent_visibility,
        reopen_window_secs: patch.reopen_window_secs,
        followup_delay_secs: patch.followup_delay_secs,
    })
}

/// Changes the name or settings.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn update(
    core: &Core,
    scope: &WorkspaceScope,
    patch: WorkspacePatch,
) -> Result<WorkspaceView> {
    scope.require(Capability::ManageWorkspace)?;
    let details =
        serde_json::to_value(PatchDetails::from(&patch)).map_err(|e| Error::Internal(e.into()))?;
    let changes = validate_patch(patch)?;
    let txn = core.db().begin().await?;
    let model = repo::workspaces::update(&txn, scope, changes).await?;
    audit::record(
        &txn,
        scope,
        "workspace.updated",
        "workspace",
        scope.workspace_id(),
        details,
    )
    .await?;
    txn.commit().await?;
    workspace_view(model)
}

#[derive(serde::Serialize)]
struct PatchDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    agent_visibility: Option<AgentVisibility>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reopen_window_secs: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    followup_delay_secs: Option<i64>,
}

impl From<&WorkspacePatch> for PatchDetails {
    fn from(p: &WorkspacePatch) -> Self {
        Self {
            name: p.name.clone(),
            agent_visibility: p.agent_visibility,
            reopen_window_secs: p.reopen_window_secs,
            followup_delay_secs: p.followup_delay_secs,
        }
    }
}

/// Deletes the workspace and everything in it.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn delete(core: &Core, scope: &WorkspaceScope) -> Result<()> {
    scope.require(Capability::DeleteWorkspace)?;
    let txn = core.db().begin().await?;
    repo::workspaces::delete(&txn, scope).await?;
    txn.commit().await?;
    tracing::info!(workspace_id = %scope.workspace_id(), actor = %scope.actor().label(), "workspace deleted");
    Ok(())
}

/// Makes another member owner; the caller stays on as admin.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn transfer_ownership(
    core: &Core,
    scope: &WorkspaceScope,
    input: TransferOwnership,
) -> Result<()> {
    scope.require(Capability::TransferOwnership)?;
    let caller = scope
        .actor()
        .user_id()
        .ok_or(Error::Forbidden(Capability::TransferOwnership))?;
    if caller == input.user_id {
        return Err(Error::invalid(
            "user_id",
            "same_user",
            "ownership must go to another member",
        ));
    }
    let txn = core.db().begin().await?;
    repo::workspaces::lock_members(&txn, scope).await?;
    repo::members::get(&txn, scope, input.user_id).await?;
    repo::members::set_role(&txn, scope, input.user_id, Role::Owner).await?;
    // The caller may be owner through the organization only; then there is no row to demote.
    if repo::members::get(&txn, scope, caller).await.is_ok() {
        repo::members::set_role(&txn, scope, caller, Role::Admin).await?;
    }
    audit::record(
        &txn,
        scope,
        "workspace.ownership_transferred",
        "workspace",
        scope.workspace_id(),
        json!({ "to": input.user_id }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
