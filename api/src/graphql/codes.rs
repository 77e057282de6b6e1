//! Stable `extensions.code` for the errors async-graphql raises itself.
//!
//! Resolver errors get their code from `gql`. The engine's own errors (a query that does not
//! parse or validate, one over the depth or complexity limit, an argument of the wrong type)
//! would reach the client without one; this extension gives them a code and a status, so
//! every error a client receives carries `extensions.code`.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Variables};

/// The query text is not GraphQL.
pub const PARSE_FAILED: &str = "graphql_parse_failed";
/// The query asks for fields, arguments or types the schema does not have.
pub const VALIDATION_FAILED: &str = "graphql_validation_failed";
/// The query is nested deeper than `MAX_DEPTH`.
pub const TOO_DEEP: &str = "graphql_query_too_deep";
/// The query costs more than `MAX_COMPLEXITY`.
pub const TOO_COMPLEX: &str = "graphql_query_too_complex";
/// An argument or variable does not have the declared type.
pub const INVALID_INPUT: &str = "graphql_invalid_input";
/// The request cannot run as sent (no or an unknown operation name, for example).
pub const INVALID_REQUEST: &str = "graphql_invalid_request";

/// The message of a server error whose cause must not reach the client.
const INTERNAL_DETAIL: &str = "the server could not complete the request; it has been logged";

/// Registers the coding of engine errors on a schema.
pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension)
    }
}

struct ErrorCodesExtension;

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        for error in &mut response.errors {
            if !has_code(error) {
                code_uncoded(error);
            }
        }
        response
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|mut error| {
            // The parser refuses absurd nesting itself, before validation sees the query.
            let code = if error.message.starts_with("The recursion depth") {
                TOO_DEEP
            } else {
                PARSE_FAILED
            };
            set_code(&mut error, code, 400);
            error
        })
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|mut errors| {
            for error in &mut errors {
                let code = match error.message.as_str() {
                    "Query is nested too deep." => TOO_DEEP,
                    "Query is too complex." => TOO_COMPLEX,
                    // The same code whether validation or execution finds a bad value.
                    message if is_input_error(message) => INVALID_INPUT,
                    _ => VALIDATION_FAILED,
                };
                set_code(error, code, 400);
            }
            errors
        })
    }
}

fn has_code(error: &ServerError) -> bool {
    error
        .extensions
        .as_ref()
        .is_some_and(|ext| ext.get("code").is_some())
}

fn set_code(error: &mut ServerError, code: &'static str, status: u16) {
    if has_code(error) {
        return;
    }
    let ext = error.extensions.get_or_insert_with(Default::default);
    ext.set("code", code);
    ext.set("status", status);
}

/// Errors no earlier step coded: before execution they concern the request; during it, an
/// argument that does not coerce. Anything else is a resolver that dropped its code, a bug
/// that is logged and answered as `internal` without its cause.
fn code_uncoded(error: &mut ServerError) {
    if error.path.is_empty() {
        set_code(error, INVALID_REQUEST, 400);
    } else if is_input_error(&error.message) {
        set_code(error, INVALID_INPUT, 400);
    } else {
        tracing::error!(message = %error.message, path = ?error.path, "graphql error without a code");
        error.message = INTERNAL_DETAIL.to_owned();
        set_code(error, "internal", 500);
    }
}

/// The messages of async-graphql's `InputValueError` and of a missing variable.
fn is_input_error(message: &str) -> bool {
    [
        "Failed to parse",
        "Expected input type",
        "Invalid value",
        "Variable ",
    ]
    .iter()
    .any(|prefix| message.starts_with(prefix))
}
