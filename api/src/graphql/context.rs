//! Reading the caller and entering scopes from a resolver's context.

use std::str::FromStr;

use async_graphql::parser::types::OperationType;
use async_graphql::{Context, ID};
use earshot_core::ids::{OrgId, WorkspaceId};
use earshot_core::service::access;
use earshot_core::tenancy::{Actor, ClientInfo, OrgScope, WorkspaceScope};
use earshot_core::{Core, Error};

use super::gql;
use crate::access::{self as table, Need};

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

/// Enters the workspace; a root field (a query, mutation or subscription) is then held to
/// what the access table says it needs.
pub(crate) async fn enter_workspace(ctx: &Context<'_>, id: &ID) -> GqlResult<WorkspaceScope> {
    let workspace_id: WorkspaceId = parse_id(id)?;
    let scope = access::enter_workspace(core(ctx)?, actor(ctx)?, workspace_id)
        .await
        .map_err(gql)?;
    let is_root = ctx
        .path_node
        .as_ref()
        .is_none_or(|node| node.parent.is_none());
    if is_root {
        require_field(ctx, root_type(ctx), &scope)?;
    }
    Ok(scope)
}

fn root_type(ctx: &Context<'_>) -> &'static str {
    match ctx.query_env.operation.node.ty {
        OperationType::Query => "Query",
        OperationType::Mutation => "Mutation",
        OperationType::Subscription => "Subscription",
    }
}

/// Holds the field being resolved on `type_name` to what `access::GRAPHQL_FIELDS` says it
/// needs. A field missing from the table is refused: none can be served before it says.
pub(crate) fn require_field(
    ctx: &Context<'_>,
    type_name: &str,
    scope: &WorkspaceScope,
) -> GqlResult<()> {
    let field = ctx.item.node.name.node.as_str();
    match table::field_need(type_name, field) {
        Some(Need::Workspace(capabilities)) => capabilities
            .iter()
            .try_for_each(|c| scope.require(*c))
            .map_err(gql),
        Some(Need::Public) => Ok(()),
        Some(Need::Person) if scope.actor().user_id().is_some() => Ok(()),
        Some(Need::Person | Need::Platform) => Err(gql(Error::PeopleOnly(
            "this field is for people signed in, not API keys",
        ))),
        None => Err(gql(Error::Internal(anyhow::anyhow!(
            "{type_name}.{field} is not in the access table"
        )))),
    }
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
