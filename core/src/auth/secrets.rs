//! Opaque secrets: random tokens shown once and stored only as hashes, and the server key.

use std::path::Path;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// A random token with a prefix, such as `esk_…` for API keys.
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The hex SHA-256 of a token: what is stored and looked up.
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads the 32-byte server key from configuration, or from (creating if needed) a
/// development key file in the data directory.
pub fn load_server_key(configured: Option<&SecretString>, data_dir: &Path) -> Result<[u8; 32]> {
    if let Some(secret) = configured {
        return decode_key(secret.expose_secret())
            .map_err(|message| Error::Internal(anyhow::anyhow!("EARSHOT_SECRET_KEY: {message}")));
    }
    let path = data_dir.join("dev-secret.key");
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        return decode_key(text.trim())
            .map_err(|message| Error::Internal(anyhow::anyhow!("{}: {message}", path.display())));
    }
    tracing::warn!(path = %path.display(), "EARSHOT_SECRET_KEY is not set; generated a development key");
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    write_private(&path, STANDARD.encode(key).as_bytes())?;
    Ok(key)
}

/// Decodes a base64 key of exactly 32 bytes.
pub fn decode_key(text: &str) -> std::result::Result<[u8; 32], String> {
    let bytes = STANDARD
        .decode(text.trim())
        .map_err(|_| "must be base64 of 32 random bytes".to_owned())?;
    bytes
        .try_into()
        .map_err(|_| "must be base64 of exactly 32 bytes".to_owned())
}

/// Writes a file readable by its owner only.
pub(crate) fn write_private(path: &Path, contents: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(contents)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Derives a purpose-specific key from the server key.
pub fn derive_key(server_key: &[u8; 32], purpose: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(server_key);
    hasher.update(b"/");
    hasher.update(purpose.as_bytes());
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_prefixed() {
        let a = random_token("esk_");
        let b = random_token("esk_");
        assert!(a.starts_with("esk_"));
        assert_ne!(a, b);
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), hash_token(&b));
    }

    #[test]
    fn a_development_key_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_server_key(None, dir.path()).unwrap();
        let second = load_server_key(None, dir.path()).unwrap();
        assert_eq!(first, second);
    }

    #[test]
    fn a_configured_key_must_be_32_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let short = SecretString::from(STANDARD.encode([1u8; 8]));
        assert!(load_server_key(Some(&short), dir.path()).is_err());
        let good = SecretString::from(STANDARD.encode([1u8; 32]));
        assert_eq!(load_server_key(Some(&good), dir.path()).unwrap(), [1u8; 32]);
    }
}
