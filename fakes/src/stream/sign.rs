//! What each platform signs a delivery with (channels.md §0): X `x-twitter-webhooks-signature`
//! (base64 HMAC-SHA256 with the consumer secret), Meta `X-Hub-Signature-256` (hex
//! HMAC-SHA256 with the app secret) and Telegram's plain secret token.

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How a platform proves a delivery is its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Signer {
    X,
    Meta,
    Telegram,
}

fn hmac(key: &str, body: &[u8]) -> Vec<u8> {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        return Vec::new();
    };
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// The header that carries the proof of `body` signed with `secret`.
pub(super) fn header(signer: Signer, secret: &str, body: &[u8]) -> (&'static str, String) {
    match signer {
        Signer::X => {
            let digest = base64::engine::general_purpose::STANDARD.encode(hmac(secret, body));
            ("x-twitter-webhooks-signature", format!("sha256={digest}"))
        }
        Signer::Meta => {
            let hex: String = hmac(secret, body)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            ("x-hub-signature-256", format!("sha256={hex}"))
        }
        Signer::Telegram => ("x-telegram-bot-api-secret-token", secret.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The test vectors of channels.md §0.

    #[test]
    fn x_signs_as_the_documented_vector() {
        let body = br#"{"for_user_id":"100","tweet_create_events":[]}"#;
        let (name, value) = header(Signer::X, "fake_consumer_secret", body);
        assert_eq!(name, "x-twitter-webhooks-signature");
        assert_eq!(value, "sha256=r9tw4HeysQUn3L5PMZRX4l+SC/zwOQoIfXhbd8QjSTs=");
    }

    #[test]
    fn meta_signs_as_the_documented_vector() {
        let body = br#"{"object":"page","entry":[]}"#;
        let (_, value) = header(Signer::Meta, "fake_app_secret", body);
        assert_eq!(
            value,
            "sha256=c25c724b173251a5e801dc02f768884e9648c282a1fefa522fabbd9095ed31d9"
        );
    }

    #[test]
    fn telegram_sends_its_secret_token() {
        let (name, value) = header(Signer::Telegram, "s3cret", b"{}");
        assert_eq!(
            (name, value.as_str()),
            ("x-telegram-bot-api-secret-token", "s3cret")
        );
    }
}
