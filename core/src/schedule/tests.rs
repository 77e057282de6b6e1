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

/// The contract both indexes keep: due in time order with exact times, a row's latest
/// scheduled time is indexed, and an entry moved after it was read is not taken out by
/// acting on it. A row moved before its entry was read may also come back at its old time.
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

    // Snoozed for longer before its entry was read: the new time is there; the old one,
    // if it comes back, comes back at its own time.
    let again = WakeUp {
        at: at(50),
        ..later
    };
    index.add(&[again]).await.unwrap_or_default();
    let left = index.due(at(100), 10).await.unwrap_or_default();
    let newer: Vec<WakeUp> = left.iter().filter(|w| **w != later).copied().collect();
    assert_eq!(newer, vec![late, again]);
    assert!(left.is_sorted_by_key(|w| w.at), "in time order");
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
    let Some((index, mut conn, prefix)) = redis_index().await else {
        return;
    };
    keeps_the_contract(Schedule::Redis(index)).await;
    assert_eq!(keys(&mut conn, &prefix).await, Vec::<String>::new());
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

/// The Redis index under a prefix of its own, when `TEST_REDIS_URL` is set.
async fn redis_index() -> Option<(RedisIndex, redis::aio::ConnectionManager, String)> {
    let url = std::env::var("TEST_REDIS_URL").ok()?;
    let Ok(client) = redis::Client::open(url) else {
        panic!("TEST_REDIS_URL is not a Redis URL");
    };
    let Ok(conn) = redis::aio::ConnectionManager::new(client).await else {
        panic!("Redis is not reachable");
    };
    let prefix = format!("earshot-test-{}:", uuid::Uuid::new_v4().simple());
    Some((RedisIndex::new(conn.clone(), &prefix), conn, prefix))
}

/// The keys under `prefix`.
async fn keys(conn: &mut redis::aio::ConnectionManager, prefix: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut cursor = 0_u64;
    loop {
        let (next, page): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(1_000)
            .query_async(conn)
            .await
            .unwrap_or_default();
        found.extend(page);
        if next == 0 {
            return found;
        }
        cursor = next;
    }
}

/// Times within one second, in a shuffled order (a fixed xorshift, so runs repeat).
fn within_one_second(count: usize, seed: u64) -> Vec<WakeUp> {
    let mut state = seed;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| WakeUp {
            at: at(0) + chrono::Duration::microseconds((next() % 1_000_000) as i64),
            ..snooze(0)
        })
        .collect()
}

#[tokio::test]
async fn thousands_due_in_one_second_come_out_in_order_and_leave_nothing_behind() {
    let Some((index, mut conn, prefix)) = redis_index().await else {
        return;
    };
    let mut added = within_one_second(5_000, 0x9e37_79b9_7f4a_7c15);
    // And 3,000 due in the very same millisecond, added among the others.
    let same = at(0) + chrono::Duration::milliseconds(500);
    for i in 0..3_000 {
        added.insert(
            i * 8 / 3,
            WakeUp {
                at: same,
                ..snooze(0)
            },
        );
    }
    for chunk in added.chunks(700) {
        index.add(chunk).await.unwrap_or_default();
    }
    for key in keys(&mut conn, &prefix).await {
        if key.ends_with(":wake") {
            continue;
        }
        let encoding: String = redis::cmd("OBJECT")
            .arg("ENCODING")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap_or_default();
        assert_eq!(encoding, "listpack", "{key} stays small");
    }

    let mut taken: Vec<WakeUp> = Vec::new();
    for _ in 0..added.len() {
        let batch = index.due(at(2), 500).await.unwrap_or_default();
        if batch.is_empty() {
            break;
        }
        index.done(&batch).await.unwrap_or_default();
        taken.extend(batch);
    }
    assert!(
        taken.is_sorted_by_key(|w| w.at),
        "earliest first, batch after batch"
    );
    let rounded = |w: &WakeUp| (w.id, w.score());
    let mut expected: Vec<_> = added.iter().map(rounded).collect();
    let mut got: Vec<_> = taken.iter().map(rounded).collect();
    expected.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, expected, "every entry once, at its millisecond");
    assert_eq!(index.next().await.ok().flatten(), None);
    assert_eq!(keys(&mut conn, &prefix).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_row_moved_to_another_bucket_comes_back_at_its_old_time_once() {
    let Some((index, mut conn, prefix)) = redis_index().await else {
        return;
    };
    // Enough entries between the two times that they fall in different buckets.
    let between: Vec<WakeUp> = (0..300).map(|i| snooze(10 + i)).collect();
    index.add(&between).await.unwrap_or_default();
    let first = snooze(5);
    let moved = WakeUp {
        at: at(400),
        ..first
    };
    index.add(&[first, moved]).await.unwrap_or_default();

    let due = index.due(at(5), 10).await.unwrap_or_default();
    assert_eq!(due, vec![first], "the old time comes back");
    index.done(&due).await.unwrap_or_default();
    assert_eq!(index.next().await.ok().flatten(), Some(at(10)));
    index.done(&between).await.unwrap_or_default();
    let due = index.due(at(1_000), 10).await.unwrap_or_default();
    assert_eq!(due, vec![moved], "the new time stays, once");
    index.done(&due).await.unwrap_or_default();
    assert_eq!(keys(&mut conn, &prefix).await, Vec::<String>::new());
}
