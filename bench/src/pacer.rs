//! Open-loop pacing. A thread of its own sleeps until each request is due and hands the due
//! time to the next client in turn. The operating system's timer wakes it within tens of
//! microseconds; tokio's timer fires on millisecond ticks, up to a millisecond after the
//! due time, and every latency measured from that due time would carry the delay.

use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::time::Instant;

/// Starts releasing due times: `rate` a second in all from `start`, the n-th to client
/// `n % clients`, until `end`. Each client's receiver ends after the last.
pub fn start(
    clients: usize,
    rate: f64,
    start: Instant,
    end: Instant,
) -> Vec<UnboundedReceiver<Instant>> {
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..clients).map(|_| unbounded_channel()).unzip();
    let every = Duration::from_secs_f64(1.0 / rate);
    let (start, end) = (start.into_std(), end.into_std());
    std::thread::spawn(move || {
        for n in 0u32.. {
            let due = start + every * n;
            if due >= end {
                break;
            }
            std::thread::sleep(due.saturating_duration_since(std::time::Instant::now()));
            // A client that has stopped listening has failed; the others go on.
            let _ = senders[n as usize % senders.len()].send(Instant::from_std(due));
        }
    });
    receivers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn due_times_go_round_the_clients_at_the_rate_until_the_end() {
        let start = Instant::now();
        let end = start + Duration::from_millis(20);
        let mut clients = super::start(3, 500.0, start, end);
        let mut dues = Vec::new();
        for (i, client) in clients.iter_mut().enumerate() {
            while let Some(due) = client.recv().await {
                dues.push((due, i));
            }
        }
        dues.sort();
        // Every 2 ms from the start, 10 before the end, the n-th to client n % 3.
        assert_eq!(dues.len(), 10);
        for (n, (due, client)) in dues.iter().enumerate() {
            assert_eq!(*due - start, Duration::from_millis(2 * n as u64));
            assert_eq!(*client, n % 3);
        }
    }
}
