//! Latency samples per scenario and the table they are reported in (exact percentiles from
//! the sorted samples, nearest-rank).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

/// Samples of one scenario.
#[derive(Debug, Default, Clone)]
pub struct Samples {
    /// Latencies in microseconds of successful requests.
    pub micros: Vec<u64>,
    /// Requests that failed or answered other than 200.
    pub errors: u64,
    /// The first error seen, to show what went wrong.
    pub first_error: Option<String>,
}

impl Samples {
    /// Records one success.
    pub fn ok(&mut self, latency: Duration) {
        self.micros
            .push(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX));
    }

    /// Records one failure.
    pub fn error(&mut self, what: String) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(what);
        }
    }

    fn merge(&mut self, other: Samples) {
        self.micros.extend(other.micros);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

/// Samples by scenario name.
pub type Report = BTreeMap<&'static str, Samples>;

/// Adds one worker's samples into the total.
pub fn merge(total: &mut Report, part: Report) {
    for (name, samples) in part {
        total.entry(name).or_default().merge(samples);
    }
}

/// The nearest-rank percentile `p` (0–100) of sorted samples.
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(micros: u64) -> String {
    format!("{:.2}", micros as f64 / 1000.0)
}

/// A Markdown table: count, throughput and p50/p90/p99/max in milliseconds per scenario,
/// and whether p99 meets `target_ms`.
pub fn table(report: &mut Report, seconds: f64, target_ms: f64) -> String {
    let mut out = String::from(
        "| scenario | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | p99 ≤ target |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|:---:|\n",
    );
    let mut all: Vec<u64> = Vec::new();
    let mut errors = 0;
    for (name, samples) in report.iter_mut() {
        samples.micros.sort_unstable();
        all.extend_from_slice(&samples.micros);
        errors += samples.errors;
        row(
            &mut out,
            name,
            &samples.micros,
            samples.errors,
            seconds,
            target_ms,
        );
    }
    all.sort_unstable();
    row(&mut out, "**all**", &all, errors, seconds, target_ms);
    out
}

fn row(out: &mut String, name: &str, sorted: &[u64], errors: u64, seconds: f64, target: f64) {
    let p99 = percentile(sorted, 99.0);
    let verdict = if sorted.is_empty() {
        "–"
    } else if p99 as f64 / 1000.0 <= target {
        "yes"
    } else {
        "no"
    };
    let _ = writeln!(
        out,
        "| {name} | {} | {:.0} | {} | {} | {} | {} | {errors} | {verdict} |",
        sorted.len(),
        sorted.len() as f64 / seconds.max(f64::EPSILON),
        ms(percentile(sorted, 50.0)),
        ms(percentile(sorted, 90.0)),
        ms(p99),
        ms(sorted.last().copied().unwrap_or(0)),
    );
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let samples: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&samples, 50.0), 50);
        assert_eq!(percentile(&samples, 99.0), 99);
        assert_eq!(percentile(&samples, 100.0), 100);
        assert_eq!(percentile(&[7], 99.0), 7);
        assert_eq!(percentile(&[], 99.0), 0);
    }
}
