//! `run`: serves the API in-process on the seeded database and drives concurrent clients
//! through a mix of inbox and conversation reads, then reports latency per scenario.
//!
//! Closed loop by default (each client sends its next request when the last one answers);
//! with `--rate`, open loop at that many requests a second (paced by [`crate::pacer`]),
//! where latency counts from the moment a request was due, so a stall is not hidden by the
//! clients slowing down.

use std::io::Write as _;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement, Value};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;
use uuid::Uuid;

use crate::DbArgs;
use crate::harness::{self, Server, WORKSPACE_NAME};
use crate::pacer;
use crate::seed_sql::SEARCH_WORD;
use crate::stats::{self, Report};

/// Options of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Concurrent clients.
    #[arg(long, default_value_t = 32)]
    pub clients: usize,
    /// Seconds measured (after the warm-up). Access tokens live 15 minutes.
    #[arg(long, default_value_t = 30)]
    pub duration: u64,
    /// Seconds of load before measuring.
    #[arg(long, default_value_t = 5)]
    pub warmup: u64,
    /// The API's database pool size (the app's default for PostgreSQL is 10).
    #[arg(long, default_value_t = 10)]
    pub pool: u32,
    /// Open loop: total requests a second, spread over the clients.
    #[arg(long)]
    pub rate: Option<f64>,
    /// Only these scenarios (comma-separated names; default all).
    #[arg(long, value_delimiter = ',')]
    pub scenarios: Vec<String>,
    /// The p99 target the table checks, in milliseconds.
    #[arg(long, default_value_t = 10.0)]
    pub target_ms: f64,
}

/// One kind of request in the mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Inbox,
    StatusOpen,
    OpenAssignee,
    TeamByPriority,
    Tag,
    PriorityHigh,
    SearchWord,
    SearchOrder,
    ReadOne,
}

const ALL: [Scenario; 9] = [
    Scenario::Inbox,
    Scenario::StatusOpen,
    Scenario::OpenAssignee,
    Scenario::TeamByPriority,
    Scenario::Tag,
    Scenario::PriorityHigh,
    Scenario::SearchWord,
    Scenario::SearchOrder,
    Scenario::ReadOne,
];

/// Tags the `tag` scenario picks from: common, medium and rare.
const TAG_CHOICES: [&str; 3] = ["billing", "vip", "press"];

/// What the seeded database holds that requests refer to.
struct Fixture {
    workspace_id: Uuid,
    agents: Vec<Uuid>,
    teams: Vec<Uuid>,
    conversation_ids: Vec<Uuid>,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Inbox => "inbox (default)",
            Scenario::StatusOpen => "status=open",
            Scenario::OpenAssignee => "status=open&assignee_id",
            Scenario::TeamByPriority => "team_id&sort=priority",
            Scenario::Tag => "tag",
            Scenario::PriorityHigh => "priority=urgent,high",
            Scenario::SearchWord => "q=<word>",
            Scenario::SearchOrder => "q=<order number>",
            Scenario::ReadOne => "GET one conversation",
        }
    }

    fn short(self) -> &'static str {
        match self {
            Scenario::Inbox => "inbox",
            Scenario::StatusOpen => "open",
            Scenario::OpenAssignee => "open_assignee",
            Scenario::TeamByPriority => "team_priority",
            Scenario::Tag => "tag",
            Scenario::PriorityHigh => "priority",
            Scenario::SearchWord => "search_word",
            Scenario::SearchOrder => "search_order",
            Scenario::ReadOne => "read",
        }
    }

    fn path(self, f: &Fixture, rng: &mut StdRng) -> String {
        let list = format!("/v1/workspaces/{}/conversations", f.workspace_id);
        let pick = |rng: &mut StdRng, ids: &[Uuid]| ids[rng.random_range(0..ids.len())];
        match self {
            Scenario::Inbox => list,
            Scenario::StatusOpen => format!("{list}?status=open"),
            Scenario::OpenAssignee => {
                format!("{list}?status=open&assignee_id={}", pick(rng, &f.agents))
            }
            Scenario::TeamByPriority => {
                format!("{list}?team_id={}&sort=priority", pick(rng, &f.teams))
            }
            Scenario::Tag => format!(
                "{list}?tag={}",
                TAG_CHOICES[rng.random_range(0..TAG_CHOICES.len())]
            ),
            Scenario::PriorityHigh => format!("{list}?priority=urgent,high"),
            Scenario::SearchWord => format!("{list}?q={SEARCH_WORD}"),
            Scenario::SearchOrder => {
                format!("{list}?q={}", rng.random_range(100_000..1_000_000))
            }
            Scenario::ReadOne => format!("{list}/{}", pick(rng, &f.conversation_ids)),
        }
    }
}

