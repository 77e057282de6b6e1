//! Core errors as GraphQL errors, each with `extensions.code`.

use async_graphql::ErrorExtensions;
use earshot_core::Error;

use crate::problem::{problem_of, status_of};

/// The one conversion resolvers use (`.map_err(gql)`), so no error loses its code.
pub fn gql(err: Error) -> async_graphql::Error {
    let status = status_of(&err);
    if status.is_server_error() {
        tracing::error!(error = ?err, "graphql resolver failed");
    }
    let problem = problem_of(&err);
    let fields = problem.errors.clone();
    async_graphql::Error::new(problem.detail).extend_with(|_, ext| {
        ext.set("code", err.code());
        ext.set("status", status.as_u16());
        if let Some(fields) = &fields {
            let list: Vec<async_graphql::Value> = fields
                .iter()
                .map(|f| {
                    let mut map = async_graphql::indexmap::IndexMap::new();
                    map.insert(
                        async_graphql::Name::new("field"),
                        async_graphql::Value::from(f.field.clone()),
                    );
                    map.insert(
                        async_graphql::Name::new("pointer"),
                        async_graphql::Value::from(f.pointer.clone()),
                    );
                    map.insert(
                        async_graphql::Name::new("code"),
                        async_graphql::Value::from(f.code),
                    );
                    map.insert(
                        async_graphql::Name::new("message"),
                        async_graphql::Value::from(f.message.clone()),
                    );
                    async_graphql::Value::Object(map)
                })
                .collect();
            ext.set("errors", async_graphql::Value::List(list));
        }
    })
}
