//! The partner callback fake: Standard Webhooks signature verification.

use actix_web::HttpRequest;

/// Whether the request carries a valid Standard Webhooks signature of its raw body.
pub(super) fn verify_standard_webhook(secret: &str, req: &HttpRequest, raw: &[u8]) -> bool {
    let Ok(webhook) = standardwebhooks::Webhook::new(secret) else {
        return false;
    };
    let mut headers = reqwest::header::HeaderMap::new();
    for name in [
        standardwebhooks::HEADER_WEBHOOK_ID,
        standardwebhooks::HEADER_WEBHOOK_TIMESTAMP,
        standardwebhooks::HEADER_WEBHOOK_SIGNATURE,
    ] {
        let value = req
            .headers()
            .get(name)
            .and_then(|v| reqwest::header::HeaderValue::from_bytes(v.as_bytes()).ok());
        if let Some(value) = value {
            headers.insert(name, value);
        }
    }
    webhook.verify(raw, &headers).is_ok()
}
