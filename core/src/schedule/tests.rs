use chrono::{TimeZone, Utc};

use super::{Memory, RedisIndex, Schedule, WakeKind, WakeUp};

fn at(seconds: i64) -> chrono::DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + seconds, 0)
        .single()
        .unwrap_or_default()
}

fn snooze(seconds: i64) -> WakeUp {
    WakeUp {
        kind: WakeKind::Snooze,
        id: uuid::Uuid::now_v7(),
        at: at(seconds),
    }
}

/// The contract both indexes keep: due in time order, one time per row (the latest
/// scheduled), and an entry moved after it was read is not taken out by acting on it.
async fn keeps_the_contract(index: Schedule) {
    let (late, early, moved) = (snooze(30), snooze(10), snooze(20));
    index.add(&[late, early, moved]).await.unwrap_or_default();
    assert_eq!(index.next().await.ok().flatten(), Some(at(10)));
    let due = index.due(at(25), 10).await.unwrap_or_default();
    assert_eq!(due, vec![early, moved], "due by 25 s, earliest first");
    assert_eq!(index.due(at(25), 1).await.unwrap_or_default(), vec![early]);

    // Snoozed again for longer while the worker held the old entry.
    let later = WakeUp {
        at: at(40),
        ..moved
    };
    index.add(&[later]).await.unwrap_or_default();
    index.done(&due).await.unwrap_or_default();
    let left = index.due(at(100), 10).await.unwrap_or_default();
    assert_eq!(
        left,
        vec![late, later],
        "the moved entry stays, at its new time"
    );
    index.done(&left).await.unwrap_or_default();
    assert_eq!(index.next().await.ok().flatten(), None);
    assert!(
        index
            .due(at(1_000), 10)
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

#[tokio::test]
async fn the_in_process_index_keeps_the_contract() {
    keeps_the_contract(Schedule::Memory(std::sync::Arc::new(Memory::default()))).await;
}

#[tokio::test]
async fn the_redis_index_keeps_the_contract() {
    let Ok(url) = std::env::var("TEST_REDIS_URL") else {
        return;
    };
    let Ok(client) = redis::Client::open(url) else {
        panic!("TEST_REDIS_URL is not a Redis URL");
    };
    let Ok(conn) = redis::aio::ConnectionManager::new(client).await else {
        panic!("Redis is not reachable");
    };
    let prefix = format!("earshot-test-{}:", uuid::Uuid::new_v4().simple());
    keeps_the_contract(Schedule::Redis(RedisIndex::new(conn, &prefix))).await;
}

#[test]
fn a_member_is_seventeen_bytes_and_reads_back() {
    let wake_up = snooze(5);
    let member = wake_up.member();
    assert_eq!(member.len(), 17);
    assert_eq!(WakeUp::from_member(&member, wake_up.score()), Some(wake_up));
    assert_eq!(WakeUp::from_member(b"x", 0), None);
}

#[tokio::test]
async fn an_entry_comes_due_with_its_millisecond() {
    let index = Schedule::Memory(std::sync::Arc::new(Memory::default()));
    let wake_up = WakeUp {
        at: at(5) + chrono::Duration::microseconds(400),
        ..snooze(0)
    };
    index.add(&[wake_up]).await.unwrap_or_default();
    let due = index.due(at(5), 10).await.unwrap_or_default();
    assert!(due.is_empty(), "a millisecond early");
    // Within its millisecond it is handed out, with its time rounded up, for the row to tell.
    let within = at(5) + chrono::Duration::microseconds(300);
    let due = index.due(within, 10).await.unwrap_or_default();
    assert_eq!(due.len(), 1);
    assert!(due[0].at >= wake_up.at && due[0].at > within);
}
