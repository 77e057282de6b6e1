//! GraphQL at `/graphql`: the same objects and rules as REST, over the same services.
//!
//! The handler authenticates the `Authorization` header once and puts only the caller into
//! the request data; every workspace field enters its scope through the same
//! `service::access::enter_workspace` that REST uses.

mod care_inputs;
mod care_mutation;
mod codes;
mod context;
mod error;
mod input_text;
mod loaders;
mod mutation;
mod query;
mod socket;
mod strict_variables;
mod subscription;
mod types;

use actix_web::HttpRequest;
use actix_web::http::header;
use actix_web::web::{Data, Json};
use async_graphql::{MergedObject, Schema};
use async_graphql_actix_web::GraphQLResponse;
use earshot_core::Core;

use codes::ErrorCodes;
pub use context::Caller;
pub use error::gql;

use crate::extract;
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;

pub use socket::subscriptions;

/// The root of every change: accounts and settings, and the care model.
#[derive(MergedObject, Default)]
pub struct Mutation(
    mutation::AccountMutation,
    care_mutation::CareMutation,
    types::listening::ListeningMutation,
    types::business_hours::BusinessHoursMutation,
    types::sla_policies::SlaPolicyMutation,
    types::commitments::CommitmentMutation,
);

/// The schema type.
pub type EarshotSchema = Schema<query::Query, Mutation, subscription::Subscription>;

/// Deepest query accepted.
pub const MAX_DEPTH: usize = 16;
/// Most expensive query accepted.
pub const MAX_COMPLEXITY: usize = 1000;

/// Builds the schema with its limits.
pub fn build_schema(core: Core) -> EarshotSchema {
    Schema::build(
        query::Query,
        Mutation::default(),
        subscription::Subscription,
    )
    .data(core)
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .extension(async_graphql::extensions::Tracing)
    .extension(ErrorCodes)
    .extension(strict_variables::StrictVariables)
    .finish()
}

/// The SDL of the schema.
pub fn sdl() -> String {
    Schema::build(
        query::Query,
        Mutation::default(),
        subscription::Subscription,
    )
    .finish()
    .sdl()
}

/// `POST /graphql`. Bad credentials are refused with `401` before anything runs; only a
/// request without an `Authorization` header runs anonymously. The body is read through
/// the app's `JsonConfig`, so its size limit and problem documents apply here as in REST.
pub async fn graphql(
    state: Data<AppState>,
    req: HttpRequest,
    Json(body): Json<async_graphql::Request>,
) -> ApiResult<GraphQLResponse> {
    let caller = match extract::bearer(&req) {
        Some(token) if state.core.is_platform_token(&token) => Caller::Platform,
        // A header that is not `Bearer <token>` is refused like REST refuses it, not ignored.
        None if !req.headers().contains_key(header::AUTHORIZATION) => Caller::Anonymous,
        _ => Caller::Actor(extract::authenticate(&req).await?),
    };
    input_text::check(&body).map_err(ApiError)?;
    let client = extract::client_info(&req, state.core.config().trust_forwarded_for);
    let request = body.data(caller).data(client);
    Ok(state.schema.execute(request).await.into())
}
