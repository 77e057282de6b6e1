//! The application state shared by every handler.

use earshot_core::Core;

use crate::graphql::EarshotSchema;

/// One `web::Data<AppState>` per server.
pub struct AppState {
    /// Services, database and keys.
    pub core: Core,
    /// The GraphQL schema over the same services.
    pub schema: EarshotSchema,
}
