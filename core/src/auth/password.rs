//! Password hashing (argon2id) and the minimum password policy.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};

use crate::{Error, Result};

/// Shortest password accepted.
pub const MIN_LEN: usize = 10;
/// Longest password accepted (hashing cost stays bounded).
pub const MAX_LEN: usize = 256;

/// Refuses passwords that are too short, too long, blank-ish, or the email itself.
pub fn check_policy(password: &str, email: &str) -> Result<()> {
    let chars = password.chars().count();
    let weak = |message: &str| Err(Error::invalid("password", "weak_password", message));
    if chars < MIN_LEN {
        return weak(&format!(
            "the password must have at least {MIN_LEN} characters"
        ));
    }
    if chars > MAX_LEN {
        return weak(&format!(
            "the password must have at most {MAX_LEN} characters"
        ));
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return weak("the password must use at least four different characters");
    }
    if password.trim().eq_ignore_ascii_case(email.trim()) {
        return weak("the password must not be the email address");
    }
    Ok(())
}

/// Hashes a password into a PHC string; CPU-heavy, so run off the async threads.
pub async fn hash(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(anyhow::anyhow!("hashing a password: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(anyhow::anyhow!("hashing task: {e}")))?
}

/// Whether the password matches the PHC string. With no stored hash the same work is done
/// against a fixed hash, so an unknown email costs as much time as a wrong password.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let Ok(parsed) = PasswordHash::new(&phc) else {
            return false;
        };
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        ok && known
    })
    .await
    .map_err(|e| Error::Internal(anyhow::anyhow!("verifying task: {e}")))
}

/// The argon2id hash of a random string nobody knows, with the default parameters.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$8e0yJYlYlpyFUcbHuXmGNL6fN5MMrW6UY5Fvl3a0bZ8";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let phc = hash("correct horse battery".into()).await.unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(
            verify("correct horse battery".into(), Some(phc.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify("wrong horse battery".into(), Some(phc))
                .await
                .unwrap()
        );
    }

    #[test]
    fn the_dummy_hash_parses_so_an_unknown_account_costs_a_full_verification() {
        // A dummy that failed to parse would answer at once and reveal unknown emails.
        let parsed = PasswordHash::new(DUMMY_HASH).unwrap();
        let default = Argon2::default().hash_password(b"x").unwrap().to_string();
        let default = PasswordHash::new(&default).unwrap();
        assert_eq!(parsed.algorithm, default.algorithm);
        assert_eq!(parsed.params, default.params);
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        assert!(!verify("anything at all".into(), None).await.unwrap());
    }

    #[test]
    fn the_policy_refuses_weak_passwords() {
        for (password, ok) in [
            ("short", false),
            ("aaaaaaaaaaaaaa", false),
            ("ada@example.com", false),
            (&"x1y2".repeat(70), false),
            ("a long enough passphrase", true),
        ] {
            assert_eq!(
                check_policy(password, "ada@example.com").is_ok(),
                ok,
                "{password}"
            );
        }
    }
}
