//! A workspace's figures per group, as a report lists them: every day of the period in
//! order, or each channel (by name), assignee or team (by id, the unassigned first) with
//! something to count.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeDelta};
use sea_orm::ConnectionTrait;

use crate::ids::{TeamId, UserId};
use crate::repo;
use crate::repo::reports::Bucket;
use crate::tenancy::WorkspaceScope;
use crate::views::{ReportFigures, ReportGroup, ReportGroupBy, ReportGroupKey};
use crate::{Error, Result};

use super::ReportQuery;

/// The groups of one workspace from its figures per bucket.
pub(super) async fn of(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    query: &ReportQuery,
    by: ReportGroupBy,
    tallies: Vec<(Bucket, ReportFigures)>,
) -> Result<Vec<ReportGroup>> {
    match by {
        ReportGroupBy::Day => Ok(days(query, tallies)),
        ReportGroupBy::Channel => channels(conn, scope, tallies).await,
        ReportGroupBy::Agent | ReportGroupBy::Team => Ok(tallies
            .into_iter()
            .filter_map(|(bucket, figures)| {
                let Bucket::Id(id) = bucket else {
                    return None;
                };
                let key = match by {
                    ReportGroupBy::Agent => ReportGroupKey::Agent {
                        user_id: id.map(UserId::from),
                    },
                    _ => ReportGroupKey::Team {
                        team_id: id.map(TeamId::from),
                    },
                };
                Some(ReportGroup { key, figures })
            })
            .collect()),
    }
}

/// Every UTC day the period touches, in order, zeros where nothing happened.
fn days(query: &ReportQuery, tallies: Vec<(Bucket, ReportFigures)>) -> Vec<ReportGroup> {
    let mut by_day: BTreeMap<NaiveDate, ReportFigures> = tallies
        .into_iter()
        .filter_map(|(bucket, figures)| match bucket {
            Bucket::Day(day) => Some((day, figures)),
            Bucket::All | Bucket::Id(_) => None,
        })
        .collect();
    // `to` is excluded: a period ending at midnight does not touch the day it starts.
    let last = (query.to - TimeDelta::nanoseconds(1)).date_naive();
    query
        .from
        .date_naive()
        .iter_days()
        .take_while(|day| *day <= last)
        .map(|day| ReportGroup {
            key: ReportGroupKey::Day { day },
            figures: by_day.remove(&day).unwrap_or_default(),
        })
        .collect()
}

/// Each channel with something to count, by name.
async fn channels(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    tallies: Vec<(Bucket, ReportFigures)>,
) -> Result<Vec<ReportGroup>> {
    let mut by_channel: BTreeMap<uuid::Uuid, ReportFigures> = tallies
        .into_iter()
        .filter_map(|(bucket, figures)| match bucket {
            Bucket::Id(Some(id)) => Some((id, figures)),
            Bucket::All | Bucket::Day(_) | Bucket::Id(None) => None,
        })
        .collect();
    let ids: Vec<uuid::Uuid> = by_channel.keys().copied().collect();
    let mut found = repo::reports::channels(conn, scope, &ids).await?;
    found.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
    found
        .into_iter()
        .map(|channel| {
            let figures = by_channel
                .remove(&channel.id.as_uuid())
                .ok_or_else(|| Error::Internal(anyhow::anyhow!("a report channel twice")))?;
            Ok(ReportGroup {
                key: ReportGroupKey::Channel { channel },
                figures,
            })
        })
        .collect()
}
