//! Access tokens: signing, verification and the published JWKS.
//!
//! Only the configured algorithm is accepted; `exp`, `aud` and `iss` are always checked.

use std::path::Path;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::verified::VerifiedTokens;
use crate::config::{JwtAlgorithm, JwtConfig};
use crate::ids::{SessionId, UserId};
use crate::{Error, Result};

/// The claims of an Earshot access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// The user id.
    pub sub: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Token id.
    pub jti: String,
    /// The login session the token belongs to.
    pub sid: String,
}

/// The signing and verification keys of this deployment.
pub struct JwtKeys {
    algorithm: Algorithm,
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwks: JwkSet,
    validation: Validation,
    issuer: String,
    audience: String,
    access_ttl: chrono::Duration,
    verified: VerifiedTokens,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field("algorithm", &self.algorithm)
            .field("kid", &self.kid)
            .finish()
    }
}

impl JwtKeys {
    /// Loads the configured keys; EdDSA without a key file uses (and on first start creates)
    /// a development key in the data directory.
    pub fn load(config: &JwtConfig, data_dir: &Path) -> Result<Self> {
        let (algorithm, encoding, jwk) = match config.algorithm {
            JwtAlgorithm::EdDsa => {
                let pem = match &config.private_key_file {
                    Some(path) => read(path)?,
                    None => dev_ed25519_pem(data_dir)?,
                };
                let key = EncodingKey::from_ed_pem(&pem)
                    .context("EARSHOT_JWT_PRIVATE_KEY_FILE: not an Ed25519 PKCS#8 PEM")?;
                let jwk = Jwk::from_encoding_key(&key, Algorithm::EdDSA)
                    .context("deriving the Ed25519 public key")?;
                (Algorithm::EdDSA, key, Some(jwk))
            }
            JwtAlgorithm::Rs256 => {
                let path = config
                    .private_key_file
                    .as_deref()
                    .context("EARSHOT_JWT_PRIVATE_KEY_FILE is required for RS256")?;
                let key = EncodingKey::from_rsa_pem(&read(path)?)
                    .context("EARSHOT_JWT_PRIVATE_KEY_FILE: not an RSA PEM")?;
                let jwk = Jwk::from_encoding_key(&key, Algorithm::RS256)
                    .context("deriving the RSA public key")?;
                (Algorithm::RS256, key, Some(jwk))
            }
            JwtAlgorithm::Hs256 => {
                let secret = config
                    .secret
                    .as_ref()
                    .context("EARSHOT_JWT_SECRET is required for HS256")?;
                (
                    Algorithm::HS256,
                    EncodingKey::from_secret(secret.expose_secret().as_bytes()),
                    None,
                )
            }
        };
        let (decoding, kid, jwks) = match jwk {
            Some(mut jwk) => {
                let kid = key_id(&jwk)?;
                jwk.common.key_id = Some(kid.clone());
                jwk.common.public_key_use = Some(PublicKeyUse::Signature);
                jwk.common.key_algorithm = Some(key_algorithm(algorithm));
                let decoding =
                    DecodingKey::from_jwk(&jwk).context("building the verification key")?;
                (decoding, kid, JwkSet { keys: vec![jwk] })
            }
            None => {
                let secret = config
                    .secret
                    .as_ref()
                    .context("EARSHOT_JWT_SECRET is required for HS256")?;
                let decoding = DecodingKey::from_secret(secret.expose_secret().as_bytes());
                (decoding, "hs256".to_owned(), JwkSet { keys: vec![] })
            }
        };
        let mut validation = Validation::new(algorithm);
        validation.set_audience(&[config.audience.as_str()]);
        validation.set_issuer(&[config.issuer.as_str()]);
        validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
        validation.leeway = 5;
        let verified = VerifiedTokens::new(validation.leeway);
        Ok(Self {
            algorithm,
            kid,
            encoding,
            decoding,
            jwks,
            validation,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            access_ttl: chrono::Duration::from_std(config.access_ttl)
                .context("access token lifetime")?,
            verified,
        })
    }

    /// A signed access token for the user's session, and when it expires.
    pub fn issue(&self, user_id: UserId, session_id: SessionId) -> Result<(String, DateTime<Utc>)> {
        let now = Utc::now();
        let expires_at = now + self.access_ttl;
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id.to_string(),
            exp: expires_at.timestamp(),
            iat: now.timestamp(),
            jti: uuid::Uuid::new_v4().to_string(),
            sid: session_id.to_string(),
        };
        let mut header = Header::new(self.algorithm);
        header.kid = Some(self.kid.clone());
        let token =
            jsonwebtoken::encode(&header, &claims, &self.encoding).context("signing a token")?;
        Ok((token, expires_at))
    }

    /// The claims of a token signed here with the configured algorithm, unexpired, for our
    /// audience; anything else is `invalid_token`. A token verified before is only checked
    /// for expiry.
    pub fn verify(&self, token: &str) -> Result<Claims> {
        if let Some(claims) = self.verified.get(token, Utc::now().timestamp()) {
            return Ok(claims);
        }
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|err| {
                let message = match err.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                        "the access token has expired"
                    }
                    _ => "the access token is not valid",
                };
                Error::unauthenticated("invalid_token", message)
            })?;
        self.verified.insert(token, claims.clone());
        Ok(claims)
    }

    /// The public keys, as served at `/.well-known/jwks.json` (empty for HS256).
    pub fn jwks(&self) -> &JwkSet {
        &self.jwks
    }
}

