//! Test helpers: a real server on a real port per test, on a fresh SQLite file or (with
#![expect(
    clippy::expect_used,
    reason = "test helpers fail the test at once when setting up fails"
)]
//! `TEST_DATABASE_URL`) a fresh PostgreSQL database, with a Redis prefix of its own.

pub use earshot_fakes as platforms;
pub mod servers;

use std::net::TcpListener;

use earshot_api::Api;
use earshot_core::{Config, Core};
use earshot_worker::Consumer;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;

/// The platform token every test app accepts.
pub const PLATFORM_TOKEN: &str = "test-platform-token-0123456789";
/// The password of every user the fixtures create.
pub const PASSWORD: &str = "correct horse battery staple";

/// A running API server and what it runs on.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// A client without cookies or redirects.
    pub client: reqwest::Client,
    /// The same core the server uses.
    pub core: Core,
    handle: actix_web::dev::ServerHandle,
    postgres: Option<(String, String)>,
    /// The worker's fan-out, running beside the server as in `earshot serve` (none when the
    /// test steps the worker itself).
    fan_out: Option<tokio::task::JoinHandle<()>>,
    _dir: TempDir,
}

/// One event as the outbox stores it.
#[derive(Clone, Debug)]
pub struct OutboxRow {
    /// `conversation.created`, `conversation.updated`, `message.created`, …
    pub event_type: String,
    /// The conversation it is about.
    pub conversation_id: Option<String>,
    /// The event as subscribers receive it.
    pub payload: Value,
    /// Whether it has been published.
    pub published: bool,
}

/// One delivery of the inbound-event log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboundRow {
    /// The channel it came in on.
    pub channel_id: String,
    /// What makes a redelivery the same delivery.
    pub platform_event_id: String,
    /// The delivery as received.
    pub body: String,
    /// The worker has processed it.
    pub processed: bool,
    /// What could not be applied, if anything.
    pub last_error: Option<String>,
}

/// SQLite's write lock, held by another connection.
pub struct SqliteLock(sea_orm::DatabaseConnection);

impl SqliteLock {
    /// Lets go of the lock.
    pub async fn release(self) {
        use sea_orm::ConnectionTrait as _;
        self.0.execute_unprepared("ROLLBACK").await.expect("unlock");
        self.0.close().await.expect("close");
    }
}

/// One organization with one workspace and its owner, logged in.
#[derive(Clone, Debug)]
pub struct Tenant {
    /// Organization id.
    pub org_id: String,
    /// Workspace id.
    pub workspace_id: String,
    /// Owner's user id.
    pub user_id: String,
    /// Owner's email.
    pub email: String,
    /// Owner's access token.
    pub token: String,
}

/// An HTTP client for tests (installs the TLS provider reqwest needs first).
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The config of a test app: everything local, limits out of the way.
pub fn test_config(dir: &std::path::Path) -> Config {
    let mut config = Config::defaults().expect("default config");
    config.bind = "127.0.0.1:0".into();
    config.data_dir = dir.to_path_buf();
    config.database.url = format!("sqlite://{}?mode=rwc", dir.join("earshot.db").display());
    config.platform_token = Some(PLATFORM_TOKEN.to_owned().into());
    config.bootstrap_demo = false;
    config.allow_private_targets = true;
    config.rate_limits.login_per_account = 1000;
    config.rate_limits.login_per_ip = 100_000;
    config.rate_limits.requests_per_minute = 100_000;
    config.redis_url = std::env::var("TEST_REDIS_URL").ok();
    config.redis_prefix = format!("earshot-test-{}:", uuid::Uuid::new_v4().simple());
    config.shutdown_timeout = std::time::Duration::from_secs(1);
    config
}

