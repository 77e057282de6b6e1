//! GraphQL subscriptions over WebSocket (`graphql-transport-ws`) at `GET /graphql`.
//!
//! async-graphql speaks the protocol; this module drives the socket around it, because the
//! credential rules are ours and its own handling answers refused credentials with a generic
//! `1002` (see STACK.md):
//! - an `Authorization` header on the upgrade is checked before upgrading: a bad one is
//!   `401` problem+json and no socket;
//! - otherwise `connection_init` must carry `{"authorization": "Bearer …"}`: a missing or
//!   bad one closes the socket with `4403`, as the protocol recommends;
//! - when the session that opened the socket ends (logout, refresh-token reuse) or its API
//!   key is revoked, any API process hears it on the event bus and closes with `4403`; a
//!   periodic re-check covers a missed bus message.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::http::header;
use actix_web::web::{Data, Payload};
use actix_web::{HttpRequest, HttpResponse};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use async_graphql::http::{WebSocket, WebSocketProtocols, WsMessage};
use earshot_core::events::BusMessage;
use earshot_core::service::access;
use earshot_core::tenancy::{Actor, ClientInfo, Principal};
use earshot_core::{Core, Error};
use futures_util::StreamExt;
use tokio::sync::{broadcast, mpsc};

use super::{Caller, EarshotSchema};
use crate::extract;
use crate::middleware::edge_errors::method_not_allowed;
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;

/// The one sub-protocol spoken.
pub const PROTOCOL: &str = "graphql-transport-ws";

/// Close codes of `graphql-transport-ws`.
mod close {
    /// A message the protocol does not know.
    pub const INVALID_MESSAGE: u16 = 4400;
    /// `subscribe` before the connection was acknowledged.
    pub const UNAUTHORIZED: u16 = 4401;
    /// Refused or revoked credentials.
    pub const FORBIDDEN: u16 = 4403;
    /// No `connection_init` in time.
    pub const INIT_TIMEOUT: u16 = 4408;
}

/// How long a client has to send `connection_init`.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the credential is re-checked and the client pinged.
const RECHECK_EVERY: Duration = Duration::from_secs(30);

fn is_upgrade(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

fn offers_protocol(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim() == PROTOCOL)
}

/// `GET /graphql`: upgrades to a `graphql-transport-ws` socket. A plain `GET` is `405`, a
/// socket without the sub-protocol `400`, a bad `Authorization` header `401`.
pub async fn subscriptions(
    state: Data<AppState>,
    req: HttpRequest,
    body: Payload,
) -> ApiResult<HttpResponse> {
    if !is_upgrade(&req) {
        return Ok(method_not_allowed().await);
    }
    if !offers_protocol(&req) {
        return Err(ApiError(Error::bad_request(
            "unsupported_websocket_protocol",
            format!("offer the `{PROTOCOL}` sub-protocol in Sec-WebSocket-Protocol"),
        )));
    }
    // Listen before authenticating, so a revocation right after the check is not missed.
    let revocations = state.core.bus().subscribe();
    let actor = match req.headers().contains_key(header::AUTHORIZATION) {
        true => Some(extract::authenticate(&req).await?),
        false => None,
    };
    let (response, session, incoming) = actix_ws::handle_with_protocols(&req, body, &[PROTOCOL])
        .map_err(|err| ApiError(Error::bad_request("invalid_upgrade", err.to_string())))?;
    let limit = state.core.config().body_limit_bytes;
    let connection = Connection {
        core: state.core.clone(),
        schema: state.schema.clone(),
        client: extract::client_info(&req, state.core.config().trust_forwarded_for),
        actor,
        session,
        revocations,
    };
    let incoming = incoming
        .max_frame_size(limit)
        .aggregate_continuations()
        .max_continuation_size(limit);
    actix_web::rt::spawn(connection.run(incoming));
    Ok(response)
}