fn key_algorithm(algorithm: Algorithm) -> KeyAlgorithm {
    match algorithm {
        Algorithm::RS256 => KeyAlgorithm::RS256,
        Algorithm::HS256 => KeyAlgorithm::HS256,
        _ => KeyAlgorithm::EdDSA,
    }
}

fn key_id(jwk: &Jwk) -> Result<String> {
    let public = serde_json::to_vec(&jwk.algorithm).context("serializing a public key")?;
    let digest = Sha256::digest(&public);
    Ok(digest[..8].iter().map(|b| format!("{b:02x}")).collect())
}

fn read(path: &Path) -> Result<Vec<u8>> {
    Ok(std::fs::read(path).with_context(|| format!("reading {}", path.display()))?)
}

/// The DER prefix of a PKCS#8 v1 Ed25519 private key; the 32-byte seed follows.
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

fn dev_ed25519_pem(data_dir: &Path) -> Result<Vec<u8>> {
    let path = data_dir.join("dev-jwt-ed25519.pem");
    if path.exists() {
        return read(&path);
    }
    tracing::warn!(path = %path.display(), "no JWT key configured; generated a development Ed25519 key");
    let mut der = ED25519_PKCS8_PREFIX.to_vec();
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    der.extend_from_slice(&seed);
    let body = STANDARD.encode(&der);
    let pem = format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n");
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    super::secrets::write_private(&path, pem.as_bytes())?;
    Ok(pem.into_bytes())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn config(algorithm: JwtAlgorithm) -> JwtConfig {
        JwtConfig {
            algorithm,
            private_key_file: None,
            secret: Some("0123456789abcdef0123456789abcdef".to_owned().into()),
            issuer: "earshot".into(),
            audience: "earshot-api".into(),
            access_ttl: Duration::from_secs(900),
            refresh_ttl: Duration::from_secs(3600),
        }
    }

    #[test]
    fn an_issued_token_verifies_and_the_jwks_has_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let keys = JwtKeys::load(&config(JwtAlgorithm::EdDsa), dir.path()).unwrap();
        let (token, _) = keys.issue(UserId::new(), SessionId::new()).unwrap();
        assert!(keys.verify(&token).is_ok());
        let jwks = serde_json::to_value(keys.jwks()).unwrap();
        assert_eq!(jwks["keys"][0]["kty"], "OKP");
        assert_eq!(jwks["keys"][0]["crv"], "Ed25519");
        // The same development key is used after a restart.
        let again = JwtKeys::load(&config(JwtAlgorithm::EdDsa), dir.path()).unwrap();
        assert!(again.verify(&token).is_ok());
    }

    #[test]
    fn a_verified_token_altered_in_one_character_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let keys = JwtKeys::load(&config(JwtAlgorithm::EdDsa), dir.path()).unwrap();
        let (token, _) = keys.issue(UserId::new(), SessionId::new()).unwrap();
        let first = keys.verify(&token).unwrap();
        // The second time the token comes from the cache, with the same claims.
        assert_eq!(keys.verify(&token).unwrap().jti, first.jti);
        let at = token.len() - 10;
        let swapped = if &token[at..=at] == "A" { "B" } else { "A" };
        let altered = format!("{}{swapped}{}", &token[..at], &token[at + 1..]);
        assert_eq!(keys.verify(&altered).unwrap_err().code(), "invalid_token");
        assert!(keys.verify(&token).is_ok());
    }

    #[test]
    fn a_token_for_another_audience_or_algorithm_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let ed = JwtKeys::load(&config(JwtAlgorithm::EdDsa), dir.path()).unwrap();
        let hs = JwtKeys::load(&config(JwtAlgorithm::Hs256), dir.path()).unwrap();
        let (hs_token, _) = hs.issue(UserId::new(), SessionId::new()).unwrap();
        assert_eq!(ed.verify(&hs_token).unwrap_err().code(), "invalid_token");
        let mut other = config(JwtAlgorithm::EdDsa);
        other.audience = "someone-else".into();
        let foreign = JwtKeys::load(&other, dir.path()).unwrap();
        let (token, _) = foreign.issue(UserId::new(), SessionId::new()).unwrap();
        assert!(ed.verify(&token).is_err());
        assert!(hs.jwks().keys.is_empty());
    }
}
