//! The watchers: how long after it was sent a customer's message is visible — to a live
//! subscriber (every message, from the GraphQL subscription's `message.created` events)
//! and to a REST reader (a sample: the newest acknowledged message is searched for by its
//! token until the inbox finds it).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use super::load::{Shared, number_in};
use crate::stats::Samples;

const EVENTS: &str = "subscription($ws: ID!) {
  conversationEvents(workspaceId: $ws) { type message { text } }
}";

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a subscription to the workspace's events, acknowledged and live.
pub async fn subscribe(base: &str, token: &str, workspace: &str) -> anyhow::Result<Ws> {
    let url = format!("{}/graphql", base.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request()?;
    let headers = request.headers_mut();
    headers.insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    headers.insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}"))?,
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await?;
    let init = json!({ "type": "connection_init", "payload": {} });
    ws.send(Message::text(init.to_string())).await?;
    match next_json(&mut ws).await? {
        m if m["type"] == "connection_ack" => {}
        other => bail!("no connection_ack: {other}"),
    }
    let subscribe = json!({ "id": "1", "type": "subscribe",
        "payload": { "query": EVENTS, "variables": { "ws": workspace } } });
    ws.send(Message::text(subscribe.to_string())).await?;
    Ok(ws)
}

async fn next_json(ws: &mut Ws) -> anyhow::Result<Value> {
    loop {
        match ws.next().await.context("the subscription ended")?? {
            Message::Text(text) => return Ok(serde_json::from_str(&text)?),
            Message::Close(frame) => bail!("the subscription closed: {frame:?}"),
            _ => {}
        }
    }
}

/// Records, for every message sent in the measured window, how long until its
/// `message.created` event arrived; runs until the socket ends or `until`.
pub async fn follow(mut ws: Ws, shared: Arc<Shared>, until: Instant) -> Samples {
    let mut samples = Samples::default();
    loop {
        let next = tokio::time::timeout_at(until, next_json(&mut ws)).await;
        let message = match next {
            Err(_) => break,
            Ok(Err(err)) => {
                samples.error(err.to_string());
                break;
            }
            Ok(Ok(message)) => message,
        };
        if message["type"] == "ping" {
            let _ = ws
                .send(Message::text(json!({ "type": "pong" }).to_string()))
                .await;
            continue;
        }
        let event = &message["payload"]["data"]["conversationEvents"];
        if event["type"] != "message.created" {
            continue;
        }
        let Some(n) = event["message"]["text"].as_str().and_then(number_in) else {
            continue;
        };
        let sent = shared.sent.lock().ok().and_then(|s| s.get(&n).copied());
        if let Some(sent) = sent {
            samples.ok(sent.elapsed());
        }
    }
    samples
}

/// Every `every`, searches the inbox for the newest acknowledged message until found;
/// records how long after it was sent the inbox showed it.
pub async fn sample_rest(
    client: reqwest::Client,
    inbox: String,
    token: String,
    shared: Arc<Shared>,
    every: Duration,
) -> Samples {
    let mut samples = Samples::default();
    let mut last = 0;
    while !shared.stop.load(Ordering::Relaxed) {
        tokio::time::sleep(every).await;
        let n = shared.last_acked.load(Ordering::Relaxed);
        let sent = shared.sent.lock().ok().and_then(|s| s.get(&n).copied());
        let Some(sent) = sent.filter(|_| n != last) else {
            continue;
        };
        last = n;
        match found_by_search(&client, &inbox, &token, n).await {
            Ok(true) => samples.ok(sent.elapsed()),
            Ok(false) => samples.error(format!("zq{n} not found within 10 s")),
            Err(err) => samples.error(err.to_string()),
        }
    }
    samples
}

/// Polls `?q=zq<n>` until a conversation matches (or 10 s pass).
async fn found_by_search(
    client: &reqwest::Client,
    inbox: &str,
    token: &str,
    n: u64,
) -> anyhow::Result<bool> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let page: Value = client
            .get(format!("{inbox}?q=zq{n}&limit=1"))
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        if page["items"]
            .as_array()
            .is_some_and(|items| !items.is_empty())
        {
            return Ok(true);
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(false)
}
