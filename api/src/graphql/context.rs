//! Reading the caller and entering scopes from a resolver's context.

use std::str::FromStr;

use async_graphql::{Context, ID};
use earshot_core::ids::{OrgId, WorkspaceId};
use earshot_core::service::access;
use earshot_core::tenancy::{Actor, ClientInfo, OrgScope, WorkspaceScope};
use earshot_core::{Core, Error};

use super::gql;

/// Who sent the GraphQL request.
#[derive(Clone, Debug)]
pub enum Caller {
    /// No credentials (only `login`, `refreshSession` and `acceptInvitation` work).
    Anonymous,
    /// The platform operator's token (only `createOrganization` works).
    Platform,
    /// A user or API key.
    Actor(Actor),
}

pub(crate) type GqlResult<T> = async_graphql::Result<T>;

pub(crate) fn core<'a>(ctx: &Context<'a>) -> GqlResult<&'a Core> {
    ctx.data::<Core>()
}

pub(crate) fn caller<'a>(ctx: &Context<'a>) -> &'a Caller {
    ctx.data_opt::<Caller>().unwrap_or(&Caller::Anonymous)
}

pub(crate) fn client(ctx: &Context<'_>) -> ClientInfo {
    ctx.data_opt::<ClientInfo>().cloned().unwrap_or_default()
}

pub(crate) fn actor<'a>(ctx: &Context<'a>) -> GqlResult<&'a Actor> {
    match caller(ctx) {
        Caller::Actor(actor) => Ok(actor),
        _ => Err(gql(Error::unauthenticated(
            "unauthenticated",
            "send an access token or API key as `Authorization: Bearer …`",
        ))),
    }
}

/// Parses an id argument; a malformed id cannot name anything, so it is `not_found`.
pub(crate) fn parse_id<T: FromStr>(id: &ID) -> GqlResult<T> {
    id.parse().map_err(|_| gql(Error::NotFound))
}

pub(crate) async fn enter_workspace(ctx: &Context<'_>, id: &ID) -> GqlResult<WorkspaceScope> {
    let workspace_id: WorkspaceId = parse_id(id)?;
    access::enter_workspace(core(ctx)?, actor(ctx)?, workspace_id)
        .await
        .map_err(gql)
}

pub(crate) async fn enter_org(ctx: &Context<'_>, id: &ID) -> GqlResult<OrgScope> {
    let org_id: OrgId = parse_id(id)?;
    access::enter_org(core(ctx)?, actor(ctx)?, org_id)
        .await
        .map_err(gql)
}

/// `limit`/`cursor` arguments into a page request.
pub(crate) fn page(
    ctx: &Context<'_>,
    limit: Option<u64>,
    cursor: Option<String>,
) -> GqlResult<earshot_core::pagination::PageRequest> {
    core(ctx)?
        .cursors()
        .request(limit, cursor.as_deref())
        .map_err(gql)
}
