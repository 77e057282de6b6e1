//! A conversation keeps its first reply's time as the reply is stored, and reports measure
//! the first response from it: notes are no replies, and a later reply changes nothing.
#![expect(
    clippy::panic,
    reason = "test helpers fail the test at once on an unexpected answer"
)]

use chrono::{DateTime, Duration, FixedOffset};
use earshot_testkit::{TestApp, str_of};
use serde_json::{Value, json};

use crate::conversations::{Desk, ok};
use crate::reports::set;

fn instant(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[tokio::test]
async fn the_first_reply_stored_is_what_the_first_response_is_measured_to() {
    let app = TestApp::spawn().await;
    let t = app.tenant("Acme").await;
    let desk = Desk::open(&app, &t).await;
    let answered = desk.customer(&app, "u0", "Hello?").await;
    let noted = desk.customer(&app, "u1", "Anyone?").await;
    let note = json!({ "kind": "note", "text": "Looking into it" });
    for id in [&answered, &noted] {
        ok(
            desk.post_message(&app, &t.token, id, note.clone()).await,
            201,
        )
        .await;
    }
    for text in ["Hi", "Anything else?"] {
        let reply = json!({ "kind": "reply", "text": text, "visibility": "private" });
        ok(
            desk.post_message(&app, &t.token, &answered, reply).await,
            201,
        )
        .await;
    }
    let mut replies: Vec<String> = desk
        .messages(&app, &answered)
        .await
        .iter()
        .filter(|m| m["direction"] == "outbound")
        .map(|m| str_of(&m["created_at"]))
        .collect();
    replies.sort_by_key(|at| instant(at));
    let first = instant(&replies[0]);
    // Both conversations began ten minutes before the first reply.
    let began = (first - Duration::minutes(10)).to_rfc3339();
    for id in [&answered, &noted] {
        set(
            &app,
            "conversations",
            &format!("created_at = '{began}'"),
            id,
        )
        .await;
    }
    let format = "%Y-%m-%dT%H:%M:%SZ";
    let (from, to) = (first - Duration::days(1), first + Duration::days(1));
    let path = format!(
        "{}/reports/summary?from={}&to={}",
        desk.ws(),
        from.format(format),
        to.format(format)
    );
    let report: Value = ok(app.get(&path, &t.token).await, 200).await;
    let totals = &report["totals"];
    assert_eq!(totals["volume"]["conversations"], 2, "{report}");
    assert_eq!(
        totals["first_response_seconds"],
        json!({ "count": 1, "median": 600, "p90": 600 }),
        "{report}"
    );
}
