//! Configuration, read once from the environment (and an optional TOML file) and validated.
//!
//! A bad value stops the process with a message naming the setting, such as
//! `EARSHOT_BIND: not a socket address`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// A setting that could not be used, named as the operator writes it.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {setting}: {message}")]
pub struct ConfigError {
    /// The environment name of the setting, such as `EARSHOT_BIND`.
    pub setting: String,
    /// What is wrong with it.
    pub message: String,
}

impl ConfigError {
    fn new(setting: &str, message: impl Into<String>) -> Self {
        Self {
            setting: env_name(setting),
            message: message.into(),
        }
    }
}

fn env_name(key: &str) -> String {
    match key {
        "database_url" => "DATABASE_URL".into(),
        "redis_url" => "REDIS_URL".into(),
        other => format!("EARSHOT_{}", other.to_uppercase()),
    }
}

/// The JWT signing algorithm; only this one is accepted on verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtAlgorithm {
    /// Ed25519 signatures (the default).
    EdDsa,
    /// RSA PKCS#1 v1.5 with SHA-256, with a key from configuration.
    Rs256,
    /// HMAC-SHA256 with a shared secret from configuration.
    Hs256,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object a line (the default).
    Json,
    /// Human-readable lines for a terminal.
    Pretty,
}

/// Settings exactly as read, before validation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
struct RawConfig {
    bind: String,
    data_dir: PathBuf,
    database_url: Option<String>,
    database_max_connections: Option<u32>,
    database_wait_ms: u64,
    database_statement_timeout_ms: u64,
    migrate_on_start: bool,
    redis_url: Option<String>,
    redis_prefix: String,
    platform_token: Option<String>,
    secret_key: Option<String>,
    jwt_algorithm: String,
    jwt_private_key_file: Option<PathBuf>,
    jwt_secret: Option<String>,
    jwt_issuer: String,
    jwt_audience: String,
    access_token_ttl_secs: u64,
    refresh_token_ttl_secs: u64,
    body_limit_bytes: usize,
    cors_origins: String,
    trust_forwarded_for: bool,
    allow_private_targets: bool,
    allowed_targets: String,
    open_signup: bool,
    bootstrap_demo: bool,
    login_attempts_per_account: u32,
    login_attempts_per_ip: u32,
    requests_per_minute: u32,
    search_listed_matches: usize,
    search_latest_stretch: u64,
    log_format: String,
    log_filter: String,
    shutdown_timeout_secs: u64,
}

impl Default for RawConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            database_max_connections: None,
            database_wait_ms: 2000,
            database_statement_timeout_ms: 30_000,
            migrate_on_start: true,
            redis_url: None,
            redis_prefix: "earshot:".into(),
            platform_token: None,
            secret_key: None,
            jwt_algorithm: "EdDSA".into(),
            jwt_private_key_file: None,
            jwt_secret: None,
            jwt_issuer: "earshot".into(),
            jwt_audience: "earshot-api".into(),
            access_token_ttl_secs: 900,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            body_limit_bytes: 1024 * 1024,
            cors_origins: String::new(),
            trust_forwarded_for: false,
            allow_private_targets: false,
            allowed_targets: String::new(),
            open_signup: false,
            bootstrap_demo: true,
            login_attempts_per_account: 10,
            login_attempts_per_ip: 50,
            requests_per_minute: 1200,
            search_listed_matches: 2000,
            search_latest_stretch: 1000,
            log_format: "json".into(),
            log_filter: "info".into(),
            shutdown_timeout_secs: 30,
        }
    }
}

/// Where the database lives and how to connect.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// `sqlite://…` or `postgres://…`.
    pub url: String,
    /// Pool size; SQLite uses one writer connection unless told otherwise.
    pub max_connections: u32,
    /// How long a request waits for the database — a pooled connection, a new connection,
    /// a locked SQLite file — before it answers `503`.
    pub wait: Duration,
    /// Longest a statement may run on PostgreSQL before the server cancels it.
    pub statement_timeout: Duration,
    /// Apply pending migrations when connecting.
    pub migrate_on_start: bool,
}

/// JWT settings.
#[derive(Debug, Clone)]
pub struct JwtConfig {
    /// The one accepted algorithm.
    pub algorithm: JwtAlgorithm,
    /// PEM file of the private key (EdDSA or RS256); EdDSA without one uses a development key.
    pub private_key_file: Option<PathBuf>,
    /// Shared secret for HS256.
    pub secret: Option<SecretString>,
    /// `iss` claim.
    pub issuer: String,
    /// `aud` claim.
    pub audience: String,
    /// Lifetime of access tokens.
    pub access_ttl: Duration,
    /// Lifetime of a login session's refresh tokens.
    pub refresh_ttl: Duration,
}

