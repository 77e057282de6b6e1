//! The senders: concurrent clients posting signed Messenger deliveries to the channel's
//! webhook as Meta would (`X-Hub-Signature-256` over the raw body), each sending its next
//! delivery when the last one is acknowledged.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use earshot_core::channels::verify::meta_signature;
use serde_json::json;
use tokio::time::Instant;

use crate::stats::Samples;

/// The page the channel serves.
pub const PAGE_ID: &str = "300000000000001";
/// The channel's app secret.
pub const APP_SECRET: &str = "bench-app-secret";

/// What the senders share with the watchers.
#[derive(Default)]
pub struct Shared {
    /// Next delivery number.
    pub next: AtomicU64,
    /// Whether the measured window is open.
    pub measuring: AtomicBool,
    /// Set to stop the senders.
    pub stop: AtomicBool,
    /// When each delivery sent in the measured window was sent, by number.
    pub sent: Mutex<HashMap<u64, Instant>>,
    /// The newest delivery acknowledged in the measured window.
    pub last_acked: AtomicU64,
}

/// A customer's Messenger message: number `n`, from one of `customers` people; its text
/// carries a token (`zq<n>`) the watchers find it by.
pub fn delivery(n: u64, customers: u64) -> String {
    let sender = 8_000_000_000_000_000 + n % customers;
    let millis = chrono::Utc::now().timestamp_millis();
    json!({
        "object": "page",
        "entry": [{
            "id": PAGE_ID,
            "time": millis,
            "messaging": [{
                "sender": { "id": sender.to_string() },
                "recipient": { "id": PAGE_ID },
                "timestamp": millis,
                "message": { "mid": format!("m_bench_{n}"),
                    "text": format!("My order still has not arrived, can you check? zq{n}") }
            }]
        }]
    })
    .to_string()
}

/// The number a message's text carries, if any.
pub fn number_in(text: &str) -> Option<u64> {
    text.rsplit_once("zq")?.1.parse().ok()
}

/// One sender's loop until told to stop: its next delivery when the last is acknowledged,
/// or every `every` when paced; returns its acknowledgement latencies in the measured
/// window.
pub async fn send(
    client: reqwest::Client,
    hook: String,
    customers: u64,
    every: Option<std::time::Duration>,
    shared: Arc<Shared>,
) -> Samples {
    let mut samples = Samples::default();
    let mut pace = every.map(tokio::time::interval);
    while !shared.stop.load(Ordering::Relaxed) {
        if let Some(pace) = pace.as_mut() {
            pace.tick().await;
        }
        let n = shared.next.fetch_add(1, Ordering::Relaxed);
        let body = delivery(n, customers);
        let signature = meta_signature(APP_SECRET, body.as_bytes());
        let measuring = shared.measuring.load(Ordering::Relaxed);
        let started = Instant::now();
        if measuring && let Ok(mut sent) = shared.sent.lock() {
            sent.insert(n, started);
        }
        let answer = client
            .post(&hook)
            .header("content-type", "application/json")
            .header("x-hub-signature-256", signature)
            .body(body)
            .send()
            .await;
        let latency = started.elapsed();
        match answer {
            Ok(response) if response.status().is_success() => {
                if measuring {
                    samples.ok(latency);
                    shared.last_acked.fetch_max(n, Ordering::Relaxed);
                }
            }
            Ok(response) => samples.error(format!("{}", response.status())),
            Err(err) => samples.error(err.to_string()),
        }
    }
    samples
}
