//! Losing the Redis wake-up index, as a flush or a restart of Redis would.

use earshot_testkit::TestApp;

/// Deletes every key of the app's wake-up index; how many there were (none if Redis
/// cannot be reached).
pub fn lose(app: &TestApp, url: &str) -> usize {
    let pattern = format!("{}{{schedule}}:*", app.core.config().redis_prefix);
    let Ok(mut redis) = redis::Client::open(url).and_then(|c| c.get_connection()) else {
        return 0;
    };
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(&pattern)
        .query(&mut redis)
        .unwrap_or_default();
    for key in &keys {
        let _: i64 = redis::cmd("DEL").arg(key).query(&mut redis).unwrap_or(0);
    }
    keys.len()
}
