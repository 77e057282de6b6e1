//! Users: found by id, email or invitation token.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::Result;
use crate::entity::users;
use crate::error::OnConflict;
use crate::ids::UserId;

pub(crate) async fn get(conn: &impl ConnectionTrait, id: UserId) -> Result<Option<users::Model>> {
    Ok(users::Entity::find_by_id(id.as_uuid()).one(conn).await?)
}

pub(crate) async fn by_email(
    conn: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<users::Model>> {
    Ok(users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .one(conn)
        .await?)
}

pub(crate) async fn by_ids(
    conn: &impl ConnectionTrait,
    ids: Vec<uuid::Uuid>,
) -> Result<Vec<users::Model>> {
    Ok(users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .all(conn)
        .await?)
}

pub(crate) async fn by_invitation(
    conn: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<users::Model>> {
    Ok(users::Entity::find()
        .filter(users::Column::InvitationTokenHash.eq(token_hash))
        .one(conn)
        .await?)
}

/// A new user; with no password hash they must accept an invitation first.
pub(crate) struct NewUser {
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub invitation: Option<(String, chrono::DateTime<Utc>)>,
}

pub(crate) async fn insert(conn: &impl ConnectionTrait, user: NewUser) -> Result<users::Model> {
    let now = Utc::now();
    let (invitation_token_hash, invitation_expires_at) = match user.invitation {
        Some((hash, expires)) => (Some(hash), Some(expires)),
        None => (None, None),
    };
    users::ActiveModel {
        id: Set(UserId::new().as_uuid()),
        email: Set(user.email),
        display_name: Set(user.display_name),
        password_hash: Set(user.password_hash),
        invitation_token_hash: Set(invitation_token_hash),
        invitation_expires_at: Set(invitation_expires_at),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
    .on_unique("email_taken", "a user with this email already exists")
}

/// Consumes an invitation and sets the password, only if the token is still the user's
/// (two concurrent acceptances: one wins, the other gets `false`).
pub(crate) async fn accept_invitation(
    conn: &impl ConnectionTrait,
    user: UserId,
    token_hash: &str,
    password_hash: String,
    display_name: Option<String>,
) -> Result<bool> {
    use sea_orm::sea_query::Expr;
    let mut update = users::Entity::update_many()
        .col_expr(
            users::Column::PasswordHash,
            Expr::value(Some(password_hash)),
        )
        .col_expr(
            users::Column::InvitationTokenHash,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            users::Column::InvitationExpiresAt,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .col_expr(users::Column::UpdatedAt, Expr::value(Utc::now()));
    if let Some(name) = display_name {
        update = update.col_expr(users::Column::DisplayName, Expr::value(name));
    }
    let result = update
        .filter(users::Column::Id.eq(user.as_uuid()))
        .filter(users::Column::InvitationTokenHash.eq(token_hash))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Gives an invited user a fresh invitation token.
pub(crate) async fn renew_invitation(
    conn: &impl ConnectionTrait,
    user: users::Model,
    token_hash: String,
    expires_at: chrono::DateTime<Utc>,
) -> Result<users::Model> {
    let mut active: users::ActiveModel = user.into();
    active.invitation_token_hash = Set(Some(token_hash));
    active.invitation_expires_at = Set(Some(expires_at));
    active.updated_at = Set(Utc::now());
    Ok(active.update(conn).await?)
}

pub(crate) async fn count(conn: &impl ConnectionTrait) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(users::Entity::find().count(conn).await?)
}
