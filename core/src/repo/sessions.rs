//! Login sessions and their rotating refresh tokens.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use uuid::Uuid;

use crate::Result;
use crate::entity::{refresh_tokens, sessions};
use crate::ids::{SessionId, UserId};
use crate::tenancy::ClientInfo;

pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    user: UserId,
    client: &ClientInfo,
    expires_at: DateTime<Utc>,
) -> Result<sessions::Model> {
    Ok(sessions::ActiveModel {
        id: Set(SessionId::new().as_uuid()),
        user_id: Set(user.as_uuid()),
        ip: Set(client.ip.clone()),
        user_agent: Set(client
            .user_agent
            .as_ref()
            .map(|ua| ua.chars().take(255).collect())),
        created_at: Set(Utc::now()),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await?)
}

/// Whether a session is in force for `user` at `now`: that user's, neither revoked nor
/// expired.
pub(crate) fn in_force(
    session: (Uuid, DateTime<Utc>, Option<DateTime<Utc>>),
    user: UserId,
    now: DateTime<Utc>,
) -> bool {
    let (session_user, expires_at, revoked_at) = session;
    session_user == user.as_uuid() && revoked_at.is_none() && expires_at > now
}

pub(crate) async fn get(
    conn: &impl ConnectionTrait,
    id: SessionId,
) -> Result<Option<sessions::Model>> {
    Ok(sessions::Entity::find_by_id(id.as_uuid()).one(conn).await?)
}

/// Revokes the session (idempotent).
pub(crate) async fn revoke(conn: &impl ConnectionTrait, id: SessionId) -> Result<()> {
    sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(sessions::Column::Id.eq(id.as_uuid()))
        .filter(sessions::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

pub(crate) async fn insert_refresh(
    conn: &impl ConnectionTrait,
    session: SessionId,
    token_hash: String,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    refresh_tokens::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        session_id: Set(session.as_uuid()),
        token_hash: Set(token_hash),
        created_at: Set(Utc::now()),
        expires_at: Set(expires_at),
        used_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(())
}

pub(crate) async fn find_refresh(
    conn: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<refresh_tokens::Model>> {
    Ok(refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?)
}

/// Marks a refresh token used; `false` when it already was (a concurrent or replayed use).
pub(crate) async fn consume_refresh(conn: &impl ConnectionTrait, id: uuid::Uuid) -> Result<bool> {
    let result = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(Utc::now()))
        .filter(refresh_tokens::Column::Id.eq(id))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}