/// Limits on login attempts and on API requests.
#[derive(Debug, Clone, Copy)]
pub struct RateLimits {
    /// Login attempts per account per 15 minutes.
    pub login_per_account: u32,
    /// Login attempts per client address per 15 minutes.
    pub login_per_ip: u32,
    /// Requests per minute per API key or user.
    pub requests_per_minute: u32,
}

/// The validated configuration of one process.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address the API listens on.
    pub bind: String,
    /// SQLite file and development keys.
    pub data_dir: PathBuf,
    /// Database connection.
    pub database: DatabaseConfig,
    /// Redis URL; `None` runs the in-process queue and scheduler.
    pub redis_url: Option<String>,
    /// Prefix of every Redis key, stream and channel.
    pub redis_prefix: String,
    /// Token that lets the platform operator create organizations.
    pub platform_token: Option<SecretString>,
    /// Base64 of 32 bytes: encryption at rest and signed cursors; development key when unset.
    pub secret_key: Option<SecretString>,
    /// Token signing.
    pub jwt: JwtConfig,
    /// Largest request body in bytes.
    pub body_limit_bytes: usize,
    /// Origins allowed by CORS; empty grants nothing.
    pub cors_origins: Vec<String>,
    /// Take the client address from `X-Forwarded-For` (behind a trusted proxy only).
    pub trust_forwarded_for: bool,
    /// Let webhooks and channel base URLs point at private addresses.
    pub allow_private_targets: bool,
    /// Hosts that may be called whatever they resolve to (a proxy or fake inside the
    /// network), without opening every private address.
    pub allowed_targets: Vec<String>,
    /// Anyone may create an organization with `POST /v1/orgs`.
    pub open_signup: bool,
    /// On an empty database, create a demo organization and owner and print the login.
    pub bootstrap_demo: bool,
    /// Rate limits.
    pub rate_limits: RateLimits,
    /// How many matches one way of matching a search may have and still be listed by id;
    /// above it the inbox walks in order (see `repo::search`).
    pub search_listed_matches: usize,
    /// How many of the latest conversations a search for common words looks through
    /// before it reads the words' index (see `repo::inbox`).
    pub search_latest_stretch: u64,
    /// Log format.
    pub log_format: LogFormat,
    /// `tracing` filter directives.
    pub log_filter: String,
    /// How long shutdown waits for requests in flight.
    pub shutdown_timeout: Duration,
}

impl Config {
    /// Reads `EARSHOT_CONFIG` (a TOML file, optional), then `EARSHOT_*`, `DATABASE_URL` and
    /// `REDIS_URL` from the environment, and validates the result.
    pub fn load() -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(RawConfig::default()));
        if let Ok(path) = std::env::var("EARSHOT_CONFIG") {
            if !std::path::Path::new(&path).is_file() {
                return Err(ConfigError::new("config", format!("no such file: {path}")));
            }
            figment = figment.merge(Toml::file(path));
        }
        let figment = figment
            .merge(Env::raw().only(&["database_url", "redis_url"]))
            .merge(Env::prefixed("EARSHOT_").ignore(&["config"]));
        let raw: RawConfig = figment.extract().map_err(from_figment)?;
        raw.validate()
    }

    /// The defaults, as when nothing is set; tests adjust the fields they need.
    pub fn defaults() -> Result<Self, ConfigError> {
        RawConfig::default().validate()
    }

    /// Whether the database is SQLite (the embedded default).
    pub fn is_sqlite(&self) -> bool {
        self.database.url.starts_with("sqlite:")
    }
}

fn from_figment(err: figment::Error) -> ConfigError {
    let key = err.path.join("_");
    let message = match &err.kind {
        figment::error::Kind::InvalidType(actual, expected) => {
            format!("expected {expected}, found {actual}")
        }
        kind => kind.to_string(),
    };
    ConfigError::new(if key.is_empty() { "config" } else { &key }, message)
}

