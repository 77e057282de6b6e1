//! GraphQL at `/graphql`: the same objects and rules as REST, over the same services.
//!
//! The handler authenticates the `Authorization` header once and puts only the caller into
//! the request data; every workspace field enters its scope through the same
//! `service::access::enter_workspace` that REST uses.

mod context;
mod error;
mod mutation;
mod query;
mod types;

use actix_web::HttpRequest;
use actix_web::web::Data;
use async_graphql::{EmptySubscription, Schema};
use async_graphql_actix_web::{GraphQLRequest, GraphQLResponse};
use earshot_core::Core;

pub use context::Caller;
pub use error::gql;

use crate::extract;
use crate::problem::ApiResult;
use crate::state::AppState;

/// The schema type.
pub type EarshotSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// Deepest query accepted.
pub const MAX_DEPTH: usize = 10;
/// Most expensive query accepted.
pub const MAX_COMPLEXITY: usize = 1000;

/// Builds the schema with its limits.
pub fn build_schema(core: Core) -> EarshotSchema {
    Schema::build(query::Query, mutation::Mutation, EmptySubscription)
        .data(core)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .extension(async_graphql::extensions::Tracing)
        .finish()
}

/// The SDL of the schema.
pub fn sdl() -> String {
    Schema::build(query::Query, mutation::Mutation, EmptySubscription)
        .finish()
        .sdl()
}

/// `POST /graphql`. Bad credentials are refused with `401` before anything runs.
pub async fn graphql(
    state: Data<AppState>,
    req: HttpRequest,
    body: GraphQLRequest,
) -> ApiResult<GraphQLResponse> {
    let caller = match extract::bearer(&req) {
        None => Caller::Anonymous,
        Some(token) if state.core.is_platform_token(&token) => Caller::Platform,
        Some(_) => Caller::Actor(extract::authenticate(&req).await?),
    };
    let client = extract::client_info(&req, state.core.config().trust_forwarded_for);
    let request = body.into_inner().data(caller).data(client);
    Ok(state.schema.execute(request).await.into())
}
