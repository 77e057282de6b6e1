//! PostgreSQL's own ceiling for the same rows: multi-row `INSERT`s of message rows (copies
//! of a stored customer message with new ids and texts) into a table shaped like `messages`
//! with the same indexes, from as many connections as the machine has cores, for a while.

use std::time::Duration;

use anyhow::Context;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use tokio::time::Instant;

/// Rows per statement.
const BATCH: usize = 1_000;

const COLUMNS: &str = "id, workspace_id, conversation_id, channel_id, direction, visibility, \
    author_kind, author_user_id, author_key_id, contact_id, text, platform_message_id, \
    reply_to_platform_id, attachments, mentions, delivery_status, delivery_error, sentiment, \
    sent_at, created_at, edited_at, deleted_at";

/// Rows a second PostgreSQL stores in batched inserts on `url`, over `seconds`.
pub async fn rows_per_second(url: &str, seconds: u64, connections: usize) -> anyhow::Result<f64> {
    let setup = Database::connect(url).await?;
    setup
        .execute_unprepared(
            "DROP TABLE IF EXISTS ceiling_messages; \
             CREATE TABLE ceiling_messages (LIKE messages INCLUDING ALL)",
        )
        .await
        .context("creating the ceiling table")?;
    let template = template_values(&setup).await?;
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for worker in 0..connections {
        let (url, template) = (url.to_owned(), template.clone());
        tasks.push(tokio::spawn(async move {
            let conn = Database::connect(&url).await?;
            insert_until(&conn, &template, worker, until).await
        }));
    }
    let started = Instant::now();
    let mut rows = 0;
    for task in tasks {
        rows += task.await??;
    }
    let rate = rows as f64 / started.elapsed().as_secs_f64();
    setup
        .execute_unprepared("DROP TABLE ceiling_messages")
        .await?;
    Ok(rate)
}

/// A stored customer message's columns as SQL literals, with `{id}`, `{pid}` and `{text}`
/// to fill in per row.
async fn template_values(conn: &DatabaseConnection) -> anyhow::Result<String> {
    let sql = "SELECT format('(%L::uuid, %L::uuid, %L::uuid, %L::uuid, %L, %L, %L, %L::uuid, \
        %L::uuid, %L::uuid, {text}, {pid}, %L, %L::jsonb, %L::jsonb, %L, %L, %L::float8, \
        %L::timestamptz, %L::timestamptz, %L::timestamptz, %L::timestamptz)', \
        '{id}', workspace_id, conversation_id, channel_id, direction, visibility, author_kind, \
        author_user_id, author_key_id, contact_id, reply_to_platform_id, attachments, mentions, \
        delivery_status, delivery_error, sentiment, sent_at, created_at, edited_at, deleted_at) \
        AS v FROM messages WHERE direction = 'inbound' LIMIT 1";
    let row = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            sql,
        ))
        .await?
        .context("no stored message to copy")?;
    Ok(row.try_get::<String>("", "v")?)
}

async fn insert_until(
    conn: &DatabaseConnection,
    template: &str,
    worker: usize,
    until: Instant,
) -> anyhow::Result<u64> {
    let mut rows = 0;
    let mut batch_no = 0;
    while Instant::now() < until {
        let values: Vec<String> = (0..BATCH)
            .map(|i| {
                template
                    .replacen("'{id}'", &format!("'{}'", uuid::Uuid::now_v7()), 1)
                    .replacen("{pid}", &format!("'ceiling-{worker}-{batch_no}-{i}'"), 1)
                    .replacen(
                        "{text}",
                        "'My order still has not arrived, can you check?'",
                        1,
                    )
            })
            .collect();
        let sql = format!(
            "INSERT INTO ceiling_messages ({COLUMNS}) VALUES {}",
            values.join(",")
        );
        conn.execute_unprepared(&sql).await?;
        rows += BATCH as u64;
        batch_no += 1;
    }
    Ok(rows)
}
