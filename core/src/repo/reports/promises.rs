//! The figures of promises: commitments due and whether they were kept, and satisfaction
//! answers with the adversaries they turned into advocates.

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};

use crate::Result;
use crate::entity::{commitments, followups};
use crate::views::{CommitmentFigures, CommitmentState, CsatFigures, FollowupState};

use super::{Frame, Source, Tallies, col, count_if};

/// Commitments due in the period, not cancelled: kept in time, and breached.
pub(super) async fn commitments(
    conn: &impl ConnectionTrait,
    frame: &Frame<'_>,
    tallies: &mut Tallies,
) -> Result<()> {
    let cm = Source::Commitments.alias();
    let kept = col(cm, "state")
        .eq(CommitmentState::Fulfilled.as_str())
        .and(col(cm, "breached_at").is_null());
    let mut select = Query::select();
    select
        .from_as(commitments::Entity, Alias::new(cm))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("due"))
        .expr_as(count_if(kept), Alias::new("kept"))
        .expr_as(
            count_if(col(cm, "breached_at").is_not_null()),
            Alias::new("breached"),
        )
        .and_where(col(cm, "state").ne(CommitmentState::Cancelled.as_str()))
        .and_where(col(cm, "due_at").gte(frame.period.from))
        .and_where(col(cm, "due_at").lt(frame.period.to));
    frame.confine(&mut select, Source::Commitments);
    for row in conn.query_all(&select).await? {
        let figures = tallies.entry(frame.key_of(&row)?).or_default();
        figures.commitments = CommitmentFigures::of(
            row.try_get("", "due")?,
            row.try_get("", "kept")?,
            row.try_get("", "breached")?,
        );
    }
    Ok(())
}

/// Satisfaction answers received in the period: how many, how many satisfied (4 or 5), and
/// how many came from adversaries turned advocates.
pub(super) async fn csat(
    conn: &impl ConnectionTrait,
    frame: &Frame<'_>,
    tallies: &mut Tallies,
) -> Result<()> {
    let f = Source::Followups.alias();
    let mut select = Query::select();
    select
        .from_as(followups::Entity, Alias::new(f))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("answers"))
        .expr_as(count_if(col(f, "score").gte(4)), Alias::new("satisfied"))
        .expr_as(
            count_if(col(f, "turned_advocate").eq(true)),
            Alias::new("turned"),
        )
        .and_where(col(f, "state").eq(FollowupState::Answered.as_str()))
        .and_where(col(f, "answered_at").gte(frame.period.from))
        .and_where(col(f, "answered_at").lt(frame.period.to));
    frame.confine(&mut select, Source::Followups);
    for row in conn.query_all(&select).await? {
        let figures = tallies.entry(frame.key_of(&row)?).or_default();
        figures.csat = CsatFigures::of(
            row.try_get("", "answers")?,
            row.try_get("", "satisfied")?,
            row.try_get("", "turned")?,
        );
    }
    Ok(())
}
