//! The route pattern a request matched (`/v1/workspaces/{workspace_id}/conversations`), for
//! its log span and its metrics. Finding it walks the route table and runs its patterns, so
//! it is found once per request and kept in the request's extensions.

use std::rc::Rc;

use actix_web::HttpMessage;
use actix_web::dev::ServiceRequest;

/// The pattern found for the request, `None` when no route matched.
#[derive(Clone)]
struct Matched(Option<Rc<str>>);

/// The request's route pattern, `None` when no route matches it.
pub fn pattern(request: &ServiceRequest) -> Option<Rc<str>> {
    if let Some(Matched(found)) = request.extensions().get::<Matched>() {
        return found.clone();
    }
    let found: Option<Rc<str>> = request.match_pattern().map(Rc::from);
    request.extensions_mut().insert(Matched(found.clone()));
    found
}