impl TestApp {
    /// A server with the test config, its events fanned out to live subscribers by the
    /// worker's fan-out running beside it.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// A server with the test config changed by `adjust`, the fan-out beside it.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let mut app = Self::spawn_stepped_with(adjust).await;
        app.fan_out = Some(tokio::spawn(Consumer::FanOut.run(app.core.clone())));
        app
    }

    /// A server with no worker beside it: the test steps the worker's consumers itself.
    pub async fn spawn_stepped() -> TestApp {
        Self::spawn_stepped_with(|_| {}).await
    }

    /// [`TestApp::spawn_stepped`] with the config changed by `adjust`.
    pub async fn spawn_stepped_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let _ = rustls::crypto::ring::default_provider().install_default();
        if std::env::var("TEST_LOG").is_ok() {
            let mut log = test_config(std::path::Path::new("."));
            log.log_format = earshot_core::config::LogFormat::Pretty;
            log.log_filter = "debug".into();
            earshot_api::telemetry::init(&log);
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = test_config(dir.path());
        let postgres = match std::env::var("TEST_DATABASE_URL") {
            Ok(admin) => {
                let name = format!("earshot_t_{}", uuid::Uuid::new_v4().simple());
                config.database.url = earshot_core::db::create_postgres_database(&admin, &name)
                    .await
                    .expect("create test database");
                config.database.max_connections = 5;
                Some((admin, name))
            }
            Err(_) => None,
        };
        adjust(&mut config);
        let core = Core::build(config).await.expect("core");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let api = Api::build_with_listener(core.clone(), listener).expect("api");
        let address = format!("http://127.0.0.1:{}", api.port());
        let handle = api.handle();
        tokio::spawn(api.run_until_stopped());
        let client = http_client();
        TestApp {
            address,
            client,
            core,
            handle,
            postgres,
            fan_out: None,
            _dir: dir,
        }
    }

    /// A second API process on the same database, data directory (so the same signing keys)
    /// and Redis prefix: what one process publishes, the other hears. With
    /// `TEST_REDIS_URL` the two share Redis pub/sub; without it each has its own in-process
    /// bus, as two embedded processes would. Keep `self` alive while the sibling runs.
    pub async fn sibling(&self) -> TestApp {
        let config = self.core.config().clone();
        let core = Core::build(config).await.expect("sibling core");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let api = Api::build_with_listener(core.clone(), listener).expect("sibling api");
        let address = format!("http://127.0.0.1:{}", api.port());
        let handle = api.handle();
        tokio::spawn(api.run_until_stopped());
        let fan_out = self
            .fan_out
            .is_some()
            .then(|| tokio::spawn(Consumer::FanOut.run(core.clone())));
        TestApp {
            address,
            client: http_client(),
            core,
            handle,
            postgres: None,
            fan_out,
            _dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// The WebSocket URL of GraphQL subscriptions.
    pub fn ws_url(&self) -> String {
        format!("{}/graphql", self.address.replacen("http://", "ws://", 1))
    }

    /// Has the database gather its planner statistics now, as autovacuum would in time.
    pub async fn analyze(&self) {
        self.execute_sql("ANALYZE").await;
    }

    /// Runs a statement on the app's database over a connection of its own, for what no
    /// route does (a process stopping between commit and publishing, say).
    pub async fn execute_sql(&self, sql: &str) {
        use sea_orm::ConnectionTrait as _;
        let db = self.database().await;
        db.execute_unprepared(sql).await.expect("statement");
        db.close().await.expect("close");
    }

    /// The JSON answer of a `GET` that must succeed.
    pub async fn get_json(&self, path: &str, token: &str) -> Value {
        let response = self.get(path, token).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.expect("a JSON answer")
    }

    /// The OpenAPI document the server serves.
    pub async fn openapi_document(&self) -> Value {
        let response = self.request(Method::GET, "/openapi.json", None, None).await;
        response.json().await.expect("the OpenAPI document")
    }

    /// Takes SQLite's write lock from a connection of another "process" and holds it until
    /// `release`: the app's writers then wait for it (readers go on, as WAL allows).
    pub async fn hold_sqlite_write_lock(&self) -> SqliteLock {
        use sea_orm::ConnectionTrait as _;
        let url = self.core.config().database.url.clone();
        let options = sea_orm::ConnectOptions::new(url)
            .max_connections(1)
            .sqlx_logging(false)
            .to_owned();
        let db = sea_orm::Database::connect(options).await.expect("connect");
        db.execute_unprepared("BEGIN EXCLUSIVE")
            .await
            .expect("lock");
        SqliteLock(db)
    }

    /// Every event the outbox holds, oldest first.
    pub async fn outbox(&self) -> Vec<OutboxRow> {
        use sea_orm::ConnectionTrait as _;
        let db = self.database().await;
        let sql = "SELECT event_type, conversation_id, payload, published_at FROM outbox \
                   ORDER BY created_at, id";
        let statement = sea_orm::Statement::from_string(db.get_database_backend(), sql);
        let rows = db.query_all_raw(statement).await.expect("outbox rows");
        let outbox = rows
            .iter()
            .map(|row| OutboxRow {
                event_type: row.try_get("", "event_type").expect("event_type"),
                conversation_id: row
                    .try_get::<Option<uuid::Uuid>>("", "conversation_id")
                    .expect("conversation_id")
                    .map(|id| id.to_string()),
                payload: row.try_get("", "payload").expect("payload"),
                published: row
                    .try_get::<Option<chrono::DateTime<chrono::Utc>>>("", "published_at")
                    .expect("published_at")
                    .is_some(),
            })
            .collect();
        db.close().await.expect("close");
        outbox
    }

    /// Every delivery the inbound-event log holds, oldest first.
    pub async fn inbound_events(&self) -> Vec<InboundRow> {
        use sea_orm::ConnectionTrait as _;
        let db = self.database().await;
        let sql = "SELECT channel_id, platform_event_id, body, processed_at, last_error \
                   FROM inbound_events ORDER BY id";
        let statement = sea_orm::Statement::from_string(db.get_database_backend(), sql);
        let rows = db.query_all_raw(statement).await.expect("inbound rows");
        let events = rows
            .iter()
            .map(|row| {
                let channel: uuid::Uuid = row.try_get("", "channel_id").expect("channel_id");
                InboundRow {
                    channel_id: channel.to_string(),
                    platform_event_id: row.try_get("", "platform_event_id").expect("id"),
                    body: row.try_get("", "body").expect("body"),
                    processed: row
                        .try_get::<Option<chrono::DateTime<chrono::Utc>>>("", "processed_at")
                        .expect("processed_at")
                        .is_some(),
                    last_error: row.try_get("", "last_error").expect("last_error"),
                }
            })
            .collect();
        db.close().await.expect("close");
        events
    }

    async fn database(&self) -> sea_orm::DatabaseConnection {
        let url = self.core.config().database.url.clone();
        let options = sea_orm::ConnectOptions::new(url)
            .sqlx_logging(false)
            .to_owned();
        sea_orm::Database::connect(options).await.expect("connect")
    }

    /// The value `/metrics` shows for a series (its name with any labels, as printed), 0
    /// when it shows none.
    pub async fn metric(&self, series: &str) -> f64 {
        let metrics = self
            .request(Method::GET, "/metrics", None, None)
            .await
            .text()
            .await
            .unwrap_or_default();
        let prefix = format!("{series} ");
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or(0.0)
    }

    /// The full URL of a path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.expect("request sent")
    }

    /// `GET` with a token.
    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token), None).await
    }

    /// `POST` JSON with a token.
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::POST, path, Some(token), Some(body))
            .await
    }

    /// `PATCH` JSON with a token.
    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    /// `DELETE` with a token.
    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.request(Method::DELETE, path, Some(token), None).await
    }

    /// A GraphQL request with an optional token; returns the JSON answer.
    pub async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let body = json!({ "query": query, "variables": variables });
        let response = self
            .request(Method::POST, "/graphql", token, Some(body))
            .await;
        response.json().await.expect("graphql json")
    }

    /// Creates an organization (and a workspace) through the platform token.
    pub async fn create_org(&self, name: &str, email: &str) -> Value {
        let body = json!({
            "name": name,
            "owner": { "email": email, "password": PASSWORD },
            "workspace_name": format!("{name} desk"),
        });
        let response = self.post("/v1/orgs", PLATFORM_TOKEN, body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "create org");
        response.json().await.expect("org json")
    }

    /// Logs in and returns the token pair.
    pub async fn login(&self, email: &str, password: &str) -> Value {
        let body = json!({ "email": email, "password": password });
        let response = self
            .request(Method::POST, "/v1/auth/login", None, Some(body))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "login {email}");
        response.json().await.expect("tokens json")
    }

    /// A new organization with a workspace and a logged-in owner.
    pub async fn tenant(&self, name: &str) -> Tenant {
        let email = format!("owner@{}.test", name.to_lowercase().replace(' ', "-"));
        let created = self.create_org(name, &email).await;
        let tokens = self.login(&email, PASSWORD).await;
        Tenant {
            org_id: str_of(&created["org"]["id"]),
            workspace_id: str_of(&created["workspace"]["id"]),
            user_id: str_of(&created["owner"]["id"]),
            email,
            token: str_of(&tokens["access_token"]),
        }
    }

    /// Two unrelated tenants: the fixture of every isolation test.
    pub async fn two_workspaces() -> (TestApp, Tenant, Tenant) {
        let app = Self::spawn().await;
        let a = app.tenant("Acme").await;
        let b = app.tenant("Globex").await;
        (app, a, b)
    }

    /// Adds a member with a role to the tenant's workspace and logs them in; returns
    /// (user id, token).
    pub async fn member_with_role(&self, tenant: &Tenant, role: &str) -> (String, String) {
        let email = format!(
            "{role}-{}@{}",
            uuid::Uuid::new_v4().simple(),
            tenant.email.split('@').nth(1).unwrap_or("x.test")
        );
        let path = format!("/v1/workspaces/{}/members", tenant.workspace_id);
        let response = self
            .post(
                &path,
                &tenant.token,
                json!({ "email": email, "role": role }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "add {role}");
        let added: Value = response.json().await.expect("member json");
        let invitation = str_of(&added["invitation_token"]);
        let body = json!({ "token": invitation, "password": PASSWORD });
        let response = self
            .request(
                Method::POST,
                "/v1/auth/invitations/accept",
                None,
                Some(body),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "accept invitation");
        let tokens: Value = response.json().await.expect("tokens");
        (
            str_of(&added["member"]["user_id"]),
            str_of(&tokens["access_token"]),
        )
    }

    /// Creates an API key with the scopes in the tenant's workspace; returns (id, secret).
    pub async fn api_key(&self, tenant: &Tenant, scopes: &[&str]) -> (String, String) {
        let path = format!("/v1/workspaces/{}/api-keys", tenant.workspace_id);
        let response = self
            .post(
                &path,
                &tenant.token,
                json!({ "name": "integration", "scopes": scopes }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "create key");
        let created: Value = response.json().await.expect("key json");
        (str_of(&created["key"]["id"]), str_of(&created["secret"]))
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(fan_out) = self.fan_out.take() {
            fan_out.abort();
        }
        drop(self.handle.stop(false));
        if let Some((admin, name)) = self.postgres.take() {
            // A thread of its own: this may run inside the test's runtime.
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    let _ = rt.block_on(earshot_core::db::drop_postgres_database(&admin, &name));
                }
            })
            .join();
        }
    }
}

