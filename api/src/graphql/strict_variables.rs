//! GraphQL variables are read as strictly as REST bodies: every field an input object does
//! not have is named at once (`validation_failed`, each `unknown_field` with the JSON
//! Pointer into the request, such as `/variables/input/colour`), where the engine itself
//! would name the first only.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{ServerResult, Value, Variables};
use earshot_core::{Error, FieldError, input};

use super::gql;

/// Registers the check on a schema.
pub struct StrictVariables;

impl ExtensionFactory for StrictVariables {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(StrictVariablesExtension)
    }
}

struct StrictVariablesExtension;

#[async_graphql::async_trait::async_trait]
impl Extension for StrictVariablesExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let unknown = unknown_fields(&ctx.schema_env.registry, &document, variables);
        if unknown.is_empty() {
            return Ok(document);
        }
        let mut error = gql(Error::Validation(unknown)).into_server_error(Default::default());
        // The fields are named by pointer; the query text has no place to point at.
        error.locations.clear();
        Err(error)
    }
}

fn unknown_fields(
    registry: &Registry,
    document: &ExecutableDocument,
    variables: &Variables,
) -> Vec<FieldError> {
    let mut found = Vec::new();
    for (_, operation) in document.operations.iter() {
        for definition in &operation.node.variable_definitions {
            let name = definition.node.name.node.as_str();
            if let Some(value) = variables.get(name) {
                let ty = definition.node.var_type.node.to_string();
                let path = vec!["variables".to_owned(), name.to_owned()];
                walk(registry, &ty, value, path, &mut found);
            }
        }
    }
    found
}

fn walk(
    registry: &Registry,
    ty: &str,
    value: &Value,
    path: Vec<String>,
    found: &mut Vec<FieldError>,
) {
    match MetaTypeName::create(ty) {
        MetaTypeName::NonNull(inner) => walk(registry, inner, value, path, found),
        MetaTypeName::List(inner) => match value {
            Value::List(items) => {
                for (index, item) in items.iter().enumerate() {
                    walk(
                        registry,
                        inner,
                        item,
                        extended(&path, &index.to_string()),
                        found,
                    );
                }
            }
            single => walk(registry, inner, single, path, found),
        },
        MetaTypeName::Named(name) => {
            let (Some(MetaType::InputObject { input_fields, .. }), Value::Object(map)) =
                (registry.types.get(name), value)
            else {
                return;
            };
            for (key, item) in map {
                let at = extended(&path, key.as_str());
                match input_fields.get(key.as_str()) {
                    Some(field) => walk(registry, &field.ty, item, at, found),
                    None => found.push(input::unknown_field(&at)),
                }
            }
        }
    }
}

fn extended(path: &[String], segment: &str) -> Vec<String> {
    let mut longer = path.to_vec();
    longer.push(segment.to_owned());
    longer
}
