//! The inbox: conversations the caller may see, filtered, searched and sorted, a page at a
//! time.

use std::str::FromStr;

use serde::Deserialize;

use crate::ids::{ChannelId, ContactId, TeamId, UserId};
use crate::pagination::{Keyset, Page};
use crate::repo;
use crate::repo::search::Planning;
use crate::tenancy::{Capability, WorkspaceScope};
use crate::views::{ConversationView, Label, Priority, Status, Visibility};
use crate::{Core, Error, Result};

use super::conversation_views::views;

/// Whose conversations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    /// Nobody's.
    Unassigned,
    /// This person's.
    User(UserId),
}

/// Where the SLA clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaFilter {
    /// A deadline has passed.
    Breached,
    /// A deadline is running and not yet passed.
    Running,
    /// A deadline is running, not yet passed, and a warning threshold has passed.
    AtRisk,
    /// A deadline is running and no warning threshold has passed.
    Ok,
    /// No deadline.
    None,
}

/// The order of the inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InboxSort {
    /// Most recent activity first (the default).
    #[default]
    LastActivity,
    /// Most urgent first, then most recent.
    Priority,
    /// Nearest SLA deadline first; those without one last.
    SlaDue,
}

/// A validated inbox query.
#[derive(Debug, Clone, Default)]
pub struct InboxQuery {
    /// Any of these statuses.
    pub status: Vec<Status>,
    /// Whose.
    pub assignee: Option<AssigneeFilter>,
    /// One team's.
    pub team_id: Option<TeamId>,
    /// One channel's.
    pub channel_id: Option<ChannelId>,
    /// One contact's.
    pub contact_id: Option<ContactId>,
    /// With this tag.
    pub tag: Option<String>,
    /// Any of these priorities.
    pub priority: Vec<Priority>,
    /// SLA state.
    pub sla: Option<SlaFilter>,
    /// Text in messages or contact names.
    pub q: Option<String>,
    /// Label.
    pub label: Option<Label>,
    /// Public or private.
    pub visibility: Option<Visibility>,
    /// Order.
    pub sort: InboxSort,
}

/// The raw query string of `GET /v1/workspaces/{ws}/conversations`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InboxParams {
    /// Comma-separated statuses: `open,pending`.
    pub status: Option<String>,
    /// A user id, `me`, or `none` for unassigned.
    pub assignee_id: Option<String>,
    /// A team id.
    pub team_id: Option<String>,
    /// A channel id.
    pub channel_id: Option<String>,
    /// A contact id.
    pub contact_id: Option<String>,
    /// A tag.
    pub tag: Option<String>,
    /// Comma-separated priorities: `high,urgent`.
    pub priority: Option<String>,
    /// `breached` (a running clock is past its deadline), `at_risk` (past a warning
    /// threshold), `ok` (neither), `running` (`at_risk` or `ok`) or `none` (no clock running).
    pub sla: Option<String>,
    /// Words that must all appear in a message or the contact's name.
    pub q: Option<String>,
    /// `adversary`, `neutral` or `advocate`.
    pub label: Option<String>,
    /// `public` or `private`.
    pub visibility: Option<String>,
    /// `last_activity` (default), `priority` or `sla_due`.
    pub sort: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn bad(field: &str, value: &str) -> Error {
    let shown: String = value.chars().take(64).collect();
    Error::bad_request(
        "invalid_query",
        format!("{field} has an unknown value: {shown}"),
    )
}

fn list_of<T: FromStr>(field: &str, raw: &Option<String>) -> Result<Vec<T>> {
    raw.iter()
        .flat_map(|r| r.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| v.parse().map_err(|_| bad(field, v)))
        .collect()
}

fn one<T: FromStr>(field: &str, raw: &Option<String>) -> Result<Option<T>> {
    raw.as_deref()
        .map(|v| v.trim().parse().map_err(|_| bad(field, v)))
        .transpose()
}

impl InboxParams {
    /// Validates the query for the caller (`me` resolves to the calling user).
    pub fn parse(&self, scope: &WorkspaceScope) -> Result<InboxQuery> {
        let assignee = match self.assignee_id.as_deref().map(str::trim) {
            None => None,
            Some("none") => Some(AssigneeFilter::Unassigned),
            Some("me") => Some(AssigneeFilter::User(
                scope
                    .actor()
                    .user_id()
                    .ok_or_else(|| bad("assignee_id", "me"))?,
            )),
            Some(id) => Some(AssigneeFilter::User(
                id.parse().map_err(|_| bad("assignee_id", id))?,
            )),
        };
        let sla = match self.sla.as_deref() {
            None => None,
            Some("breached") => Some(SlaFilter::Breached),
            Some("running") => Some(SlaFilter::Running),
            Some("at_risk") => Some(SlaFilter::AtRisk),
            Some("ok") => Some(SlaFilter::Ok),
            Some("none") => Some(SlaFilter::None),
            Some(other) => return Err(bad("sla", other)),
        };
        let sort = match self.sort.as_deref() {
            None | Some("last_activity") => InboxSort::LastActivity,
            Some("priority") => InboxSort::Priority,
            Some("sla_due") => InboxSort::SlaDue,
            Some(other) => return Err(bad("sort", other)),
        };
        let q = self
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(String::from);
        if q.as_ref().is_some_and(|q| q.chars().count() > 200) {
            return Err(Error::bad_request(
                "invalid_query",
                "q has at most 200 characters",
            ));
        }
        Ok(InboxQuery {
            status: list_of("status", &self.status)?,
            assignee,
            team_id: one("team_id", &self.team_id)?,
            channel_id: one("channel_id", &self.channel_id)?,
            contact_id: one("contact_id", &self.contact_id)?,
            tag: self
                .tag
                .as_deref()
                .map(|t| super::conversations::clean_tag("tag", t).map_err(|_| bad("tag", t)))
                .transpose()?,
            priority: list_of("priority", &self.priority)?,
            sla,
            q,
            label: one("label", &self.label)?,
            visibility: one("visibility", &self.visibility)?,
            sort,
        })
    }
}

/// One page of the inbox.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn list(
    core: &Core,
    scope: &WorkspaceScope,
    query: &InboxQuery,
    limit: Option<u64>,
    cursor: Option<&str>,
) -> Result<Page<ConversationView>> {
    scope.require(Capability::ReadConversations)?;
    let page = core.cursors().request(limit, None)?;
    let after = cursor
        .map(|c| {
            core.cursors()
                .decode_keyset(c, repo::inbox::key_count(query.sort))
                .and_then(|k| repo::inbox::resume_after(query.sort, k))
        })
        .transpose()?;
    let conn = core.db().conn();
    let bounds = repo::inbox::PageBounds {
        after: after.as_ref(),
        limit: page.limit,
        planning: Planning {
            listed: core.config().search_listed_matches,
            stretch: core.config().search_latest_stretch,
            stats: core.word_stats(),
        },
    };
    let mut rows = repo::inbox::page(conn, scope, query, bounds).await?;
    let more = rows.len() as u64 > page.limit;
    rows.truncate(page.limit as usize);
    let next_cursor = match (more, rows.last()) {
        (true, Some(last)) => Some(core.cursors().encode_keyset(&Keyset {
            keys: repo::inbox::keys_of(query.sort, last),
            id: last.id,
        })?),
        _ => None,
    };
    Ok(Page {
        items: views(conn, scope, rows).await?,
        next_cursor,
    })
}
