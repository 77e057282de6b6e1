//! The figures that are counts of other rows than the conversations created in the period:
//! customer messages and replies, SLA clocks achieved and breached, and the backlog.

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};

use crate::Result;
use crate::entity::{conversations, messages, sla_clocks};
use crate::sla::clock::{ClockKind, Outcome};
use crate::views::{Direction, ReportGroupBy, SlaAttainment, Status};

use super::{C, Frame, Source, Tallies, col, count_if};

/// Customer messages and replies written in the period (notes are neither).
pub(super) async fn messages(
    conn: &impl ConnectionTrait,
    frame: &Frame<'_>,
    tallies: &mut Tallies,
) -> Result<()> {
    let m = Source::Messages.alias();
    let directions = [Direction::Inbound.as_str(), Direction::Outbound.as_str()];
    let mut select = Query::select();
    select
        .from_as(messages::Entity, Alias::new(m))
        .expr_as(col(m, "direction"), Alias::new("direction"))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("written"))
        .and_where(col(m, "direction").is_in(directions))
        .and_where(col(m, "created_at").gte(frame.period.from))
        .and_where(col(m, "created_at").lt(frame.period.to))
        .add_group_by([col(m, "direction")]);
    frame.confine(&mut select, Source::Messages);
    for row in conn.query_all(&select).await? {
        let figures = tallies.entry(frame.key_of(&row)?).or_default();
        let direction: String = row.try_get("", "direction")?;
        let written: i64 = row.try_get("", "written")?;
        match direction.parse::<Direction>()? {
            Direction::Inbound => figures.volume.customer_messages = written,
            Direction::Outbound => figures.volume.replies = written,
            Direction::Note => {}
        }
    }
    Ok(())
}

/// SLA clocks started in the period, per kind: those achieved and those breached.
pub(super) async fn sla(
    conn: &impl ConnectionTrait,
    frame: &Frame<'_>,
    tallies: &mut Tallies,
) -> Result<()> {
    let s = Source::Clocks.alias();
    let kinds = [
        ClockKind::FirstResponse,
        ClockKind::NextResponse,
        ClockKind::Resolution,
    ];
    let mut select = Query::select();
    select
        .from_as(sla_clocks::Entity, Alias::new(s))
        .expr_as(col(s, "kind"), Alias::new("kind"))
        .expr_as(
            count_if(col(s, "outcome").eq(Outcome::Achieved.as_str())),
            Alias::new("achieved"),
        )
        .expr_as(
            count_if(col(s, "breached_at").is_not_null()),
            Alias::new("breached"),
        )
        // Every kind named, so each is a range of the (workspace, kind, start) index.
        .and_where(col(s, "kind").is_in(kinds.map(ClockKind::as_str)))
        .and_where(col(s, "started_at").gte(frame.period.from))
        .and_where(col(s, "started_at").lt(frame.period.to))
        .add_group_by([col(s, "kind")]);
    frame.confine(&mut select, Source::Clocks);
    for row in conn.query_all(&select).await? {
        let figures = tallies.entry(frame.key_of(&row)?).or_default();
        let kind: String = row.try_get("", "kind")?;
        let attainment =
            SlaAttainment::of(row.try_get("", "achieved")?, row.try_get("", "breached")?);
        match kind.parse::<ClockKind>()? {
            ClockKind::FirstResponse => figures.sla.first_response = attainment,
            ClockKind::NextResponse => figures.sla.next_response = attainment,
            ClockKind::Resolution => figures.sla.resolution = attainment,
        }
    }
    Ok(())
}

/// The waiting statuses, written out rather than bound, so that the database sees this is
/// the condition of the backlog's partial index (`idx_conversations_backlog`, which names
/// the same list) whatever plan it keeps for the statement.
const WAITING: &str = "c.status IN ('open', 'pending', 'snoozed')";

/// Conversations created before the end of the period (in `day` groups: during it) that
/// are open, pending or snoozed now.
pub(super) async fn backlog(
    conn: &impl ConnectionTrait,
    frame: &Frame<'_>,
    tallies: &mut Tallies,
) -> Result<()> {
    let mut select = Query::select();
    select
        .from_as(conversations::Entity, Alias::new(C))
        .expr_as(col(C, "status"), Alias::new("status"))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("waiting"))
        .and_where(Expr::cust(WAITING))
        .and_where(col(C, "created_at").lt(frame.period.to))
        .add_group_by([col(C, "status")]);
    if frame.grouping.by == Some(ReportGroupBy::Day) {
        select.and_where(col(C, "created_at").gte(frame.period.from));
    }
    frame.confine(&mut select, Source::Conversations);
    for row in conn.query_all(&select).await? {
        let figures = tallies.entry(frame.key_of(&row)?).or_default();
        let status: String = row.try_get("", "status")?;
        let waiting: i64 = row.try_get("", "waiting")?;
        match status.parse::<Status>()? {
            Status::Open => figures.backlog.open = waiting,
            Status::Pending => figures.backlog.pending = waiting,
            Status::Snoozed => figures.backlog.snoozed = waiting,
            Status::Resolved | Status::Closed => {}
        }
        let backlog = &mut figures.backlog;
        backlog.total = backlog.open + backlog.pending + backlog.snoozed;
    }
    Ok(())
}
