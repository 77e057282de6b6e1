//! `Idempotency-Key` on POST: the first answer is stored and replayed for retries.

use chrono::{DateTime, Duration, Utc};

use crate::ids::WorkspaceId;
use crate::repo;
use crate::{Core, Error, Result};

/// How long a stored answer is replayed.
const RETENTION: Duration = Duration::hours(24);

/// What to do with a request carrying an idempotency key.
#[derive(Debug)]
pub enum Claim {
    /// First time: run it, then call [`complete`] (or [`release`] on a server error).
    Proceed(uuid::Uuid),
    /// Seen before with the same request: send this answer again.
    Replay {
        /// HTTP status.
        status: u16,
        /// `Content-Type` of the stored body.
        content_type: Option<String>,
        /// The stored body.
        body: String,
    },
}

/// Claims the key for this credential and request, or finds its stored answer.
/// `fingerprint` identifies credential + key; `request_hash` the method, path and body;
/// `workspace` the workspace the path names, if any.
pub async fn claim(
    core: &Core,
    fingerprint: String,
    request_hash: String,
    workspace: Option<WorkspaceId>,
) -> Result<Claim> {
    let conn = core.db().conn();
    let now = Utc::now();
    if let Some(record) = repo::idempotency::find(conn, &fingerprint).await? {
        if record.expires_at > now {
            if record.request_hash != request_hash {
                return Err(Error::conflict(
                    "idempotency_key_reused",
                    "this Idempotency-Key was used with a different request",
                ));
            }
            let opened = match &record.response_body {
                Some(sealed) => Some(open_body(core, record.id, sealed)?),
                None => None,
            };
            return match (record.status_code, opened) {
                (Some(status), Some(body)) => Ok(Claim::Replay {
                    status: u16::try_from(status).unwrap_or(500),
                    content_type: record.content_type,
                    body,
                }),
                _ => Err(Error::conflict(
                    "idempotency_in_progress",
                    "a request with this Idempotency-Key is in progress",
                )),
            };
        }
        repo::idempotency::release(conn, record.id).await?;
    }
    let id = repo::idempotency::claim(conn, fingerprint, request_hash, workspace, now + RETENTION)
        .await?;
    Ok(Claim::Proceed(id))
}

/// Stores the answer of a claimed request.
pub async fn complete(
    core: &Core,
    id: uuid::Uuid,
    status: u16,
    content_type: Option<String>,
    body: String,
) -> Result<()> {
    // Answers can carry secrets shown once (API keys, invitation tokens): sealed at rest.
    let sealed = core.secret_box().seal(body.as_bytes(), id.as_bytes())?;
    repo::idempotency::complete(core.db().conn(), id, status, content_type, sealed).await
}

fn open_body(core: &Core, id: uuid::Uuid, sealed: &str) -> Result<String> {
    let bytes = core.secret_box().open(sealed, id.as_bytes())?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(e.into()))
}

/// Forgets a claim whose request failed on our side, so a retry runs it again.
pub async fn release(core: &Core, id: uuid::Uuid) -> Result<()> {
    repo::idempotency::release(core.db().conn(), id).await
}

/// Deletes answers whose retention ended by `now`; returns how many.
pub async fn purge_expired(core: &Core, now: DateTime<Utc>) -> Result<u64> {
    repo::idempotency::delete_expired(core.db().conn(), now).await
}
