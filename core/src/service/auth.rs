//! Sessions: login, refresh-token rotation with reuse detection, logout, invitations.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;
use serde::Deserialize;

use crate::auth::password;
use crate::auth::secrets::{hash_token, random_token};
use crate::entity::users;
use crate::events::BusMessage;
use crate::ids::{SessionId, UserId};
use crate::repo;
use crate::tenancy::{Actor, ClientInfo, Principal};
use crate::views::TokenPair;
use crate::{Core, Error, Result};

/// `POST /v1/auth/login`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    /// Email address.
    pub email: String,
    /// Password.
    pub password: String,
}

/// `POST /v1/auth/invitations/accept`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitation {
    /// The token from the invitation.
    pub token: String,
    /// The password to set.
    pub password: String,
    /// Optionally, the name to show colleagues.
    pub display_name: Option<String>,
}

fn invalid_credentials() -> Error {
    Error::unauthenticated("invalid_credentials", "the email or password is wrong")
}

fn refused_refresh() -> Error {
    Error::unauthenticated(
        "invalid_refresh_token",
        "the refresh token is invalid, expired or revoked",
    )
}

/// Normalises an email for storage and lookup.
pub(crate) fn normalize_email(email: &str) -> Result<String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(char::is_whitespace);
    if !valid {
        return Err(Error::invalid(
            "email",
            "invalid_email",
            "not a valid email address",
        ));
    }
    Ok(email)
}

/// Checks the password and opens a session. Unknown emails and wrong passwords answer the
/// same, in the same time.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn login(core: &Core, input: LoginInput, client: ClientInfo) -> Result<TokenPair> {
    let email = input.email.trim().to_lowercase();
    core.limiters().check_login(&email, client.ip.as_deref())?;
    let user = repo::users::by_email(core.db().conn(), &email).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    if !password::verify(input.password, stored).await? {
        return Err(invalid_credentials());
    }
    let user = user.ok_or_else(invalid_credentials)?;
    let txn = core.db().begin().await?;
    let pair = open_session(core, &txn, UserId::from(user.id), &client).await?;
    txn.commit().await?;
    Ok(pair)
}

async fn open_session(
    core: &Core,
    conn: &impl ConnectionTrait,
    user: UserId,
    client: &ClientInfo,
) -> Result<TokenPair> {
    let expires_at = Utc::now() + refresh_ttl(core)?;
    let session = repo::sessions::insert(conn, user, client, expires_at).await?;
    issue_pair(core, conn, user, SessionId::from(session.id), expires_at).await
}

fn refresh_ttl(core: &Core) -> Result<Duration> {
    Duration::from_std(core.config().jwt.refresh_ttl).map_err(|e| Error::Internal(e.into()))
}

async fn issue_pair(
    core: &Core,
    conn: &impl ConnectionTrait,
    user: UserId,
    session: SessionId,
    session_expires: DateTime<Utc>,
) -> Result<TokenPair> {
    let refresh_token = random_token("esr_");
    repo::sessions::insert_refresh(conn, session, hash_token(&refresh_token), session_expires)
        .await?;
    let (access_token, expires_at) = core.jwt().issue(user, session)?;
    Ok(TokenPair {
        access_token,
        token_type: "Bearer",
        expires_in: (expires_at - Utc::now()).num_seconds().max(0),
        refresh_token,
        refresh_expires_at: session_expires,
    })
}

