//! Access tokens this process has already verified. A client sends the same token with every
//! request for its lifetime, and checking an Ed25519 or RSA signature costs more than the
//! rest of a typical read; so a token's signature, issuer and audience are checked once, and
//! only its expiry on every later request.
//!
//! Only the exact token string finds an entry: a token that differs in one byte is verified
//! from scratch. The cache is bounded; the least recently used token makes way.

use std::num::NonZeroUsize;
use std::sync::Mutex;

use lru::LruCache;

use super::jwt::Claims;

/// Tokens held at most; about half a kilobyte each.
const CAPACITY: NonZeroUsize = match NonZeroUsize::new(10_000) {
    Some(capacity) => capacity,
    None => NonZeroUsize::MIN,
};

/// Verified tokens and their claims.
pub(crate) struct VerifiedTokens {
    entries: Mutex<LruCache<Box<str>, Claims>>,
    leeway_secs: i64,
}

impl VerifiedTokens {
    /// An empty cache whose expiry check allows the same leeway as the full verification.
    pub(crate) fn new(leeway_secs: u64) -> Self {
        Self {
            entries: Mutex::new(LruCache::new(CAPACITY)),
            leeway_secs: i64::try_from(leeway_secs).unwrap_or(i64::MAX),
        }
    }

    /// The claims of a token verified before, when it has not expired by `now` (seconds
    /// since the epoch). An expired token is forgotten, so that it is refused by the full
    /// verification with its own message.
    pub(crate) fn get(&self, token: &str, now: i64) -> Option<Claims> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let claims = entries.get(token)?;
        if claims.exp < now.saturating_sub(self.leeway_secs) {
            entries.pop(token);
            return None;
        }
        Some(claims.clone())
    }

    /// Remembers a token that has just passed the full verification.
    pub(crate) fn insert(&self, token: &str, claims: Claims) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.put(token.into(), claims);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            iss: "earshot".into(),
            aud: "earshot-api".into(),
            sub: "user".into(),
            exp,
            iat: exp - 900,
            jti: "jti".into(),
            sid: "session".into(),
        }
    }

    #[test]
    fn a_token_is_found_until_it_expires_past_the_leeway() {
        let cache = VerifiedTokens::new(5);
        cache.insert("token", claims(1_000));
        assert_eq!(cache.get("token", 1_000).map(|c| c.exp), Some(1_000));
        assert!(cache.get("token", 1_005).is_some());
        assert!(cache.get("token", 1_006).is_none());
        // Forgotten once expired, even if the clock were to step back.
        assert!(cache.get("token", 1_000).is_none());
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn only_the_exact_token_is_found() {
        let cache = VerifiedTokens::new(5);
        cache.insert("header.payload.signature", claims(1_000));
        assert!(cache.get("header.payload.signaturf", 900).is_none());
        assert!(cache.get("header.payload.signatur", 900).is_none());
        assert!(cache.get("header.payload.signature", 900).is_some());
    }

    #[test]
    fn the_cache_is_bounded() {
        let cache = VerifiedTokens::new(5);
        for i in 0..CAPACITY.get() + 10 {
            cache.insert(&format!("token-{i}"), claims(1_000));
        }
        assert_eq!(cache.len(), CAPACITY.get());
        // The oldest made way for the newest.
        assert!(cache.get("token-0", 900).is_none());
        assert!(
            cache
                .get(&format!("token-{}", CAPACITY.get() + 9), 900)
                .is_some()
        );
    }
}