/// Measures the API on the seeded database and prints the table.
pub async fn run(db: &DbArgs, args: &RunArgs) -> anyhow::Result<()> {
    let scenarios = chosen(&args.scenarios)?;
    if args.clients == 0 || args.duration == 0 {
        bail!("need at least one client and one second");
    }
    let conn = Database::connect(
        ConnectOptions::new(db.url())
            .max_connections(1)
            .sqlx_logging(false)
            .to_owned(),
    )
    .await
    .with_context(|| format!("connecting to {} (run `seed` first)", db.database))?;
    let fixture = fixture(&conn).await?;
    let total = count(&conn, "SELECT count(*) FROM conversations").await?;
    conn.close().await?;

    let server = Server::start(&db.url(), args.pool).await?;
    let client = harness::client(args.clients)?;
    let token = harness::login(&client, &server.base).await?;
    let fixture = std::sync::Arc::new(fixture);
    let started = Instant::now();
    let measure_from = started + Duration::from_secs(args.warmup);
    let end = measure_from + Duration::from_secs(args.duration);
    // Open loop: due times from the pacer; closed loop: each client sends when answered.
    let mut dues: Vec<Option<UnboundedReceiver<Instant>>> = match args.rate {
        Some(rate) => pacer::start(args.clients, rate, started, end)
            .into_iter()
            .map(Some)
            .collect(),
        None => (0..args.clients).map(|_| None).collect(),
    };
    let mut workers = Vec::with_capacity(args.clients);
    for (i, dues) in dues.drain(..).enumerate() {
        let worker = Worker {
            client: client.clone(),
            base: server.base.clone(),
            token: token.clone(),
            fixture: fixture.clone(),
            scenarios: scenarios.clone(),
            rng: StdRng::seed_from_u64(i as u64),
            dues,
        };
        workers.push(tokio::spawn(worker.drive(measure_from, end)));
    }
    let mut report = Report::new();
    let mut lateness = stats::Samples::default();
    for worker in workers {
        let (part, late) = worker.await?;
        stats::merge(&mut report, part);
        lateness.micros.extend(late.micros);
    }
    server.stop();

    let mode = match args.rate {
        Some(rate) => format!("open loop, {rate} req/s over {} clients", args.clients),
        None => format!("closed loop, {} concurrent clients", args.clients),
    };
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "\n{total} conversations; {mode}; {} s measured after {} s warm-up; API pool {}; \
         {} cores\n",
        args.duration,
        args.warmup,
        args.pool,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    )?;
    write!(
        out,
        "{}",
        stats::table(&mut report, args.duration as f64, args.target_ms)
    )?;
    if args.rate.is_some() {
        lateness.micros.sort_unstable();
        writeln!(
            out,
            "\nrequests left their client after the due time by p50 {:.2} ms, p99 {:.2} ms \
             (part of every latency above)",
            stats::percentile(&lateness.micros, 50.0) as f64 / 1000.0,
            stats::percentile(&lateness.micros, 99.0) as f64 / 1000.0,
        )?;
    }
    for (name, samples) in &report {
        if let Some(error) = &samples.first_error {
            writeln!(out, "\nfirst error of {name}: {error}")?;
        }
    }
    Ok(())
}

fn chosen(names: &[String]) -> anyhow::Result<Vec<Scenario>> {
    if names.is_empty() {
        return Ok(ALL.to_vec());
    }
    names
        .iter()
        .map(|name| {
            ALL.iter()
                .copied()
                .find(|s| s.short() == name.trim())
                .with_context(|| {
                    let known: Vec<&str> = ALL.iter().map(|s| s.short()).collect();
                    format!("unknown scenario {name}; known: {}", known.join(","))
                })
        })
        .collect()
}

