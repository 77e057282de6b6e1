//! Cursor pagination: opaque, signed cursors so a tampered one is refused, not obeyed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha256;
use uuid::Uuid;

use crate::{Error, Result};

/// The largest page a client may ask for.
pub const MAX_LIMIT: u64 = 200;
/// The page size when a client does not say.
pub const DEFAULT_LIMIT: u64 = 50;

/// A validated request for one page, sorted by id (ids are time-ordered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// How many items at most.
    pub limit: u64,
    /// Start after this id.
    pub after: Option<Uuid>,
}

/// One page of a list and the cursor of the next one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Maps every item, keeping the cursor.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

/// The position of a row in a list sorted by several integer keys, then id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyset {
    /// The sort keys of the row.
    pub keys: Vec<i64>,
    /// Its id, the last tie-breaker.
    pub id: Uuid,
}

/// Signs and checks cursors with a key derived from the server secret.
#[derive(Clone)]
pub struct CursorCodec {
    key: [u8; 32],
}

const TAG_LEN: usize = 12;

impl CursorCodec {
    /// A codec keyed by the given secret bytes.
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    fn tag(&self, payload: &[u8]) -> Result<[u8; TAG_LEN]> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key)
            .map_err(|e| Error::Internal(anyhow::anyhow!("cursor key: {e}")))?;
        mac.update(b"earshot-cursor-v1");
        mac.update(payload);
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; TAG_LEN];
        out.copy_from_slice(&full[..TAG_LEN]);
        Ok(out)
    }

    /// The cursor that resumes after `id`.
    pub fn encode(&self, id: Uuid) -> Result<String> {
        let mut bytes = id.as_bytes().to_vec();
        bytes.extend_from_slice(&self.tag(id.as_bytes())?);
        Ok(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The id a cursor resumes after, or `invalid_cursor` when it was not made here.
    pub fn decode(&self, cursor: &str) -> Result<Uuid> {
        let invalid = || Error::bad_request("invalid_cursor", "the cursor is not valid");
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
        if bytes.len() != 16 + TAG_LEN {
            return Err(invalid());
        }
        let (id, tag) = bytes.split_at(16);
        let expected = self.tag(id)?;
        if !bool::from(subtle::ConstantTimeEq::ct_eq(tag, &expected[..])) {
            return Err(invalid());
        }
        Uuid::from_slice(id).map_err(|_| invalid())
    }

    /// A cursor that resumes after a row of a list sorted by several keys then id.
    pub fn encode_keyset(&self, keyset: &Keyset) -> Result<String> {
        let mut payload = Vec::with_capacity(1 + keyset.keys.len() * 8 + 16);
        payload.push(u8::try_from(keyset.keys.len()).map_err(|e| Error::Internal(e.into()))?);
        for key in &keyset.keys {
            payload.extend_from_slice(&key.to_be_bytes());
        }
        payload.extend_from_slice(keyset.id.as_bytes());
        let mut bytes = payload.clone();
        bytes.extend_from_slice(&self.tag(&payload)?);
        Ok(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The keys and id a keyset cursor resumes after; `invalid_cursor` when it was not made
    /// here or has another number of keys.
    pub fn decode_keyset(&self, cursor: &str, key_count: usize) -> Result<Keyset> {
        let invalid = || Error::bad_request("invalid_cursor", "the cursor is not valid");
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
        let payload_len = 1 + key_count * 8 + 16;
        if bytes.len() != payload_len + TAG_LEN || usize::from(bytes[0]) != key_count {
            return Err(invalid());
        }
        let (payload, tag) = bytes.split_at(payload_len);
        let expected = self.tag(payload)?;
        if !bool::from(subtle::ConstantTimeEq::ct_eq(tag, &expected[..])) {
            return Err(invalid());
        }
        let keys = payload[1..1 + key_count * 8]
            .chunks_exact(8)
            .map(|c| i64::from_be_bytes(c.try_into().unwrap_or([0; 8])))
            .collect();
        let id = Uuid::from_slice(&payload[1 + key_count * 8..]).map_err(|_| invalid())?;
        Ok(Keyset { keys, id })
    }

    /// Validates raw `limit` and `cursor` query values into a page request.
    pub fn request(&self, limit: Option<u64>, cursor: Option<&str>) -> Result<PageRequest> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if limit == 0 || limit > MAX_LIMIT {
            return Err(Error::bad_request(
                "invalid_query",
                format!("limit must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after = cursor.map(|c| self.decode(c)).transpose()?;
        Ok(PageRequest { limit, after })
    }

    /// Builds the page from rows fetched with `limit + 1`, keyed by `id_of`.
    pub fn page<T>(
        &self,
        mut rows: Vec<T>,
        req: PageRequest,
        id_of: impl Fn(&T) -> Uuid,
    ) -> Result<Page<T>> {
        let has_more = rows.len() as u64 > req.limit;
        rows.truncate(req.limit as usize);
        let next_cursor = match (has_more, rows.last()) {
            (true, Some(last)) => Some(self.encode(id_of(last))?),
            _ => None,
        };
        Ok(Page {
            items: rows,
            next_cursor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codec() -> CursorCodec {
        CursorCodec::new([7u8; 32])
    }

    #[test]
    fn a_cursor_round_trips() {
        let id = Uuid::now_v7();
        let cursor = codec().encode(id).unwrap();
        assert_eq!(codec().decode(&cursor).unwrap(), id);
    }

    #[test]
    fn a_tampered_cursor_is_refused() {
        let cursor = codec().encode(Uuid::now_v7()).unwrap();
        let mut chars: Vec<char> = cursor.chars().collect();
        chars[3] = if chars[3] == 'A' { 'B' } else { 'A' };
        let tampered: String = chars.into_iter().collect();
        assert_eq!(
            codec().decode(&tampered).unwrap_err().code(),
            "invalid_cursor"
        );
        assert_eq!(
            codec().decode("not-a-cursor").unwrap_err().code(),
            "invalid_cursor"
        );
    }

    #[test]
    fn a_keyset_cursor_round_trips_and_checks_its_shape() {
        let keyset = Keyset {
            keys: vec![-5, i64::MAX],
            id: Uuid::now_v7(),
        };
        let cursor = codec().encode_keyset(&keyset).unwrap();
        assert_eq!(codec().decode_keyset(&cursor, 2).unwrap(), keyset);
        assert_eq!(
            codec().decode_keyset(&cursor, 1).unwrap_err().code(),
            "invalid_cursor"
        );
        let plain = codec().encode(Uuid::now_v7()).unwrap();
        assert!(codec().decode_keyset(&plain, 2).is_err());
    }

    #[test]
    fn a_cursor_from_another_key_is_refused() {
        let cursor = CursorCodec::new([1u8; 32]).encode(Uuid::now_v7()).unwrap();
        assert!(codec().decode(&cursor).is_err());
    }

    #[test]
    fn limits_outside_one_to_two_hundred_are_refused() {
        assert!(codec().request(Some(0), None).is_err());
        assert!(codec().request(Some(201), None).is_err());
        assert_eq!(codec().request(None, None).unwrap().limit, DEFAULT_LIMIT);
        assert_eq!(codec().request(Some(200), None).unwrap().limit, 200);
    }
}
