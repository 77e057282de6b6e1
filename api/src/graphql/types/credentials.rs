//! Tokens and API keys.

use async_graphql::{ID, SimpleObject};
use chrono::{DateTime, Utc};
use earshot_core::views::{ApiKeyView, CreatedApiKey, TokenPair};

use super::{GqlApiScope, id};

/// What login, refresh and accepting an invitation return.
#[derive(SimpleObject)]
pub struct Tokens {
    /// Bearer token for the `Authorization` header.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Single-use token for `refreshSession`.
    pub refresh_token: String,
    /// When the session ends unless refreshed.
    pub refresh_expires_at: DateTime<Utc>,
}

impl From<TokenPair> for Tokens {
    fn from(v: TokenPair) -> Self {
        Self {
            access_token: v.access_token,
            token_type: v.token_type.to_owned(),
            expires_in: v.expires_in,
            refresh_token: v.refresh_token,
            refresh_expires_at: v.refresh_expires_at,
        }
    }
}

/// An API key (never its secret).
#[derive(SimpleObject)]
pub struct ApiKey {
    /// Id.
    pub id: ID,
    /// Name.
    pub name: String,
    /// First characters of the key.
    pub prefix: String,
    /// What it may do.
    pub scopes: Vec<GqlApiScope>,
    /// When it stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was last used.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Who created it.
    pub created_by: Option<ID>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl From<ApiKeyView> for ApiKey {
    fn from(v: ApiKeyView) -> Self {
        Self {
            id: id(v.id),
            name: v.name,
            prefix: v.prefix,
            scopes: v.scopes.into_iter().map(Into::into).collect(),
            expires_at: v.expires_at,
            last_used_at: v.last_used_at,
            revoked_at: v.revoked_at,
            created_by: v.created_by.map(id),
            created_at: v.created_at,
        }
    }
}

/// A key just created: the secret is shown this once.
#[derive(SimpleObject)]
pub struct CreatedApiKeyResult {
    /// The key.
    pub key: ApiKey,
    /// The full secret (`esk_…`).
    pub secret: String,
}

impl From<CreatedApiKey> for CreatedApiKeyResult {
    fn from(v: CreatedApiKey) -> Self {
        Self {
            key: v.key.into(),
            secret: v.secret,
        }
    }
}
