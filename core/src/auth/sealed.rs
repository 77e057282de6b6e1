//! Encryption at rest (AES-256-GCM) for channel credentials and other stored secrets.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;

use crate::{Error, Result};

const VERSION: &str = "v1:";

/// Seals and opens secrets with a key derived from `EARSHOT_SECRET_KEY`.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox")
    }
}

impl SecretBox {
    /// A box keyed by 32 bytes.
    pub fn new(key: &[u8; 32]) -> Result<Self> {
        let cipher = Aes256Gcm::new_from_slice(key)
            .map_err(|e| Error::Internal(anyhow::anyhow!("secret box key: {e}")))?;
        Ok(Self { cipher })
    }

    /// Encrypts `plaintext`, bound to `context` (such as the owning workspace id): the result
    /// opens only with the same context.
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Result<String> {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .map_err(|_| Error::Internal(anyhow::anyhow!("sealing a secret failed")))?;
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        Ok(format!("{VERSION}{}", STANDARD.encode(bytes)))
    }

    /// Decrypts what [`SecretBox::seal`] produced with the same context.
    pub fn open(&self, sealed: &str, context: &[u8]) -> Result<Vec<u8>> {
        let failed = || {
            Error::Internal(anyhow::anyhow!(
                "a stored secret cannot be decrypted (was EARSHOT_SECRET_KEY changed?)"
            ))
        };
        let encoded = sealed.strip_prefix(VERSION).ok_or_else(failed)?;
        let bytes = STANDARD.decode(encoded).map_err(|_| failed())?;
        if bytes.len() < 12 {
            return Err(failed());
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| failed())?;
        self.cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .map_err(|_| failed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_context() {
        let sealed_box = SecretBox::new(&[9u8; 32]).unwrap();
        let sealed = sealed_box.seal(b"page-token-123", b"ws-1").unwrap();
        assert!(!sealed.contains("page-token"));
        assert_eq!(
            sealed_box.open(&sealed, b"ws-1").unwrap(),
            b"page-token-123"
        );
        assert!(sealed_box.open(&sealed, b"ws-2").is_err());
        assert!(
            SecretBox::new(&[8u8; 32])
                .unwrap()
                .open(&sealed, b"ws-1")
                .is_err()
        );
        let other = sealed_box.seal(b"page-token-123", b"ws-1").unwrap();
        assert_ne!(sealed, other, "a fresh nonce every time");
    }
}