/// One socket: the client, the GraphQL protocol engine and the event bus.
struct Connection {
    core: Core,
    schema: EarshotSchema,
    client: ClientInfo,
    /// Who opened it: from the header, or once `connection_init` was accepted.
    actor: Option<Actor>,
    session: Session,
    revocations: broadcast::Receiver<Arc<BusMessage>>,
}

/// What the loop does next.
enum Step {
    Continue,
    Close(u16, String),
    Stop,
}

impl Connection {
    async fn run(mut self, mut incoming: AggregatedMessageStream) {
        let (to_engine, from_client) = mpsc::unbounded_channel::<String>();
        // The engine reads the actor this loop accepted when it forwards `connection_init`.
        let accepted: Arc<Mutex<Option<Actor>>> = Arc::new(Mutex::new(None));
        let mut engine = Box::pin(self.engine(from_client, accepted.clone()));
        let mut initialised = false;
        let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
        tokio::pin!(init_deadline);
        let mut recheck = tokio::time::interval(RECHECK_EVERY);
        recheck.tick().await;
        let step = loop {
            let step = tokio::select! {
                message = incoming.next() => match message {
                    Some(Ok(AggregatedMessage::Text(text))) => {
                        self.screen(text.to_string(), &mut initialised, &accepted, &to_engine).await
                    }
                    Some(Ok(AggregatedMessage::Binary(_))) => {
                        Step::Close(close::INVALID_MESSAGE, "binary messages are not part of the protocol".into())
                    }
                    Some(Ok(AggregatedMessage::Ping(bytes))) => match self.session.pong(&bytes).await {
                        Ok(()) => Step::Continue,
                        Err(_) => Step::Stop,
                    },
                    Some(Ok(AggregatedMessage::Pong(_))) => Step::Continue,
                    Some(Ok(AggregatedMessage::Close(_))) | Some(Err(_)) | None => Step::Stop,
                },
                out = engine.next() => match out {
                    Some(WsMessage::Text(text)) => match self.session.text(text).await {
                        Ok(()) => Step::Continue,
                        Err(_) => Step::Stop,
                    },
                    Some(WsMessage::Close(code, reason)) => Step::Close(protocol_code(code), reason),
                    None => Step::Close(1000, "done".into()),
                },
                revoked = self.revocations.recv() => self.on_bus(revoked).await,
                _ = recheck.tick() => self.recheck().await,
                () = &mut init_deadline, if !initialised => {
                    Step::Close(close::INIT_TIMEOUT, "Connection initialisation timeout".into())
                }
            };
            if !matches!(step, Step::Continue) {
                break step;
            }
        };
        if let Step::Close(code, reason) = step {
            let reason = CloseReason {
                code: CloseCode::from(code),
                description: Some(reason),
            };
            let _ = self.session.close(Some(reason)).await;
        }
    }

    /// The protocol engine fed with the client's text messages.
    fn engine(
        &self,
        from_client: mpsc::UnboundedReceiver<String>,
        accepted: Arc<Mutex<Option<Actor>>>,
    ) -> impl futures_util::Stream<Item = WsMessage> + use<> {
        let input = futures_util::stream::unfold(from_client, |mut rx| async move {
            rx.recv().await.map(|text| (text, rx))
        });
        let mut data = async_graphql::Data::default();
        data.insert(self.client.clone());
        WebSocket::new(self.schema.clone(), input, WebSocketProtocols::GraphQLWS)
            .connection_data(data)
            .on_connection_init(move |_payload| {
                let actor = accepted.lock().ok().and_then(|mut slot| slot.take());
                async move {
                    let actor = actor.ok_or_else(|| async_graphql::Error::new("Forbidden"))?;
                    let mut data = async_graphql::Data::default();
                    data.insert(Caller::Actor(actor));
                    Ok(data)
                }
            })
    }

