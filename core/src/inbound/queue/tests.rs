use std::time::Duration;

use super::{Claimed, Entry, InboundQueue, Memory, Streams};

fn entry(workspace: uuid::Uuid) -> Entry {
    Entry {
        delivery: uuid::Uuid::now_v7(),
        workspace,
    }
}

fn deliveries(claimed: &[Claimed]) -> Vec<uuid::Uuid> {
    claimed.iter().map(|c| c.entry.delivery).collect()
}

const LONG: Duration = Duration::from_secs(60);

#[test]
fn a_storm_in_one_workspace_leaves_room_for_another() {
    let queue = Memory::default();
    let (busy, quiet) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let storm: Vec<Entry> = (0..500).map(|_| entry(busy)).collect();
    queue.publish(&storm);
    let lone = entry(quiet);
    queue.publish(&[lone]);

    let claimed = queue.claim("w", 100, LONG);
    assert_eq!(claimed.len(), 101);
    assert!(deliveries(&claimed).contains(&lone.delivery));
    let first: Vec<_> = storm[..100].iter().map(|e| e.delivery).collect();
    let busy_ones: Vec<_> = claimed
        .iter()
        .filter(|c| c.entry.workspace == busy)
        .map(|c| c.entry.delivery)
        .collect();
    assert_eq!(
        busy_ones, first,
        "a workspace's entries come in the order published"
    );
}

#[test]
fn unacknowledged_entries_come_back_first_and_acknowledged_ones_never() {
    let queue = Memory::default();
    let workspace = uuid::Uuid::now_v7();
    let published: Vec<Entry> = (0..5).map(|_| entry(workspace)).collect();
    queue.publish(&published);

    let first = queue.claim("w", 3, LONG);
    queue.ack(&first[..2]);
    let second = queue.claim("w", 3, LONG);
    assert_eq!(
        deliveries(&second),
        vec![
            published[2].delivery,
            published[3].delivery,
            published[4].delivery
        ]
    );
    queue.ack(&second);
    assert!(queue.claim("w", 3, LONG).is_empty());
}

#[test]
fn another_consumer_takes_over_entries_left_idle() {
    let queue = Memory::default();
    let published = entry(uuid::Uuid::now_v7());
    queue.publish(&[published]);
    assert_eq!(queue.claim("dead", 10, LONG).len(), 1);
    assert!(
        queue.claim("alive", 10, LONG).is_empty(),
        "not idle long enough"
    );
    let taken = queue.claim("alive", 10, Duration::ZERO);
    assert_eq!(deliveries(&taken), vec![published.delivery]);
}

/// Streams under a prefix of the test's own, on the Redis of `TEST_REDIS_URL`.
async fn streams(prefix: &str, consumer: &str) -> Option<Streams> {
    let url = std::env::var("TEST_REDIS_URL").ok()?;
    let client = redis::Client::open(url).ok()?;
    let conn = redis::aio::ConnectionManager::new(client).await.ok()?;
    Some(Streams::new(conn, prefix, consumer.to_owned()))
}

async fn keys(prefix: &str) -> Vec<String> {
    let url = std::env::var("TEST_REDIS_URL").unwrap_or_default();
    let mut conn = redis::Client::open(url)
        .and_then(|c| c.get_connection())
        .expect("redis");
    redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query(&mut conn)
        .expect("keys")
}

#[tokio::test]
async fn redis_streams_spread_reclaim_and_dead_letter() {
    let prefix = format!("earshot-test-{}:", uuid::Uuid::new_v4().simple());
    let (Some(dead), Some(alive)) = (
        streams(&prefix, "dead").await,
        streams(&prefix, "alive").await,
    ) else {
        return;
    };
    let (busy, quiet) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let storm: Vec<Entry> = (0..50).map(|_| entry(busy)).collect();
    let lone = entry(quiet);
    let (dead, alive) = (InboundQueue::Streams(dead), InboundQueue::Streams(alive));
    dead.publish(&storm).await.expect("publish");
    dead.publish(&[lone]).await.expect("publish");
    assert!(
        keys(&prefix).await.iter().all(|k| k.contains("{inbound}")),
        "every key carries the hash tag"
    );

    let claimed = dead.claim(10, LONG).await.expect("claim");
    assert_eq!(claimed.len(), 11, "ten of the storm and the lone one");
    assert!(deliveries(&claimed).contains(&lone.delivery));

    // The first consumer dies holding them: the second takes them over once idle.
    assert_eq!(alive.claim(100, LONG).await.expect("claim").len(), 40);
    let taken = alive.claim(100, Duration::ZERO).await.expect("claim");
    assert_eq!(taken.len(), 51, "its own 40 and the 11 left idle");
    alive.ack(&taken).await.expect("ack");
    assert!(
        alive
            .claim(100, Duration::ZERO)
            .await
            .expect("claim")
            .is_empty()
    );

    alive
        .dead_letter(lone, "set aside after 5 attempts")
        .await
        .expect("dead letter");
    let url = std::env::var("TEST_REDIS_URL").unwrap_or_default();
    let mut conn = redis::Client::open(url)
        .and_then(|c| c.get_connection())
        .expect("redis");
    let dead_letters: usize = redis::cmd("XLEN")
        .arg(format!("{prefix}{{inbound}}:dead"))
        .query(&mut conn)
        .expect("xlen");
    assert_eq!(dead_letters, 1);
}

#[tokio::test]
async fn redis_streams_recover_when_redis_lost_everything() {
    let prefix = format!("earshot-test-{}:", uuid::Uuid::new_v4().simple());
    let Some(streams) = streams(&prefix, "w").await else {
        return;
    };
    let queue = InboundQueue::Streams(streams);
    let workspace = uuid::Uuid::now_v7();
    queue.publish(&[entry(workspace)]).await.expect("publish");
    assert_eq!(queue.claim(10, LONG).await.expect("claim").len(), 1);

    let url = std::env::var("TEST_REDIS_URL").unwrap_or_default();
    let mut conn = redis::Client::open(url)
        .and_then(|c| c.get_connection())
        .expect("redis");
    for key in keys(&prefix).await {
        let _: () = redis::cmd("DEL").arg(key).query(&mut conn).expect("del");
    }
    let after = entry(workspace);
    queue
        .publish(&[after])
        .await
        .expect("publish after the loss");
    let claimed = queue.claim(10, LONG).await.expect("claim after the loss");
    assert_eq!(deliveries(&claimed), vec![after.delivery]);
}
