//! Pausing and resuming clocks through the API against PostgreSQL's own ceiling for the
//! same change: conversations with running clocks are set `pending` and back to `open`
//! over HTTP by concurrent agents, then the clock rows alone are flipped by single-row
//! `UPDATE`s from as many connections, for as long.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement, Value};
use serde_json::json;
use uuid::Uuid;

use crate::harness::{self, Server, WORKSPACE_NAME};
use crate::run::uuids;

/// Pauses and resumes a second a way and the other.
pub struct Throughput {
    pub api_per_second: f64,
    pub sql_per_second: f64,
}

/// Opens `conversations` conversations with a running clock each, then measures both ways
/// for `seconds` with `workers` at once.
pub async fn measure(
    server: &Server,
    url: &str,
    conversations: i64,
    workers: usize,
    seconds: u64,
) -> anyhow::Result<Throughput> {
    let sql = Database::connect(url).await?;
    let ids = prepare(&sql, conversations).await?;
    let ids = Arc::new(ids);
    let api_per_second = through_api(server, &sql, ids.clone(), workers, seconds).await?;
    let sql_per_second = through_sql(url, ids, workers, seconds).await?;
    Ok(Throughput {
        api_per_second,
        sql_per_second,
    })
}

/// Opens the last seeded conversations and gives each a running clock due tomorrow.
async fn prepare(sql: &DatabaseConnection, n: i64) -> anyhow::Result<Vec<Uuid>> {
    let ids = uuids(
        sql,
        &format!("SELECT id FROM conversations ORDER BY id DESC LIMIT {n}"),
        Vec::new(),
    )
    .await?;
    let list = ids
        .iter()
        .map(|id| format!("'{id}'"))
        .collect::<Vec<_>>()
        .join(",");
    let statements = [
        format!(
            "UPDATE conversations SET status = 'open', snoozed_until = NULL WHERE id IN ({list})"
        ),
        format!("DELETE FROM sla_clocks WHERE conversation_id IN ({list})"),
        format!(
            "INSERT INTO sla_clocks (id, workspace_id, conversation_id, kind, policy_id, \
             target_seconds, warning_percent, business_hours_id, state, started_at, resumed_at, \
             remaining_seconds, due_at, warn_at, wake_at, warned_at, breached_at, stopped_at, \
             outcome, version, updated_at) \
             SELECT gen_random_uuid(), workspace_id, id, 'resolution', NULL, 86400, 80, NULL, \
             'running', now(), now(), 86400, now() + interval '1 day', \
             now() + interval '19 hours', now() + interval '19 hours', NULL, NULL, NULL, NULL, \
             0, now() FROM conversations WHERE id IN ({list})"
        ),
    ];
    for text in statements {
        sql.execute_raw(Statement::from_string(sql.get_database_backend(), text))
            .await?;
    }
    Ok(ids)
}

/// `PATCH {status: pending}` then `{status: open}` per conversation over HTTP.
async fn through_api(
    server: &Server,
    sql: &DatabaseConnection,
    ids: Arc<Vec<Uuid>>,
    workers: usize,
    seconds: u64,
) -> anyhow::Result<f64> {
    let workspace = uuids(
        sql,
        "SELECT id FROM workspaces WHERE name = $1",
        vec![Value::from(WORKSPACE_NAME)],
    )
    .await?
    .into_iter()
    .next()
    .context("no seeded workspace: run `seed` first")?;
    let client = reqwest::Client::new();
    let token = harness::login(&client, &server.base).await?;
    let base = format!("{}/v1/workspaces/{workspace}/conversations", server.base);
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            let (client, token, base) = (client.clone(), token.clone(), base.clone());
            let (ids, next, done) = (ids.clone(), next.clone(), done.clone());
            tokio::spawn(async move {
                while Instant::now() < until {
                    let id = ids[next.fetch_add(1, Ordering::Relaxed) % ids.len()];
                    for status in ["pending", "open"] {
                        let response = client
                            .patch(format!("{base}/{id}"))
                            .bearer_auth(&token)
                            .json(&json!({ "status": status }))
                            .send()
                            .await?;
                        anyhow::ensure!(response.status().is_success(), "{}", response.status());
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }
                anyhow::Ok(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    Ok(done.load(Ordering::Relaxed) as f64 / seconds as f64)
}

/// The clock rows alone, flipped between running and paused by single-row updates.
async fn through_sql(
    url: &str,
    ids: Arc<Vec<Uuid>>,
    workers: usize,
    seconds: u64,
) -> anyhow::Result<f64> {
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let conn = Database::connect(url).await?;
        let (ids, next, done) = (ids.clone(), next.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let flip = "UPDATE sla_clocks SET state = CASE WHEN state = 'running' THEN 'paused' \
                ELSE 'running' END, due_at = CASE WHEN state = 'running' THEN NULL \
                ELSE now() + interval '1 day' END, version = version + 1, updated_at = now() \
                WHERE conversation_id = $1";
            while Instant::now() < until {
                let id = ids[next.fetch_add(1, Ordering::Relaxed) % ids.len()];
                let statement = Statement::from_sql_and_values(
                    conn.get_database_backend(),
                    flip,
                    vec![Value::from(id)],
                );
                conn.execute_raw(statement).await?;
                done.fetch_add(1, Ordering::Relaxed);
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(done.load(Ordering::Relaxed) as f64 / seconds as f64)
}
