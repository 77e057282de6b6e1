//! Stored answers of POSTs sent with an `Idempotency-Key`.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::Result;
use crate::entity::idempotency_records;
use crate::error::OnConflict;
use crate::ids::WorkspaceId;
use crate::tenancy::WorkspaceScope;

pub(crate) async fn find(
    conn: &impl ConnectionTrait,
    fingerprint: &str,
) -> Result<Option<idempotency_records::Model>> {
    Ok(idempotency_records::Entity::find()
        .filter(idempotency_records::Column::Fingerprint.eq(fingerprint))
        .one(conn)
        .await?)
}

/// Claims the key; a concurrent claim of the same key is a `Conflict`.
pub(crate) async fn claim(
    conn: &impl ConnectionTrait,
    fingerprint: String,
    request_hash: String,
    workspace: Option<WorkspaceId>,
    expires_at: DateTime<Utc>,
) -> Result<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    idempotency_records::ActiveModel {
        id: Set(id),
        fingerprint: Set(fingerprint),
        request_hash: Set(request_hash),
        status_code: Set(None),
        content_type: Set(None),
        response_body: Set(None),
        created_at: Set(Utc::now()),
        expires_at: Set(expires_at),
        workspace_id: Set(workspace.map(|w| w.as_uuid())),
    }
    .insert(conn)
    .await
    .on_unique(
        "idempotency_in_progress",
        "a request with this Idempotency-Key is in progress",
    )?;
    Ok(id)
}

pub(crate) async fn complete(
    conn: &impl ConnectionTrait,
    id: uuid::Uuid,
    status: u16,
    content_type: Option<String>,
    body: String,
) -> Result<()> {
    idempotency_records::ActiveModel {
        id: Set(id),
        status_code: Set(Some(i32::from(status))),
        content_type: Set(content_type),
        response_body: Set(Some(body)),
        ..Default::default()
    }
    .update(conn)
    .await?;
    Ok(())
}

pub(crate) async fn release(conn: &impl ConnectionTrait, id: uuid::Uuid) -> Result<()> {
    idempotency_records::Entity::delete_by_id(id)
        .exec(conn)
        .await?;
    Ok(())
}

pub(crate) async fn delete_expired(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64> {
    Ok(idempotency_records::Entity::delete_many()
        .filter(idempotency_records::Column::ExpiresAt.lt(now))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Forgets every stored answer addressed to the scope's workspace (erasure: an answer may
/// quote personal data); returns how many. A retry after this runs again.
pub(crate) async fn forget_workspace(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
) -> Result<u64> {
    Ok(idempotency_records::Entity::delete_many()
        .filter(idempotency_records::Column::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .exec(conn)
        .await?
        .rows_affected)
}
