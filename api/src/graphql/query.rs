//! Root queries.

use async_graphql::{Context, ID, Object};
use earshot_core::service::{me, orgs, workspaces};

use super::context::{GqlResult, actor, core, enter_org, enter_workspace};
use super::gql;
use super::types::{Me, Organization, Workspace};

/// The root of every read.
pub struct Query;

#[Object]
impl Query {
    /// The calling user with their organizations and workspaces.
    async fn me(&self, ctx: &Context<'_>) -> GqlResult<Me> {
        Ok(me::me(core(ctx)?, actor(ctx)?).await.map_err(gql)?.into())
    }

    /// An organization the caller belongs to.
    async fn organization(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Organization> {
        let scope = enter_org(ctx, &id).await?;
        let view = orgs::get(core(ctx)?, &scope).await.map_err(gql)?;
        Ok(Organization::new(view, Some(scope)))
    }

    /// A workspace the caller may enter.
    async fn workspace(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Workspace> {
        let scope = enter_workspace(ctx, &id).await?;
        let view = workspaces::get(core(ctx)?, &scope).await.map_err(gql)?;
        Ok(Workspace::new(view, Some(scope)))
    }
}
