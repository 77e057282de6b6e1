//! Conversations' contacts as summaries show them.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait, IntoCondition, JoinType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, QuerySelect, RelationDef, RelationTrait,
};
use uuid::Uuid;

use crate::Result;
use crate::entity::{contact_identities, contacts};
use crate::tenancy::WorkspaceScope;

use super::super::scoped::scoped;

/// Contacts of the workspace with these ids, each with its identities, in one statement.
pub(crate) async fn contact_rows(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    contact_ids: &[Uuid],
) -> Result<Vec<(contacts::Model, Vec<contact_identities::Model>)>> {
    let rows = scoped::<contacts::Entity>(scope)
        .filter(contacts::Column::Id.is_in(contact_ids.to_vec()))
        .join(JoinType::LeftJoin, identities_in(scope))
        .select_also(contact_identities::Entity)
        .order_by_asc(contacts::Column::Id)
        .order_by_asc(contact_identities::Column::CreatedAt)
        .order_by_asc(contact_identities::Column::Id)
        .all(conn)
        .await?;
    let mut grouped: Vec<(contacts::Model, Vec<contact_identities::Model>)> = Vec::new();
    for (contact, identity) in rows {
        if grouped.last().is_none_or(|(last, _)| last.id != contact.id) {
            grouped.push((contact, Vec::new()));
        }
        if let (Some(identity), Some((_, identities))) = (identity, grouped.last_mut()) {
            identities.push(identity);
        }
    }
    Ok(grouped)
}

/// The join from contacts to their identities in the scope's workspace: the workspace in
/// the join lets the identities' (workspace, contact) index serve it.
fn identities_in(scope: &WorkspaceScope) -> RelationDef {
    let workspace = scope.workspace_id().as_uuid();
    contacts::Relation::Identities
        .def()
        .on_condition(move |_, identity| {
            Expr::col((identity, contact_identities::Column::WorkspaceId))
                .eq(workspace)
                .into_condition()
        })
}

/// What a conversation's contact summary shows of one identity.
pub(crate) struct IdentityFace {
    pub channel_kind: String,
    pub handle: Option<String>,
    pub display_name: Option<String>,
    pub avatar_url: Option<String>,
    pub follower_count: Option<i64>,
    pub verified: bool,
}

/// A contact as summaries show it: its own name and its identities, oldest first.
pub(crate) type ContactFace = (Option<String>, Vec<IdentityFace>);

/// A row of [`contact_faces`], read by position.
type FaceRow = (
    Uuid,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<bool>,
);

/// The contacts of the workspace with these ids as conversation summaries show them, in one
/// statement that reads only the columns shown (inbox pages read 50 at a time).
pub(crate) async fn contact_faces(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    contact_ids: &[Uuid],
) -> Result<HashMap<Uuid, ContactFace>> {
    use contact_identities::Column as I;
    let rows: Vec<FaceRow> = scoped::<contacts::Entity>(scope)
        .select_only()
        .column(contacts::Column::Id)
        .column(contacts::Column::DisplayName)
        .columns([I::ChannelKind, I::Handle, I::DisplayName, I::AvatarUrl])
        .columns([I::FollowerCount, I::Verified])
        .filter(contacts::Column::Id.is_in(contact_ids.to_vec()))
        .join(JoinType::LeftJoin, identities_in(scope))
        .order_by_asc(I::CreatedAt)
        .order_by_asc(I::Id)
        .into_tuple()
        .all(conn)
        .await?;
    let mut faces: HashMap<Uuid, ContactFace> = HashMap::with_capacity(contact_ids.len());
    for (id, name, kind, handle, display_name, avatar_url, follower_count, verified) in rows {
        let (_, identities) = faces.entry(id).or_insert_with(|| (name, Vec::new()));
        if let Some(channel_kind) = kind {
            identities.push(IdentityFace {
                channel_kind,
                handle,
                display_name,
                avatar_url,
                follower_count,
                verified: verified.unwrap_or(false),
            });
        }
    }
    Ok(faces)
}
