//! `seed`: a fresh database, migrated by the app, a tenant made through the API, then a
//! bulk load of contacts, conversations, tags and messages in set-based SQL.

use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::json;
use uuid::Uuid;

use crate::DbArgs;
use crate::harness::{self, OWNER_EMAIL, OWNER_PASSWORD, Server, WORKSPACE_NAME};
use crate::seed_sql::{self, ConversationBatch, KIND_SLOTS};

/// Options of `seed`.
#[derive(Debug, Args)]
pub struct SeedArgs {
    /// Conversations to load.
    #[arg(long, default_value_t = 1_000_000)]
    pub conversations: i64,
    /// Agents (workspace members with the `agent` role).
    #[arg(long, default_value_t = 20)]
    pub agents: usize,
    /// Teams (agents are spread over them).
    #[arg(long, default_value_t = 5)]
    pub teams: usize,
    /// Rows per INSERT statement.
    #[arg(long, default_value_t = 250_000)]
    pub batch: i64,
}

/// What the API made before the bulk load.
struct Tenant {
    workspace_id: Uuid,
    agents: Vec<Uuid>,
    teams: Vec<Uuid>,
    /// One channel id per slot of [`KIND_SLOTS`].
    channel_slots: Vec<Uuid>,
}

/// Drops and re-creates the database, migrates it, creates the tenant and loads the rows.
pub async fn seed(db: &DbArgs, args: &SeedArgs) -> anyhow::Result<()> {
    if args.conversations < 2 || args.agents == 0 || args.teams == 0 || args.batch < 1 {
        bail!("need at least 2 conversations, 1 agent, 1 team and a batch of 1");
    }
    let started = Instant::now();
    earshot_core::db::drop_postgres_database(&db.admin_url, &db.database).await?;
    let url = earshot_core::db::create_postgres_database(&db.admin_url, &db.database).await?;
    eprintln!("created database {}", db.database);
    let server = Server::start(&url, 5).await?;
    let tenant = create_tenant(&server, args).await;
    server.stop();
    let tenant = tenant?;
    eprintln!("tenant ready in {:.1}s", started.elapsed().as_secs_f64());
    let conn = Database::connect(
        ConnectOptions::new(url)
            .max_connections(1)
            .sqlx_logging(false)
            .to_owned(),
    )
    .await?;
    bulk_load(&conn, &tenant, args).await?;
    conn.close().await?;
    eprintln!(
        "seeded {} conversations in {:.1}s",
        args.conversations,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn create_tenant(server: &Server, args: &SeedArgs) -> anyhow::Result<Tenant> {
    let client = harness::client(4)?;
    let base = &server.base;
    let created = harness::post(
        &client,
        &format!("{base}/v1/orgs"),
        Some(&server.platform_token),
        json!({
            "name": "Bench",
            "owner": { "email": OWNER_EMAIL, "password": OWNER_PASSWORD },
            "workspace_name": WORKSPACE_NAME,
        }),
    )
    .await?;
    let ws = harness::string_at(&created, &["workspace", "id"])?;
    let token = harness::login(&client, base).await?;
    let ws_url = format!("{base}/v1/workspaces/{ws}");
    let mut agents: Vec<Uuid> = Vec::with_capacity(args.agents);
    for i in 1..=args.agents {
        let body = json!({
            "email": format!("agent{i}@bench.earshot.test"),
            "role": "agent",
            "display_name": format!("Agent {i}"),
        });
        let added =
            harness::post(&client, &format!("{ws_url}/members"), Some(&token), body).await?;
        agents.push(harness::string_at(&added, &["member", "user_id"])?.parse()?);
    }
    let mut teams = Vec::with_capacity(args.teams);
    for t in 0..args.teams {
        let members: Vec<String> = agents
            .iter()
            .enumerate()
            .filter(|(i, _)| i % args.teams == t)
            .map(|(_, id)| id.to_string())
            .collect();
        let body = json!({ "name": format!("Team {}", t + 1), "member_ids": members });
        let team = harness::post(&client, &format!("{ws_url}/teams"), Some(&token), body).await?;
        teams.push(harness::string_at(&team, &["id"])?.parse()?);
    }
    let mut kinds: Vec<&str> = KIND_SLOTS.to_vec();
    kinds.dedup();
    let mut by_kind = Vec::new();
    for kind in kinds {
        let body = json!({ "kind": kind, "name": format!("Bench {kind}") });
        let channel =
            harness::post(&client, &format!("{ws_url}/channels"), Some(&token), body).await?;
        by_kind.push((
            kind,
            harness::string_at(&channel, &["id"])?.parse::<Uuid>()?,
        ));
    }
    let channel_slots = KIND_SLOTS
        .iter()
        .map(|slot| {
            by_kind
                .iter()
                .find(|(kind, _)| kind == slot)
                .map(|(_, id)| *id)
                .context("a channel per kind")
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(Tenant {
        workspace_id: ws.parse()?,
        agents,
        teams,
        channel_slots,
    })
}

async fn exec(conn: &DatabaseConnection, what: &str, sql: &str) -> anyhow::Result<u64> {
    let started = Instant::now();
    let result = conn
        .execute_unprepared(sql)
        .await
        .with_context(|| format!("{what}: {sql}"))?;
    eprintln!(
        "  {what}: {} rows in {:.1}s",
        result.rows_affected(),
        started.elapsed().as_secs_f64()
    );
    Ok(result.rows_affected())
}

async fn in_batches(
    conn: &DatabaseConnection,
    what: &str,
    total: i64,
    batch: i64,
    sql: impl Fn(i64, i64) -> String,
) -> anyhow::Result<()> {
    let mut lo = 1;
    while lo <= total {
        let hi = (lo + batch - 1).min(total);
        exec(conn, &format!("{what} {lo}..={hi}"), &sql(lo, hi)).await?;
        lo = hi + 1;
    }
    Ok(())
}

async fn bulk_load(
    conn: &DatabaseConnection,
    tenant: &Tenant,
    args: &SeedArgs,
) -> anyhow::Result<()> {
    for statement in seed_sql::prelude() {
        conn.execute_unprepared(&statement)
            .await
            .with_context(|| statement.clone())?;
    }
    let indexes = conn
        .query_all_raw(Statement::from_string(
            conn.get_database_backend(),
            seed_sql::SECONDARY_INDEXES,
        ))
        .await?
        .into_iter()
        .map(|row| {
            Ok((
                row.try_get::<String>("", "name")?,
                row.try_get::<String>("", "def")?,
            ))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    for (name, _) in &indexes {
        conn.execute_unprepared(&format!("DROP INDEX \"{name}\""))
            .await?;
    }
    let now_ms = chrono_now_ms()?;
    let base_ms = now_ms - 400 * 86_400_000;
    let ws = tenant.workspace_id;
    let n_contacts = (args.conversations / 2).max(1);
    in_batches(conn, "contacts", n_contacts, args.batch, |lo, hi| {
        seed_sql::contacts(ws, base_ms, lo, hi)
    })
    .await?;
    in_batches(conn, "identities", n_contacts, args.batch, |lo, hi| {
        seed_sql::identities(ws, base_ms, lo, hi)
    })
    .await?;
    in_batches(
        conn,
        "conversations",
        args.conversations,
        args.batch,
        |lo, hi| {
            seed_sql::conversations(&ConversationBatch {
                ws,
                channel_slots: &tenant.channel_slots,
                agents: &tenant.agents,
                teams: &tenant.teams,
                base_ms,
                now_ms,
                contacts: n_contacts,
                lo,
                hi,
            })
        },
    )
    .await?;
    exec(conn, "tags (first)", &seed_sql::tags(0.6)).await?;
    exec(conn, "tags (second)", &seed_sql::tags(0.25)).await?;
    let fallback = tenant.agents.first().copied().context("an agent")?;
    for k in 1..=3 {
        exec(
            conn,
            &format!("messages #{k}"),
            &seed_sql::messages(k, fallback),
        )
        .await?;
    }
    exec(
        conn,
        "first replies",
        earshot_core::db::FIRST_REPLY_BACKFILL,
    )
    .await?;
    for (name, def) in &indexes {
        exec(conn, &format!("index {name}"), def).await?;
    }
    exec(conn, "vacuum analyze", "VACUUM (ANALYZE)").await?;
    Ok(())
}

fn chrono_now_ms() -> anyhow::Result<i64> {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
    Ok(i64::try_from(since.as_millis())?)
}
