//! Reports over a seeded workspace: the workspace report and the organization roll-up,
//! over a day, a week, a month and a year, ungrouped and per day, channel, agent and team,
//! each asked `--repeat` times one after another through the API.

use std::io::Write;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use sea_orm::{Database, Value};

use crate::DbArgs;
use crate::harness::{self, Server, WORKSPACE_NAME};
use crate::run::uuids;
use crate::stats::percentile;

/// How often to ask.
#[derive(Debug, Args)]
pub struct ReportsArgs {
    /// Times each report is asked.
    #[arg(long, default_value_t = 10)]
    pub repeat: usize,
    /// Database pool size.
    #[arg(long, default_value_t = 10)]
    pub pool: u32,
}

const WINDOWS: [(&str, i64); 4] = [("day", 1), ("week", 7), ("month", 30), ("year", 365)];
const GROUPS: [&str; 5] = ["", "day", "channel", "agent", "team"];

/// Asks every report of the matrix and prints p50, p99 and max per cell.
pub async fn reports(db: &DbArgs, args: &ReportsArgs) -> anyhow::Result<()> {
    let sql = Database::connect(&db.url()).await?;
    let named = vec![Value::from(WORKSPACE_NAME)];
    let ids = uuids(
        &sql,
        "SELECT id FROM workspaces WHERE name = $1",
        named.clone(),
    )
    .await?;
    let workspace = ids
        .first()
        .context("no seeded workspace: run `seed` first")?;
    let orgs = uuids(
        &sql,
        "SELECT org_id AS id FROM workspaces WHERE name = $1",
        named,
    )
    .await?;
    let org = orgs.first().context("no seeded organization")?;
    let server = Server::start(&db.url(), args.pool).await?;
    let client = reqwest::Client::new();
    let token = harness::login(&client, &server.base).await?;
    let to = chrono::Utc::now();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "| report | window | group_by | p50 ms | p99 ms | max ms |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    for (scope, base) in [
        ("workspace", format!("/v1/workspaces/{workspace}")),
        ("org", format!("/v1/orgs/{org}")),
    ] {
        for (window, days) in WINDOWS {
            let from = to - chrono::Duration::days(days);
            for group in GROUPS {
                let mut path = format!(
                    "{}{base}/reports/summary?from={}&to={}",
                    server.base,
                    from.format("%Y-%m-%dT%H:%M:%SZ"),
                    to.format("%Y-%m-%dT%H:%M:%SZ")
                );
                if !group.is_empty() {
                    path.push_str(&format!("&group_by={group}"));
                }
                let times = ask(&client, &token, &path, args.repeat).await?;
                let ms = |p: f64| percentile(&times, p) as f64 / 1000.0;
                let label = if group.is_empty() { "—" } else { group };
                writeln!(
                    out,
                    "| {scope} | {window} | {label} | {:.0} | {:.0} | {:.0} |",
                    ms(50.0),
                    ms(99.0),
                    ms(100.0)
                )?;
            }
        }
    }
    server.stop();
    Ok(())
}

/// Asks `path` `repeat` times one after another; each answer's time in microseconds, sorted.
async fn ask(
    client: &reqwest::Client,
    token: &str,
    path: &str,
    repeat: usize,
) -> anyhow::Result<Vec<u64>> {
    let mut times = Vec::with_capacity(repeat);
    for _ in 0..repeat {
        let started = Instant::now();
        let response = client.get(path).bearer_auth(token).send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        anyhow::ensure!(
            status.is_success(),
            "{status}: {}",
            String::from_utf8_lossy(&body)
        );
        times.push(u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX));
    }
    times.sort_unstable();
    Ok(times)
}