struct Worker {
    client: reqwest::Client,
    base: String,
    token: String,
    fixture: std::sync::Arc<Fixture>,
    scenarios: Vec<Scenario>,
    rng: StdRng,
    /// Open loop: when each of this client's requests is due.
    dues: Option<UnboundedReceiver<Instant>>,
}

impl Worker {
    /// The samples of each scenario, and (open loop) how long after its due time each
    /// measured request left the client.
    async fn drive(mut self, measure_from: Instant, end: Instant) -> (Report, stats::Samples) {
        let mut report = Report::new();
        let mut lateness = stats::Samples::default();
        loop {
            let sent = match self.dues.as_mut() {
                Some(dues) => match dues.recv().await {
                    Some(due) => {
                        if due >= measure_from {
                            lateness.ok(due.elapsed());
                        }
                        due
                    }
                    None => break,
                },
                None => Instant::now(),
            };
            if sent >= end {
                break;
            }
            let scenario = self.scenarios[self.rng.random_range(0..self.scenarios.len())];
            let url = format!(
                "{}{}",
                self.base,
                scenario.path(&self.fixture, &mut self.rng)
            );
            let outcome = self.get(&url).await;
            if sent < measure_from {
                continue;
            }
            let samples = report.entry(scenario.name()).or_default();
            match outcome {
                Ok(()) => samples.ok(sent.elapsed()),
                Err(e) => samples.error(format!("{url}: {e:#}")),
            }
        }
        (report, lateness)
    }

    async fn get(&self, url: &str) -> anyhow::Result<()> {
        let response = self.client.get(url).bearer_auth(&self.token).send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        if status != reqwest::StatusCode::OK {
            bail!("{status}: {}", String::from_utf8_lossy(&body));
        }
        Ok(())
    }
}

async fn fixture(conn: &DatabaseConnection) -> anyhow::Result<Fixture> {
    let workspace_id = uuids(
        conn,
        "SELECT id FROM workspaces WHERE name = $1",
        vec![WORKSPACE_NAME.into()],
    )
    .await?
    .into_iter()
    .next()
    .context("no seeded workspace: run `seed` first")?;
    let agents = uuids(
        conn,
        "SELECT user_id AS id FROM workspace_members WHERE workspace_id = $1 AND role = 'agent' \
         ORDER BY user_id",
        vec![workspace_id.into()],
    )
    .await?;
    let teams = uuids(
        conn,
        "SELECT id FROM teams WHERE workspace_id = $1 ORDER BY id",
        vec![workspace_id.into()],
    )
    .await?;
    // About 0.5 % of the table's pages: several thousand ids spread over the whole table.
    let conversation_ids = uuids(
        conn,
        "SELECT id FROM conversations TABLESAMPLE SYSTEM (0.5) REPEATABLE (42) WHERE workspace_id = $1",
        vec![workspace_id.into()],
    )
    .await?;
    if agents.is_empty() || teams.is_empty() || conversation_ids.is_empty() {
        bail!("the seeded workspace has no agents, teams or conversations: run `seed` again");
    }
    Ok(Fixture {
        workspace_id,
        agents,
        teams,
        conversation_ids,
    })
}

pub(crate) async fn uuids(
    conn: &DatabaseConnection,
    sql: &str,
    values: Vec<Value>,
) -> anyhow::Result<Vec<Uuid>> {
    let statement = Statement::from_sql_and_values(conn.get_database_backend(), sql, values);
    conn.query_all_raw(statement)
        .await?
        .iter()
        .map(|row| Ok(row.try_get::<Uuid>("", "id")?))
        .collect()
}

async fn count(conn: &DatabaseConnection, sql: &str) -> anyhow::Result<i64> {
    let statement = Statement::from_string(conn.get_database_backend(), sql);
    let row = conn
        .query_one_raw(statement)
        .await?
        .context("count returned nothing")?;
    Ok(row.try_get_by_index::<i64>(0)?)
}
