//! Teams: named groups of members, used for routing and `team` visibility.

use sea_orm::ConnectionTrait;
use serde::Deserialize;
use serde_json::json;

use crate::entity::teams;
use crate::ids::{TeamId, UserId};
use crate::pagination::{Page, PageRequest};
use crate::repo;
use crate::tenancy::{Capability, WorkspaceScope};
use crate::views::{TeamView, double_option};
use crate::{Core, Error, FieldError, Result};

use super::{audit, required_name};

/// Most members one request may set.
const MAX_MEMBERS: usize = 500;

/// `POST /v1/workspaces/{ws}/teams`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTeam {
    /// Name, unique in the workspace.
    #[schema(min_length = 1, max_length = 120)]
    pub name: String,
    /// What the team does.
    pub description: Option<String>,
    /// Members (each must be a member of the workspace).
    #[serde(default)]
    pub member_ids: Vec<UserId>,
}

/// `PATCH /v1/workspaces/{ws}/teams/{id}`: only the fields present change.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamPatch {
    /// New name.
    pub name: Option<String>,
    /// New description; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    /// Replaces the members.
    pub member_ids: Option<Vec<UserId>>,
}

fn description(value: Option<String>) -> Result<Option<String>> {
    match value.map(|d| d.trim().to_owned()) {
        Some(d) if d.chars().count() > 2000 => Err(Error::invalid(
            "description",
            "too_long",
            "description must have at most 2000 characters",
        )),
        Some(d) if d.is_empty() => Ok(None),
        other => Ok(other),
    }
}

async fn check_members(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    ids: &[UserId],
) -> Result<Vec<UserId>> {
    let mut unique = ids.to_vec();
    unique.sort();
    unique.dedup();
    if unique.len() > MAX_MEMBERS {
        return Err(Error::invalid(
            "member_ids",
            "too_many",
            format!("a team has at most {MAX_MEMBERS} members"),
        ));
    }
    let known = repo::members::existing(conn, scope, &unique).await?;
    let errors: Vec<FieldError> = ids
        .iter()
        .enumerate()
        .filter(|(_, id)| !known.contains(id))
        .map(|(i, _)| {
            FieldError::new(
                format!("member_ids[{i}]"),
                "not_a_member",
                "not a member of this workspace",
            )
        })
        .collect();
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    Ok(unique)
}

async fn views(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    rows: Vec<teams::Model>,
) -> Result<Vec<TeamView>> {
    let ids: Vec<uuid::Uuid> = rows.iter().map(|t| t.id).collect();
    let members = repo::teams::members_of(conn, scope, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|team| TeamView {
            id: TeamId::from(team.id),
            member_ids: members
                .iter()
                .filter(|m| m.team_id == team.id)
                .map(|m| UserId::from(m.user_id))
                .collect(),
            name: team.name,
            description: team.description,
            created_at: team.created_at,
            updated_at: team.updated_at,
        })
        .collect())
}

async fn view(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    row: teams::Model,
) -> Result<TeamView> {
    views(conn, scope, vec![row])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

/// Teams of the workspace.
pub async fn list(
    core: &Core,
    scope: &WorkspaceScope,
    page: PageRequest,
) -> Result<Page<TeamView>> {
    scope.require(Capability::ReadTeams)?;
    let conn = core.db().conn();
    let rows = repo::teams::list(conn, scope, page).await?;
    let page = core.cursors().page(rows, page, |t| t.id)?;
    Ok(Page {
        items: views(conn, scope, page.items).await?,
        next_cursor: page.next_cursor,
    })
}

/// One team.
pub async fn get(core: &Core, scope: &WorkspaceScope, id: TeamId) -> Result<TeamView> {
    scope.require(Capability::ReadTeams)?;
    let conn = core.db().conn();
    let row = repo::teams::get(conn, scope, id).await?;
    view(conn, scope, row).await
}

/// Creates a team.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn create(core: &Core, scope: &WorkspaceScope, input: NewTeam) -> Result<TeamView> {
    scope.require(Capability::ManageTeams)?;
    let name = required_name("name", &input.name, 120)?;
    let description = description(input.description)?;
    let txn = core.db().begin().await?;
    let members = check_members(&txn, scope, &input.member_ids).await?;
    let team = repo::teams::insert(&txn, scope, name, description).await?;
    let id = TeamId::from(team.id);
    repo::teams::set_members(&txn, scope, id, &members).await?;
    audit::record(
        &txn,
        scope,
        "team.created",
        "team",
        id,
        json!({ "name": team.name, "member_ids": members }),
    )
    .await?;
    let view = view(&txn, scope, team).await?;
    txn.commit().await?;
    Ok(view)
}

/// Changes a team's name, description or members.
#[tracing::instrument(skip_all, fields(team_id = %id), err(level = "debug"))]
pub async fn update(
    core: &Core,
    scope: &WorkspaceScope,
    id: TeamId,
    patch: TeamPatch,
) -> Result<TeamView> {
    scope.require(Capability::ManageTeams)?;
    let name = patch
        .name
        .as_deref()
        .map(|n| required_name("name", n, 120))
        .transpose()?;
    let description = patch.description.map(description).transpose()?;
    let txn = core.db().begin().await?;
    let team = repo::teams::get(&txn, scope, id).await?;
    let members = match &patch.member_ids {
        Some(ids) => Some(check_members(&txn, scope, ids).await?),
        None => None,
    };
    let details = json!({ "name": name, "description": description, "member_ids": members });
    let team = repo::teams::update(&txn, scope, team, name, description).await?;
    if let Some(members) = &members {
        repo::teams::set_members(&txn, scope, id, members).await?;
    }
    audit::record(&txn, scope, "team.updated", "team", id, details).await?;
    let view = view(&txn, scope, team).await?;
    txn.commit().await?;
    Ok(view)
}

/// Deletes a team (its members stay in the workspace); one an SLA policy's breach
/// assigns is refused (`team_in_use`).
#[tracing::instrument(skip_all, fields(team_id = %id), err(level = "debug"))]
pub async fn delete(core: &Core, scope: &WorkspaceScope, id: TeamId) -> Result<()> {
    scope.require(Capability::ManageTeams)?;
    let txn = core.db().begin().await?;
    if repo::sla_policies::escalate_to(&txn, scope, id).await? {
        let message = "an SLA policy's breach assigns this team; change or delete it first";
        return Err(Error::conflict("team_in_use", message));
    }
    repo::teams::delete(&txn, scope, id).await?;
    audit::record(&txn, scope, "team.deleted", "team", id, json!({})).await?;
    txn.commit().await?;
    Ok(())
}

/// The teams with these ids, in no particular order; ids of other workspaces are left out.
/// One query for teams and one for their members, however many ids.
pub async fn by_ids(core: &Core, scope: &WorkspaceScope, ids: &[TeamId]) -> Result<Vec<TeamView>> {
    scope.require(Capability::ReadTeams)?;
    let conn = core.db().conn();
    let rows = repo::teams::by_ids(conn, scope, ids).await?;
    views(conn, scope, rows).await
}