    /// Screens a client message before the engine sees it: `connection_init` is where
    /// credentials are checked, and nothing may be subscribed before it.
    async fn screen(
        &mut self,
        text: String,
        initialised: &mut bool,
        accepted: &Arc<Mutex<Option<Actor>>>,
        to_engine: &mpsc::UnboundedSender<String>,
    ) -> Step {
        let message: Option<serde_json::Value> = serde_json::from_str(&text).ok();
        let kind = message
            .as_ref()
            .and_then(|m| m.get("type"))
            .and_then(|t| t.as_str())
            .unwrap_or_default();
        match kind {
            "connection_init" if !*initialised => {
                let payload = message.as_ref().and_then(|m| m.get("payload"));
                let actor = match self.actor.clone() {
                    Some(actor) => actor,
                    None => match self.authenticate(payload).await {
                        Some(actor) => actor,
                        None => return Step::Close(close::FORBIDDEN, "Forbidden".into()),
                    },
                };
                self.actor = Some(actor.clone());
                if let Ok(mut slot) = accepted.lock() {
                    *slot = Some(actor);
                }
                *initialised = true;
            }
            "subscribe" if !*initialised => {
                return Step::Close(close::UNAUTHORIZED, "Unauthorized".into());
            }
            _ => {}
        }
        match to_engine.send(text) {
            Ok(()) => Step::Continue,
            Err(_) => Step::Stop,
        }
    }

    /// The actor of `{"authorization": "Bearer …"}`; `None` when missing or refused.
    async fn authenticate(&self, payload: Option<&serde_json::Value>) -> Option<Actor> {
        let value = payload?
            .as_object()?
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case("authorization"))?
            .1
            .as_str()?;
        let (scheme, token) = value.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return None;
        }
        access::authenticate(&self.core, token.trim(), self.client.clone())
            .await
            .ok()
    }

    /// Closes when the bus says the socket's session or key was revoked.
    async fn on_bus(
        &mut self,
        message: Result<Arc<BusMessage>, broadcast::error::RecvError>,
    ) -> Step {
        let message = match message {
            Ok(message) => message,
            // Messages were skipped: one of them may have been ours.
            Err(broadcast::error::RecvError::Lagged(_)) => return self.recheck().await,
            // The bus ends with the process.
            Err(broadcast::error::RecvError::Closed) => {
                return Step::Close(1001, "the server is going away".into());
            }
        };
        let Some(actor) = &self.actor else {
            return Step::Continue;
        };
        let revoked = match (&*message, actor.principal()) {
            (
                BusMessage::SessionRevoked { session_id },
                Principal::User {
                    session_id: mine, ..
                },
            ) => session_id == mine,
            (BusMessage::KeyRevoked { key_id }, Principal::ApiKey { key_id: mine, .. }) => {
                key_id == mine
            }
            _ => false,
        };
        if revoked {
            Step::Close(
                close::FORBIDDEN,
                "Forbidden: the credentials were revoked".into(),
            )
        } else {
            Step::Continue
        }
    }

    /// Re-checks the credential against the database and pings the client.
    async fn recheck(&mut self) -> Step {
        if let Some(actor) = &self.actor {
            match access::still_valid(&self.core, actor).await {
                Ok(false) => {
                    return Step::Close(
                        close::FORBIDDEN,
                        "Forbidden: the credentials were revoked".into(),
                    );
                }
                Ok(true) => {}
                Err(err) => {
                    tracing::warn!(error = %err, "re-checking a socket's credentials failed")
                }
            }
        }
        match self.session.ping(b"").await {
            Ok(()) => Step::Continue,
            Err(_) => Step::Stop,
        }
    }
}

/// The engine's own close codes, as `graphql-transport-ws` names them.
fn protocol_code(code: u16) -> u16 {
    match code {
        // A message that does not parse.
        1002 => close::INVALID_MESSAGE,
        // `subscribe` before the handshake (screened earlier; kept for safety).
        1011 => close::UNAUTHORIZED,
        other => other,
    }
}