impl RawConfig {
    fn validate(self) -> Result<Config, ConfigError> {
        self.bind.parse::<SocketAddr>().map_err(|_| {
            ConfigError::new("bind", format!("not a socket address: {}", self.bind))
        })?;
        let database = self.database_config()?;
        if let Some(url) = &self.redis_url
            && !(url.starts_with("redis://") || url.starts_with("rediss://"))
        {
            return Err(ConfigError::new(
                "redis_url",
                "must start with redis:// or rediss://",
            ));
        }
        let jwt = self.jwt_config()?;
        if let Some(token) = &self.platform_token
            && token.len() < 16
        {
            return Err(ConfigError::new(
                "platform_token",
                "must be at least 16 characters",
            ));
        }
        if self.body_limit_bytes < 1024 {
            return Err(ConfigError::new(
                "body_limit_bytes",
                "must be at least 1024",
            ));
        }
        let rate_limits = self.rate_limits()?;
        if !(1..=10_000).contains(&self.search_listed_matches) {
            return Err(ConfigError::new(
                "search_listed_matches",
                "must be between 1 and 10000",
            ));
        }
        if !(1..=100_000).contains(&self.search_latest_stretch) {
            return Err(ConfigError::new(
                "search_latest_stretch",
                "must be between 1 and 100000",
            ));
        }
        let log_format = match self.log_format.as_str() {
            "json" => LogFormat::Json,
            "pretty" => LogFormat::Pretty,
            other => {
                return Err(ConfigError::new(
                    "log_format",
                    format!("expected json or pretty, found {other}"),
                ));
            }
        };
        Ok(Config {
            bind: self.bind,
            data_dir: self.data_dir,
            database,
            redis_url: self.redis_url,
            redis_prefix: self.redis_prefix,
            platform_token: self.platform_token.map(SecretString::from),
            secret_key: self.secret_key.map(SecretString::from),
            jwt,
            body_limit_bytes: self.body_limit_bytes,
            cors_origins: split_list(&self.cors_origins),
            trust_forwarded_for: self.trust_forwarded_for,
            allow_private_targets: self.allow_private_targets,
            allowed_targets: split_list(&self.allowed_targets),
            open_signup: self.open_signup,
            bootstrap_demo: self.bootstrap_demo,
            rate_limits,
            search_listed_matches: self.search_listed_matches,
            search_latest_stretch: self.search_latest_stretch,
            log_format,
            log_filter: self.log_filter,
            shutdown_timeout: Duration::from_secs(self.shutdown_timeout_secs),
        })
    }

    fn database_config(&self) -> Result<DatabaseConfig, ConfigError> {
        let url = match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("earshot.db").display()
            ),
        };
        let sqlite = url.starts_with("sqlite:");
        if !sqlite && !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
            return Err(ConfigError::new(
                "database_url",
                "must start with sqlite:, postgres:// or postgresql://",
            ));
        }
        let max_connections = self
            .database_max_connections
            .unwrap_or(if sqlite { 1 } else { 10 });
        if max_connections == 0 {
            return Err(ConfigError::new(
                "database_max_connections",
                "must be at least 1",
            ));
        }
        if !(100..=60_000).contains(&self.database_wait_ms) {
            return Err(ConfigError::new(
                "database_wait_ms",
                "must be between 100 and 60000",
            ));
        }
        if !(100..=3_600_000).contains(&self.database_statement_timeout_ms) {
            return Err(ConfigError::new(
                "database_statement_timeout_ms",
                "must be between 100 and 3600000",
            ));
        }
        Ok(DatabaseConfig {
            url,
            max_connections,
            wait: Duration::from_millis(self.database_wait_ms),
            statement_timeout: Duration::from_millis(self.database_statement_timeout_ms),
            migrate_on_start: self.migrate_on_start,
        })
    }

    fn jwt_config(&self) -> Result<JwtConfig, ConfigError> {
        let algorithm = match self.jwt_algorithm.as_str() {
            "EdDSA" => JwtAlgorithm::EdDsa,
            "RS256" => JwtAlgorithm::Rs256,
            "HS256" => JwtAlgorithm::Hs256,
            other => {
                return Err(ConfigError::new(
                    "jwt_algorithm",
                    format!("expected EdDSA, RS256 or HS256, found {other}"),
                ));
            }
        };
        if algorithm == JwtAlgorithm::Rs256 && self.jwt_private_key_file.is_none() {
            return Err(ConfigError::new(
                "jwt_private_key_file",
                "RS256 needs a PEM private key file",
            ));
        }
        if algorithm == JwtAlgorithm::Hs256 && self.jwt_secret.as_ref().is_none_or(|s| s.len() < 32)
        {
            return Err(ConfigError::new(
                "jwt_secret",
                "HS256 needs a secret of at least 32 characters",
            ));
        }
        if self.access_token_ttl_secs == 0 || self.access_token_ttl_secs > 24 * 3600 {
            return Err(ConfigError::new(
                "access_token_ttl_secs",
                "must be between 1 and 86400",
            ));
        }
        if self.refresh_token_ttl_secs < self.access_token_ttl_secs {
            return Err(ConfigError::new(
                "refresh_token_ttl_secs",
                "must not be shorter than the access token lifetime",
            ));
        }
        Ok(JwtConfig {
            algorithm,
            private_key_file: self.jwt_private_key_file.clone(),
            secret: self.jwt_secret.clone().map(SecretString::from),
            issuer: self.jwt_issuer.clone(),
            audience: self.jwt_audience.clone(),
            access_ttl: Duration::from_secs(self.access_token_ttl_secs),
            refresh_ttl: Duration::from_secs(self.refresh_token_ttl_secs),
        })
    }

    fn rate_limits(&self) -> Result<RateLimits, ConfigError> {
        for (key, value) in [
            (
                "login_attempts_per_account",
                self.login_attempts_per_account,
            ),
            ("login_attempts_per_ip", self.login_attempts_per_ip),
            ("requests_per_minute", self.requests_per_minute),
        ] {
            if value == 0 {
                return Err(ConfigError::new(key, "must be at least 1"));
            }
        }
        Ok(RateLimits {
            login_per_account: self.login_attempts_per_account,
            login_per_ip: self.login_attempts_per_ip,
            requests_per_minute: self.requests_per_minute,
        })
    }
}

fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

impl Config {
    /// What outbound calls may reach.
    pub fn target_policy(&self) -> crate::platform_http::TargetPolicy {
        crate::platform_http::TargetPolicy {
            allow_private: self.allow_private_targets,
            allowed_hosts: self.allowed_targets.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_set_gives_a_working_sqlite_default() {
        let config = Config::defaults().unwrap();
        assert!(config.is_sqlite());
        assert_eq!(config.bind, "127.0.0.1:8080");
        assert_eq!(config.jwt.algorithm, JwtAlgorithm::EdDsa);
        assert!(config.redis_url.is_none());
    }

    #[test]
    fn allowed_targets_are_a_comma_separated_list_of_hosts() {
        let raw = RawConfig {
            allowed_targets: " proxy.internal, 10.0.0.7 ,".into(),
            ..RawConfig::default()
        };
        let policy = raw.validate().unwrap().target_policy();
        assert_eq!(policy.allowed_hosts, vec!["proxy.internal", "10.0.0.7"]);
        assert!(!policy.allow_private);
    }

    #[test]
    fn a_bad_bind_names_the_setting() {
        let raw = RawConfig {
            bind: "not-an-address".into(),
            ..RawConfig::default()
        };
        let err = raw.validate().unwrap_err();
        assert_eq!(err.setting, "EARSHOT_BIND");
    }

    #[test]
    fn hs256_without_a_long_secret_is_refused() {
        let raw = RawConfig {
            jwt_algorithm: "HS256".into(),
            jwt_secret: Some("short".into()),
            ..RawConfig::default()
        };
        assert_eq!(raw.validate().unwrap_err().setting, "EARSHOT_JWT_SECRET");
    }

    #[test]
    fn an_unknown_database_scheme_names_database_url() {
        let raw = RawConfig {
            database_url: Some("mysql://x".into()),
            ..RawConfig::default()
        };
        assert_eq!(raw.validate().unwrap_err().setting, "DATABASE_URL");
    }

    #[test]
    fn search_settings_stay_within_their_bounds() {
        let listed = |n| RawConfig {
            search_listed_matches: n,
            ..RawConfig::default()
        };
        let stretch = |n| RawConfig {
            search_latest_stretch: n,
            ..RawConfig::default()
        };
        let cases = [
            (listed(0), "EARSHOT_SEARCH_LISTED_MATCHES"),
            (listed(10_001), "EARSHOT_SEARCH_LISTED_MATCHES"),
            (stretch(0), "EARSHOT_SEARCH_LATEST_STRETCH"),
            (stretch(100_001), "EARSHOT_SEARCH_LATEST_STRETCH"),
        ];
        for (raw, setting) in cases {
            assert_eq!(raw.validate().unwrap_err().setting, setting);
        }
        assert!(listed(10_000).validate().is_ok() && stretch(100_000).validate().is_ok());
    }
}
