//! The platforms' proofs, checked over the raw bytes: X's CRC answer and delivery signature
//! (base64 HMAC-SHA256 with the consumer secret), Meta's `hub.challenge` handshake and
//! `X-Hub-Signature-256` (hex HMAC-SHA256 with the app secret), and Telegram's secret token.
//! Every comparison takes constant time.

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &str, message: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = match HmacSha256::new_from_slice(key.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return Vec::new(),
    };
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

fn equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// X's answer to a CRC challenge: `sha256=` + base64 of HMAC-SHA256(consumer secret, token).
pub fn x_crc_response(consumer_secret: &str, crc_token: &str) -> String {
    let digest = hmac(consumer_secret, crc_token.as_bytes());
    format!(
        "sha256={}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The `x-twitter-webhooks-signature` X sends with a body (what a fake X signs with).
pub fn x_signature(consumer_secret: &str, body: &[u8]) -> String {
    x_crc_response(consumer_secret, &String::from_utf8_lossy(body))
}

/// The `X-Hub-Signature-256` Meta sends with a body (what a fake Meta signs with).
pub fn meta_signature(app_secret: &str, body: &[u8]) -> String {
    let hex: String = hmac(app_secret, body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

/// Whether `x-twitter-webhooks-signature` signs the body with the consumer secret.
pub fn x_signature_valid(consumer_secret: &str, body: &[u8], header: &str) -> bool {
    let Some(given) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(given.trim()) else {
        return false;
    };
    equal(&given, &hmac(consumer_secret, body))
}

/// Whether `X-Hub-Signature-256` signs the body with the Meta app secret.
pub fn meta_signature_valid(app_secret: &str, body: &[u8], header: &str) -> bool {
    let Some(given) = header.strip_prefix("sha256=") else {
        return false;
    };
    let expected: String = hmac(app_secret, body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    equal(
        given.trim().to_ascii_lowercase().as_bytes(),
        expected.as_bytes(),
    )
}

/// Meta's subscription handshake: the challenge to echo when the mode is `subscribe` and
/// the verify token is the channel's.
pub fn meta_handshake<'a>(
    verify_token: &str,
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&'a str>,
) -> Option<&'a str> {
    let token_matches = token.is_some_and(|t| equal(t.as_bytes(), verify_token.as_bytes()));
    (mode == Some("subscribe") && token_matches)
        .then_some(challenge)
        .flatten()
}

/// Whether `X-Telegram-Bot-Api-Secret-Token` is the channel's secret token.
pub fn telegram_token_valid(secret_token: &str, header: &str) -> bool {
    equal(header.as_bytes(), secret_token.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    // The test vectors of shared/channels.md §0, computed by two implementations.

    #[test]
    fn the_x_crc_answer_matches_the_test_vector() {
        assert_eq!(
            x_crc_response("fake_consumer_secret", "crc-challenge-123"),
            "sha256=Zd0TIojK5ffKj7RHU/Bf9vyXPeVaHlcEFQ7IF70Ztck="
        );
    }

    #[test]
    fn an_x_delivery_signature_matches_the_test_vector_and_nothing_else() {
        let body = br#"{"for_user_id":"100","tweet_create_events":[]}"#;
        let header = "sha256=r9tw4HeysQUn3L5PMZRX4l+SC/zwOQoIfXhbd8QjSTs=";
        assert!(x_signature_valid("fake_consumer_secret", body, header));
        assert!(!x_signature_valid("another_secret", body, header));
        assert!(!x_signature_valid("fake_consumer_secret", b"{}", header));
        assert!(!x_signature_valid("fake_consumer_secret", body, "r9tw4Hey"));
    }

    #[test]
    fn what_is_signed_verifies() {
        let body = br#"{"for_user_id":"100","tweet_create_events":[]}"#;
        assert_eq!(
            x_signature("fake_consumer_secret", body),
            "sha256=r9tw4HeysQUn3L5PMZRX4l+SC/zwOQoIfXhbd8QjSTs="
        );
        let signed = meta_signature("fake_app_secret", b"{}");
        assert!(meta_signature_valid("fake_app_secret", b"{}", &signed));
    }

    #[test]
    fn a_meta_delivery_signature_matches_the_test_vector_and_nothing_else() {
        let body = br#"{"object":"page","entry":[]}"#;
        let header = "sha256=c25c724b173251a5e801dc02f768884e9648c282a1fefa522fabbd9095ed31d9";
        assert!(meta_signature_valid("fake_app_secret", body, header));
        assert!(!meta_signature_valid("fake_app_secret", b"{ }", header));
        assert!(!meta_signature_valid("other", body, header));
        assert!(!meta_signature_valid("fake_app_secret", body, "sha1=abc"));
    }

    #[test]
    fn the_meta_handshake_echoes_the_challenge_only_for_the_right_token() {
        let ok = meta_handshake(
            "verify-me",
            Some("subscribe"),
            Some("verify-me"),
            Some("123"),
        );
        assert_eq!(ok, Some("123"));
        assert_eq!(
            meta_handshake("verify-me", Some("subscribe"), Some("nope"), Some("1")),
            None
        );
        assert_eq!(
            meta_handshake("verify-me", Some("other"), Some("verify-me"), Some("1")),
            None
        );
        assert_eq!(
            meta_handshake("verify-me", Some("subscribe"), None, Some("1")),
            None
        );
    }

    #[test]
    fn the_telegram_token_must_be_the_channels() {
        assert!(telegram_token_valid("s3cret_-token", "s3cret_-token"));
        assert!(!telegram_token_valid("s3cret_-token", "s3cret_-toke"));
        assert!(!telegram_token_valid("s3cret_-token", ""));
    }
}