/// Exchanges a refresh token for a new pair. A token presented a second time means it
/// leaked: the whole session is revoked.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn refresh(core: &Core, refresh_token: &str) -> Result<TokenPair> {
    let txn = core.db().begin().await?;
    let token = repo::sessions::find_refresh(&txn, &hash_token(refresh_token))
        .await?
        .ok_or_else(refused_refresh)?;
    let session_id = SessionId::from(token.session_id);
    let session = repo::sessions::get(&txn, session_id)
        .await?
        .ok_or_else(refused_refresh)?;
    let now = Utc::now();
    if session.revoked_at.is_some() || session.expires_at <= now || token.expires_at <= now {
        return Err(refused_refresh());
    }
    if token.used_at.is_some() || !repo::sessions::consume_refresh(&txn, token.id).await? {
        repo::sessions::revoke(&txn, session_id).await?;
        txn.commit().await?;
        session_ended(core, session_id).await;
        tracing::warn!(session_id = %session_id, "refresh token reused; session revoked");
        return Err(Error::unauthenticated(
            "refresh_token_reused",
            "this refresh token was already used; the session has been ended",
        ));
    }
    let pair = issue_pair(
        core,
        &txn,
        UserId::from(session.user_id),
        session_id,
        session.expires_at,
    )
    .await?;
    txn.commit().await?;
    Ok(pair)
}

/// Tells every API process that a session ended, so the live subscriptions it opened end
/// too. Called after the revocation is committed.
async fn session_ended(core: &Core, session_id: SessionId) {
    core.bus()
        .publish(vec![BusMessage::SessionRevoked { session_id }])
        .await;
}

/// Ends the caller's session: its access tokens, refresh tokens and live subscriptions stop
/// working.
pub async fn logout(core: &Core, actor: &Actor) -> Result<()> {
    match actor.principal() {
        Principal::User { session_id, .. } => {
            repo::sessions::revoke(core.db().conn(), *session_id).await?;
            session_ended(core, *session_id).await;
            Ok(())
        }
        Principal::ApiKey { .. } | Principal::System => Err(Error::PeopleOnly(
            "an API key has no session; revoke the key instead",
        )),
    }
}

/// Ends the session a refresh token belongs to (logout without an access token).
pub async fn logout_with_refresh(core: &Core, refresh_token: &str) -> Result<()> {
    let conn = core.db().conn();
    let token = repo::sessions::find_refresh(conn, &hash_token(refresh_token))
        .await?
        .ok_or_else(refused_refresh)?;
    let session_id = SessionId::from(token.session_id);
    repo::sessions::revoke(conn, session_id).await?;
    session_ended(core, session_id).await;
    Ok(())
}

fn invalid_invitation() -> Error {
    Error::unauthenticated(
        "invalid_invitation",
        "the invitation is invalid or has expired",
    )
}

/// The user a live invitation token belongs to.
async fn invited_user(conn: &impl ConnectionTrait, token_hash: &str) -> Result<users::Model> {
    let user = repo::users::by_invitation(conn, token_hash)
        .await?
        .ok_or_else(invalid_invitation)?;
    if user.invitation_expires_at.is_none_or(|at| at <= Utc::now()) {
        return Err(invalid_invitation());
    }
    Ok(user)
}

/// Sets the invited person's password and opens their first session.
pub async fn accept_invitation(
    core: &Core,
    input: AcceptInvitation,
    client: ClientInfo,
) -> Result<TokenPair> {
    let token_hash = hash_token(&input.token);
    let user = invited_user(core.db().conn(), &token_hash).await?;
    password::check_policy(&input.password, &user.email)?;
    let display_name = input
        .display_name
        .map(|n| super::required_name("display_name", &n, 120))
        .transpose()?;
    // Hash before the transaction: on SQLite it holds the only connection.
    let hash = password::hash(input.password).await?;
    let txn = core.db().begin().await?;
    // Read again inside the transaction: the token may have been used meanwhile.
    let user = invited_user(&txn, &token_hash).await?;
    let user_id = UserId::from(user.id);
    if !repo::users::accept_invitation(&txn, user_id, &token_hash, hash, display_name).await? {
        return Err(invalid_invitation());
    }
    let pair = open_session(core, &txn, user_id, &client).await?;
    txn.commit().await?;
    Ok(pair)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            normalize_email("  Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "a da@example.com",
            "ada@.com",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }
}
