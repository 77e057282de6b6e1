//! Tokens and API keys as shown to their owners.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::ids::{ApiKeyId, UserId};
use crate::tenancy::ApiScope;

/// What login, refresh and accepting an invitation return.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    /// Bearer token for the `Authorization` header.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Single-use token for `POST /v1/auth/refresh`; using it twice ends the session.
    pub refresh_token: String,
    /// When the session ends unless refreshed.
    pub refresh_expires_at: DateTime<Utc>,
}

/// An API key (never its secret).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiKeyView {
    /// Id.
    pub id: ApiKeyId,
    /// Name given at creation.
    pub name: String,
    /// The first characters of the key, to recognise it.
    pub prefix: String,
    /// What it may do.
    pub scopes: Vec<ApiScope>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was last used.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Who created it.
    pub created_by: Option<UserId>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A key just created: the secret is shown this once and never again.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedApiKey {
    /// The key.
    pub key: ApiKeyView,
    /// The full secret (`esk_…`); store it now.
    pub secret: String,
}
