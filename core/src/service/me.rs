//! `GET /v1/me`: the caller, their organizations and the workspaces they can enter.

use std::collections::HashMap;

use crate::ids::{OrgId, WorkspaceId};
use crate::repo;
use crate::tenancy::{Actor, OrgRole, Role};
use crate::views::{MeView, MyOrg, MyWorkspace};
use crate::{Core, Error, Result};

use super::orgs::user_view;

/// The calling user with every organization and workspace they belong to, and their roles.
pub async fn me(core: &Core, actor: &Actor) -> Result<MeView> {
    let user_id = actor.user_id().ok_or(Error::PeopleOnly(
        "an API key is not a user; this route needs a login",
    ))?;
    let conn = core.db().conn();
    let user = repo::users::get(conn, user_id)
        .await?
        .ok_or(Error::NotFound)?;
    let org_roles: HashMap<uuid::Uuid, OrgRole> = repo::orgs::memberships_of(conn, user_id)
        .await?
        .into_iter()
        .map(|m| Ok((m.org_id, m.role.parse()?)))
        .collect::<Result<_>>()?;
    let explicit: HashMap<uuid::Uuid, Role> = repo::members::memberships_of(conn, user_id)
        .await?
        .into_iter()
        .map(|m| Ok((m.workspace_id, m.role.parse()?)))
        .collect::<Result<_>>()?;
    let orgs = repo::orgs::by_ids(conn, org_roles.keys().copied().collect()).await?;
    let workspaces = repo::workspaces::for_orgs(conn, org_roles.keys().copied().collect()).await?;
    let mut organizations: Vec<MyOrg> = orgs
        .into_iter()
        .filter_map(|org| {
            let role = *org_roles.get(&org.id)?;
            let implied = role.implied_workspace_role();
            let mut mine: Vec<MyWorkspace> = workspaces
                .iter()
                .filter(|w| w.org_id == org.id)
                .filter_map(|w| {
                    let effective = match (explicit.get(&w.id).copied(), implied) {
                        (Some(a), Some(b)) => a.min(b),
                        (a, b) => a.or(b)?,
                    };
                    Some(MyWorkspace {
                        id: WorkspaceId::from(w.id),
                        name: w.name.clone(),
                        role: effective,
                    })
                })
                .collect();
            mine.sort_by_key(|w| w.id);
            Some(MyOrg {
                id: OrgId::from(org.id),
                name: org.name,
                role,
                workspaces: mine,
            })
        })
        .collect();
    organizations.sort_by_key(|o| o.id);
    Ok(MeView {
        user: user_view(user),
        organizations,
    })
}
