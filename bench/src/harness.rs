//! The API served in-process on the benchmark database, and a thin HTTP client for it.

use std::net::TcpListener;

use anyhow::{Context, bail};
use earshot_api::Api;
use earshot_core::{Config, Core};
use serde_json::{Value, json};
use tempfile::TempDir;

/// The owner every seeded workspace gets; `run` logs in as this user.
pub const OWNER_EMAIL: &str = "owner@bench.earshot.test";
/// The owner's password.
pub const OWNER_PASSWORD: &str = "bench password 0123456789";
/// The name of the seeded workspace, by which `run` finds it.
pub const WORKSPACE_NAME: &str = "Bench desk";

/// A running API server on the benchmark database.
pub struct Server {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The core the server runs on (a worker may run beside it on the same core).
    pub core: Core,
    /// The platform token this server accepts.
    pub platform_token: String,
    stop: Box<dyn FnOnce() + Send>,
    _dir: TempDir,
}

impl Server {
    /// Connects (migrating) and serves on a free port. `pool` is the database pool size.
    pub async fn start(database_url: &str, pool: u32) -> anyhow::Result<Self> {
        Self::start_with(database_url, pool, |_| {}).await
    }

    /// [`Server::start`] with the configuration changed by `adjust`.
    pub async fn start_with(
        database_url: &str,
        pool: u32,
        adjust: impl FnOnce(&mut Config),
    ) -> anyhow::Result<Self> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().context("temporary data dir")?;
        let platform_token = format!("bench-{}", uuid::Uuid::new_v4().simple());
        let mut config = Config::defaults()?;
        config.bind = "127.0.0.1:0".into();
        config.data_dir = dir.path().to_path_buf();
        config.database.url = database_url.to_owned();
        config.database.max_connections = pool;
        config.database.migrate_on_start = true;
        config.platform_token = Some(platform_token.clone().into());
        config.bootstrap_demo = false;
        // The per-caller request limit would measure the limiter, not the inbox.
        config.rate_limits.requests_per_minute = 100_000_000;
        config.rate_limits.login_per_account = 1_000;
        config.rate_limits.login_per_ip = 1_000;
        adjust(&mut config);
        let core = Core::build(config).await.context("building core")?;
        let listener = TcpListener::bind("127.0.0.1:0").context("binding a port")?;
        let api = Api::build_with_listener(core.clone(), listener)?;
        let base = format!("http://127.0.0.1:{}", api.port());
        let stop = api.handle();
        tokio::spawn(api.run_until_stopped());
        Ok(Self {
            base,
            core,
            platform_token,
            // The stop command is sent at once; its future only waits for the workers.
            stop: Box::new(move || drop(stop.stop(true))),
            _dir: dir,
        })
    }

    /// Stops serving.
    pub fn stop(self) {
        (self.stop)();
    }
}

/// A reqwest client that keeps connections alive.
pub fn client(pool: usize) -> anyhow::Result<reqwest::Client> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(pool)
        .tcp_nodelay(true)
        .build()?)
}

/// POSTs JSON with a bearer token and returns the JSON answer, failing on a non-2xx status.
pub async fn post(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    body: Value,
) -> anyhow::Result<Value> {
    let mut request = client.post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = response.status();
    let text = response.text().await?;
    if !status.is_success() {
        bail!("POST {url}: {status}: {text}");
    }
    Ok(serde_json::from_str(&text)?)
}

/// Logs the seeded owner in and returns an access token.
pub async fn login(client: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let tokens = post(
        client,
        &format!("{base}/v1/auth/login"),
        None,
        json!({ "email": OWNER_EMAIL, "password": OWNER_PASSWORD }),
    )
    .await?;
    string_at(&tokens, &["access_token"])
}

/// The string at a path of keys in a JSON document.
pub fn string_at(value: &Value, path: &[&str]) -> anyhow::Result<String> {
    let mut at = value;
    for key in path {
        at = &at[*key];
    }
    at.as_str()
        .map(str::to_owned)
        .with_context(|| format!("no string at {} in {value}", path.join(".")))
}
