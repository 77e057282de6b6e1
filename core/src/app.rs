//! `Core`: the configuration, database, keys and limiters every service call needs.

use std::sync::Arc;

use anyhow::Context;
use secrecy::ExposeSecret;
use serde::Serialize;

use crate::auth::jwt::JwtKeys;
use crate::auth::limiter::Limiters;
use crate::auth::sealed::SecretBox;
use crate::auth::secrets;
use crate::config::Config;
use crate::db::{self, Db};
use crate::events::EventBus;
use crate::inbound::InboundLog;
use crate::inbound::queue::{InboundQueue, Streams};
use crate::pagination::CursorCodec;
use crate::repo::word_stats::WordStats;
use crate::schedule::{RedisIndex, Schedule};
use crate::service::pace::Pace;
use crate::{Error, Result};

/// Shared handle to everything a service needs; cheap to clone.
#[derive(Clone)]
pub struct Core(Arc<Inner>);

struct Inner {
    config: Config,
    db: Db,
    jwt: JwtKeys,
    cursors: CursorCodec,
    limiters: Limiters,
    redis: Option<redis::aio::ConnectionManager>,
    secret_box: SecretBox,
    bus: EventBus,
    inbound_log: InboundLog,
    inbound_queue: InboundQueue,
    inbound_sweep: Pace,
    schedule: Schedule,
    wake_sweep: crate::service::wake_sweep::Sweep,
    word_stats: WordStats,
    http: std::sync::OnceLock<reqwest::Client>,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("database", &self.0.config.database.url.split(':').next())
            .finish()
    }
}

/// What `/readyz` reports.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// Whether every dependency answered.
    pub ready: bool,
    /// `ok` or `unreachable`.
    pub database: &'static str,
    /// `ok`, `unreachable`, or `not_configured` (in-process queue).
    pub redis: &'static str,
}

impl Core {
    /// Connects to the database (migrating when configured) and Redis, and loads the keys.
    pub async fn build(config: Config) -> Result<Self> {
        let server_key = secrets::load_server_key(config.secret_key.as_ref(), &config.data_dir)?;
        let jwt = JwtKeys::load(&config.jwt, &config.data_dir)?;
        let db = db::connect(&config.database).await?;
        let (redis, bus, queue, schedule) = match &config.redis_url {
            Some(url) => {
                let (client, conn) = connect_redis(url).await?;
                let prefix = &config.redis_prefix;
                let bus = EventBus::over_redis(client, conn.clone(), prefix);
                let streams = Streams::new(conn.clone(), prefix, consumer_name());
                let index = RedisIndex::new(conn.clone(), prefix);
                if let Err(err) = index.retire_flat_set().await {
                    tracing::warn!(error = %err, "the former wake-up index stays in Redis");
                }
                let queue = InboundQueue::Streams(streams);
                (Some(conn), bus, queue, Schedule::Redis(index))
            }
            None => (
                None,
                EventBus::in_process(),
                InboundQueue::Memory(Arc::default()),
                Schedule::Memory(Arc::default()),
            ),
        };
        Ok(Self(Arc::new(Inner {
            cursors: CursorCodec::new(secrets::derive_key(&server_key, "cursor")),
            secret_box: SecretBox::new(&secrets::derive_key(&server_key, "secrets-at-rest"))?,
            bus,
            inbound_log: InboundLog::start(db.clone(), queue.clone()),
            inbound_queue: queue,
            inbound_sweep: Pace::new(crate::service::inbound::SWEEP_EVERY),
            schedule,
            wake_sweep: crate::service::wake_sweep::Sweep::new(),
            limiters: Limiters::new(&config.rate_limits),
            config,
            db,
            jwt,
            redis,
            word_stats: WordStats::default(),
            http: std::sync::OnceLock::new(),
        })))
    }

    /// The configuration this process runs with.
    pub fn config(&self) -> &Config {
        &self.0.config
    }

    pub(crate) fn db(&self) -> &Db {
        &self.0.db
    }

    /// Database statements this process has run (see [`Db::statements`]).
    pub fn db_statements(&self) -> u64 {
        self.0.db.statements()
    }

    pub(crate) fn jwt(&self) -> &JwtKeys {
        &self.0.jwt
    }

    /// Signs and checks list cursors.
    pub fn cursors(&self) -> &CursorCodec {
        &self.0.cursors
    }

