//! Figures at a coarser split from those at a finer one — a workspace's totals from its
//! groups, an organization's from its workspaces — so that a report reads each row once:
//! counts add up, the durations' medians and p90 (which do not) come from the same
//! statements at the coarser split (`GROUPING SETS` on PostgreSQL), and only the backlog of
//! `day` groups, which leaves out conversations created before the period, is read again.

use sea_orm::ConnectionTrait;

use crate::Result;
use crate::repo;
use crate::repo::reports::{Grouping, Period, Reach, Reads, Tallies};
use crate::views::{CommitmentFigures, CsatFigures, ReportFigures, ReportGroupBy, SlaAttainment};

/// The figures at `coarse`: the counts of `fine`'s groups at the `fine` split summed, the
/// durations `read` at `coarse`.
pub(super) async fn rolled_up(
    conn: &impl ConnectionTrait,
    (reach, period): (&Reach, Period),
    (fine, read): (&Tallies, &Tallies),
    (from, to): (Grouping, Grouping),
) -> Result<Tallies> {
    let backlog_adds_up = from.by != Some(ReportGroupBy::Day);
    let mut rolled = Tallies::new();
    for (key, figures) in fine.iter().filter(|(key, _)| from.holds(key)) {
        let sum = rolled.entry(to.coarsen(*key)).or_default();
        add_counts(sum, figures, backlog_adds_up);
    }
    for (key, figures) in read.iter().filter(|(key, _)| to.holds(key)) {
        let rolled = rolled.entry(*key).or_default();
        rolled.first_response_seconds = figures.first_response_seconds.clone();
        rolled.resolution_seconds = figures.resolution_seconds.clone();
    }
    if !backlog_adds_up {
        let reads = Reads {
            counts: false,
            backlog: true,
            durations: false,
        };
        for (key, again) in repo::reports::figures(conn, reach, period, (to, &[]), reads).await? {
            rolled.entry(key).or_default().backlog = again.backlog;
        }
    }
    Ok(rolled)
}

/// Adds the counts of `more` to `sum`: every figure but the durations, and the backlog
/// only when `backlog` says it adds up.
fn add_counts(sum: &mut ReportFigures, more: &ReportFigures, backlog: bool) {
    let (volume, other) = (&mut sum.volume, &more.volume);
    volume.conversations += other.conversations;
    volume.customer_messages += other.customer_messages;
    volume.replies += other.replies;
    let kinds = [
        (&mut sum.sla.first_response, &more.sla.first_response),
        (&mut sum.sla.next_response, &more.sla.next_response),
        (&mut sum.sla.resolution, &more.sla.resolution),
    ];
    for (kind, other) in kinds {
        *kind = SlaAttainment::of(
            kind.achieved + other.achieved,
            kind.breached + other.breached,
        );
    }
    let (sentiment, other) = (&mut sum.sentiment, &more.sentiment);
    sentiment.adversary += other.adversary;
    sentiment.neutral += other.neutral;
    sentiment.advocate += other.advocate;
    if backlog {
        let (waiting, other) = (&mut sum.backlog, &more.backlog);
        waiting.total += other.total;
        waiting.open += other.open;
        waiting.pending += other.pending;
        waiting.snoozed += other.snoozed;
    }
    let (promised, other) = (&mut sum.commitments, &more.commitments);
    *promised = CommitmentFigures::of(
        promised.due + other.due,
        promised.kept + other.kept,
        promised.breached + other.breached,
    );
    let (answered, other) = (&mut sum.csat, &more.csat);
    *answered = CsatFigures::of(
        answered.answers + other.answers,
        answered.satisfied + other.satisfied,
        answered.turned_advocates + other.turned_advocates,
    );
}