/// A JSON string value as an owned string (empty when absent).
pub fn str_of(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// Asserts a problem+json answer with the status and code; returns the body.
pub async fn assert_problem(response: Response, status: u16, code: &str) -> Value {
    let actual = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "status, body {body}");
    assert_eq!(body["code"], code, "code, body {body}");
    assert!(
        content_type.starts_with("application/problem+json"),
        "content type {content_type}"
    );
    assert_eq!(body["status"], status);
    body
}

/// The `api` channel: where partners push customer messages.
impl TestApp {
    /// Creates an `api` channel in the tenant's workspace; returns its id.
    pub async fn api_channel(&self, tenant: &Tenant) -> String {
        let path = format!("/v1/workspaces/{}/channels", tenant.workspace_id);
        let body = json!({ "kind": "api", "name": "Partner feed" });
        let response = self.post(&path, &tenant.token, body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "create api channel");
        let created: Value = response.json().await.expect("channel json");
        str_of(&created["id"])
    }

    /// Pushes a customer message into a channel of the tenant's workspace with a key or token.
    pub async fn push(
        &self,
        tenant: &Tenant,
        token: &str,
        channel_id: &str,
        body: Value,
    ) -> Response {
        let path = format!(
            "/v1/workspaces/{}/channels/{channel_id}/inbound",
            tenant.workspace_id
        );
        self.post(&path, token, body).await
    }

    /// Pushes a customer message to be stored by the worker (`Prefer: respond-async`);
    /// expects `202` and returns the answer (the logged delivery).
    pub async fn push_async(
        &self,
        tenant: &Tenant,
        token: &str,
        channel_id: &str,
        body: Value,
    ) -> Value {
        let path = format!(
            "/v1/workspaces/{}/channels/{channel_id}/inbound",
            tenant.workspace_id
        );
        let response = self
            .client
            .post(self.url(&path))
            .bearer_auth(token)
            .header("Prefer", "respond-async")
            .json(&body)
            .send()
            .await
            .expect("push");
        assert_eq!(
            response.status(),
            StatusCode::ACCEPTED,
            "pushed to be stored later"
        );
        response.json().await.expect("a JSON answer")
    }
}
