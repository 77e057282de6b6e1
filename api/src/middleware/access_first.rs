//! A request whose input was refused before its handler ran (a body, query string or path
//! segment that cannot be read) still hears about its access first: a credential no longer
//! in force answers 401 and a workspace or organization it may not enter answers 404,
//! whatever the input. Actix runs a handler's extractors together and answers with the
//! first that fails, which is the input's: it needs no database.
//!
//! Access is checked again only on that refusal, so accepted requests pay nothing.

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest, ResponseError};

use crate::extract::{Org, Workspace};
use crate::middleware::edge_errors::InputError;
use crate::problem::ApiError;

/// The middleware function.
pub async fn access_before_input(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = next.call(req).await?;
    let input_refused = response
        .response()
        .error()
        .is_some_and(|error| error.as_error::<InputError>().is_some());
    if !input_refused {
        return Ok(response);
    }
    match access_refusal(response.request()).await {
        Some(refusal) => {
            let (req, _) = response.into_parts();
            Ok(ServiceResponse::new(req, refusal.error_response()))
        }
        None => Ok(response),
    }
}

/// Why the caller may not enter the workspace or organization the route names, if it may
/// not.
async fn access_refusal(req: &HttpRequest) -> Option<ApiError> {
    let params = req.match_info();
    let entered = if params.get("workspace_id").is_some() {
        Workspace::extract(req).await.map(drop)
    } else if params.get("org_id").is_some() {
        Org::extract(req).await.map(drop)
    } else {
        Ok(())
    };
    entered.err()
}