    /// How common words are in message text, for planning searches.
    pub(crate) fn word_stats(&self) -> &WordStats {
        &self.0.word_stats
    }

    pub(crate) fn secret_box(&self) -> &SecretBox {
        &self.0.secret_box
    }

    /// The event bus live subscriptions listen to.
    pub fn bus(&self) -> &EventBus {
        &self.0.bus
    }

    /// The client that calls the platforms: rustls, no redirects, bounded waits.
    pub(crate) fn http(&self) -> &reqwest::Client {
        self.0
            .http
            .get_or_init(|| crate::platform_http::client(self.0.config.target_policy()))
    }

    /// The inbound-event log's writer.
    pub(crate) fn inbound_log(&self) -> &InboundLog {
        &self.0.inbound_log
    }

    /// The queue that spreads logged deliveries over the workers.
    pub(crate) fn inbound_queue(&self) -> &InboundQueue {
        &self.0.inbound_queue
    }

    /// When this process last swept the inbound-event log.
    pub(crate) fn inbound_sweep(&self) -> &Pace {
        &self.0.inbound_sweep
    }

    /// The wake-up index.
    pub(crate) fn schedule(&self) -> &Schedule {
        &self.0.schedule
    }

    /// When this process last re-indexed its wake-ups from the database.
    pub(crate) fn wake_sweep(&self) -> &crate::service::wake_sweep::Sweep {
        &self.0.wake_sweep
    }

    pub(crate) fn limiters(&self) -> &Limiters {
        &self.0.limiters
    }

    /// The public signing keys, as served at `/.well-known/jwks.json`.
    pub fn jwks(&self) -> serde_json::Value {
        serde_json::to_value(self.0.jwt.jwks())
            .unwrap_or_else(|_| serde_json::json!({ "keys": [] }))
    }

    /// Whether the platform token matches (constant time); `false` when none is configured.
    pub fn is_platform_token(&self, candidate: &str) -> bool {
        match &self.0.config.platform_token {
            Some(token) => {
                let expected = token.expose_secret().as_bytes();
                bool::from(subtle::ConstantTimeEq::ct_eq(
                    candidate.as_bytes(),
                    expected,
                ))
            }
            None => false,
        }
    }

    /// Checks the database and, when configured, Redis.
    pub async fn readiness(&self) -> Readiness {
        let wait = self.0.config.database.wait;
        let database = match tokio::time::timeout(wait, self.0.db.ping()).await {
            Ok(Ok(())) => "ok",
            _ => "unreachable",
        };
        let redis = match &self.0.redis {
            None => "not_configured",
            Some(conn) => match tokio::time::timeout(REDIS_WAIT, redis_ping(conn.clone())).await {
                Ok(Ok(())) => "ok",
                _ => "unreachable",
            },
        };
        Readiness {
            ready: database == "ok" && redis != "unreachable",
            database,
            redis,
        }
    }

    /// Closes the database pool.
    pub async fn shutdown(&self) {
        if let Err(err) = self.0.db.clone().close().await {
            tracing::warn!(error = %err, "closing the database pool failed");
        }
    }
}

/// This process's name among the inbound queue's consumers: host, process and a random
/// part, so a restarted process never takes over what its predecessor held.
fn consumer_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "earshot".to_owned());
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}-{}-{}", std::process::id(), &random[..8])
}

/// Longest a request waits on Redis: it only speeds things up, so when it is away the
/// request goes on without it (events wait in the outbox to be published).
const REDIS_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

async fn connect_redis(url: &str) -> Result<(redis::Client, redis::aio::ConnectionManager)> {
    let client = redis::Client::open(url).context("REDIS_URL: not a valid Redis URL")?;
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(REDIS_WAIT))
        .set_response_timeout(Some(REDIS_WAIT))
        // Reconnect attempts stay short; a command never waits behind a long backoff.
        .set_number_of_retries(2)
        .set_max_delay(REDIS_WAIT);
    let conn = client
        .get_connection_manager_with_config(config)
        .await
        .map_err(|e| Error::Unavailable(format!("Redis cannot be reached: {e}")))?;
    Ok((client, conn))
}

async fn redis_ping(mut conn: redis::aio::ConnectionManager) -> Result<()> {
    let _: String = redis::cmd("PING").query_async(&mut conn).await?;
    Ok(())
}
