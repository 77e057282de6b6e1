//! The inbox query: filters, the caller's visibility, a sort and keyset pagination, in one
//! statement.

use chrono::Utc;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement, SimpleExpr, UnionType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Select,
};

use crate::entity::{conversation_tags, conversations};
use crate::pagination::Keyset;
use crate::service::inbox::{AssigneeFilter, InboxQuery, InboxSort, SlaFilter};
use crate::tenancy::WorkspaceScope;
use crate::{Error, Result};

use super::conversations::{NO_DEADLINE, time_key, visible_to};
use super::search;

use conversation_tags::Column as T;
use conversations::Column as C;

/// The first key of every cursor: which sort made it, so another sort refuses it.
fn sort_tag(sort: InboxSort) -> i64 {
    match sort {
        InboxSort::LastActivity => 1,
        InboxSort::Priority => 2,
        InboxSort::SlaDue => 3,
    }
}

/// The sort keys of a row under a sort, after the sort's tag, as stored in its cursor.
pub(crate) fn keys_of(sort: InboxSort, row: &conversations::Model) -> Vec<i64> {
    let mut keys = vec![sort_tag(sort)];
    match sort {
        InboxSort::LastActivity => keys.push(row.last_activity_key),
        InboxSort::Priority => keys.extend([i64::from(row.priority), row.last_activity_key]),
        InboxSort::SlaDue => keys.push(row.sla_due_key),
    }
    keys
}

/// How many keys a sort's cursor carries, its tag included.
pub(crate) fn key_count(sort: InboxSort) -> usize {
    match sort {
        InboxSort::Priority => 3,
        InboxSort::LastActivity | InboxSort::SlaDue => 2,
    }
}

/// The position a cursor resumes after (its sort keys without the tag); `invalid_cursor`
/// when another sort made it.
pub(crate) fn resume_after(sort: InboxSort, cursor: Keyset) -> Result<Keyset> {
    match cursor.keys.split_first() {
        Some((tag, keys)) if *tag == sort_tag(sort) && keys.len() + 1 == key_count(sort) => {
            Ok(Keyset {
                keys: keys.to_vec(),
                id: cursor.id,
            })
        }
        _ => Err(Error::bad_request(
            "invalid_cursor",
            "the cursor belongs to another sort",
        )),
    }
}

/// The conversations the scope may see that pass every filter but the search `q`.
fn filtered(scope: &WorkspaceScope, query: &InboxQuery) -> Select<conversations::Entity> {
    let mut select = conversations::Entity::find().filter(visible_to(scope));
    if !query.status.is_empty() {
        select = select.filter(C::Status.is_in(query.status.iter().map(|s| s.as_str())));
    }
    if !query.priority.is_empty() {
        select = select.filter(C::Priority.is_in(query.priority.iter().map(|p| p.rank())));
    }
    match query.assignee {
        Some(AssigneeFilter::Unassigned) => select = select.filter(C::AssigneeId.is_null()),
        Some(AssigneeFilter::User(user)) => {
            select = select.filter(C::AssigneeId.eq(user.as_uuid()))
        }
        None => {}
    }
    if let Some(team) = query.team_id {
        select = select.filter(C::TeamId.eq(team.as_uuid()));
    }
    if let Some(channel) = query.channel_id {
        select = select.filter(C::ChannelId.eq(channel.as_uuid()));
    }
    if let Some(contact) = query.contact_id {
        select = select.filter(C::ContactId.eq(contact.as_uuid()));
    }
    if let Some(label) = query.label {
        select = select.filter(C::Label.eq(label.as_str()));
    }
    if let Some(visibility) = query.visibility {
        select = select.filter(C::Visibility.eq(visibility.as_str()));
    }
    if let Some(sla) = query.sla {
        let now = time_key(Utc::now());
        select = match sla {
            SlaFilter::Breached => select.filter(C::SlaDueKey.lt(now)),
            SlaFilter::Running => select
                .filter(C::SlaDueKey.gte(now))
                .filter(C::SlaDueKey.lt(NO_DEADLINE)),
            SlaFilter::None => select.filter(C::SlaDueKey.eq(NO_DEADLINE)),
        };
    }
    select
}

/// Ids of the workspace's conversations with the tag.
fn tagged(scope: &WorkspaceScope, tag: &str) -> SelectStatement {
    Query::select()
        .column(T::ConversationId)
        .from(conversation_tags::Entity)
        .and_where(T::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .and_where(T::Tag.eq(tag))
        .to_owned()
}

/// Conversations with the tag, most recent activity first: the tag's own index drives the
/// page, as its rows carry their conversation's activity key, so a page stops after
/// `limit` tagged conversations however rare the tag.
fn tagged_by_activity(
    select: Select<conversations::Entity>,
    scope: &WorkspaceScope,
    tag: &str,
    after: Option<&Keyset>,
) -> Select<conversations::Entity> {
    let key = || Expr::col((conversation_tags::Entity, T::LastActivityKey));
    let id = || Expr::col((conversation_tags::Entity, T::ConversationId));
    let select = select
        .inner_join(conversation_tags::Entity)
        .filter(T::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .filter(T::Tag.eq(tag));
    let select = match after {
        Some(k) => select.filter(
            Expr::tuple([key(), id()]).lt(Expr::tuple([Expr::val(k.keys[0]), Expr::val(k.id)])),
        ),
        None => select,
    };
    select
        .order_by(key(), Order::Desc)
        .order_by(id(), Order::Desc)
}

fn sorted(
    select: Select<conversations::Entity>,
    sort: InboxSort,
    after: Option<&Keyset>,
) -> Select<conversations::Entity> {
    let id = |keys: &Keyset| Expr::val(keys.id);
    match sort {
        InboxSort::LastActivity => {
            let select = match after {
                Some(k) => select.filter(
                    Expr::tuple([Expr::col(C::LastActivityKey), Expr::col(C::Id)])
                        .lt(Expr::tuple([Expr::val(k.keys[0]), id(k)])),
                ),
                None => select,
            };
            select
                .order_by_desc(C::LastActivityKey)
                .order_by_desc(C::Id)
        }
        InboxSort::Priority => {
            let select = match after {
                Some(k) => select.filter(
                    Expr::tuple([
                        Expr::col(C::Priority),
                        Expr::col(C::LastActivityKey),
                        Expr::col(C::Id),
                    ])
                    .lt(Expr::tuple([
                        Expr::val(k.keys[0]),
                        Expr::val(k.keys[1]),
                        id(k),
                    ])),
                ),
                None => select,
            };
            select
                .order_by_desc(C::Priority)
                .order_by_desc(C::LastActivityKey)
                .order_by_desc(C::Id)
        }
        InboxSort::SlaDue => {
            let select = match after {
                Some(k) => select.filter(
                    Expr::tuple([Expr::col(C::SlaDueKey), Expr::col(C::Id)])
                        .gt(Expr::tuple([Expr::val(k.keys[0]), id(k)])),
                ),
                None => select,
            };
            select.order_by_asc(C::SlaDueKey).order_by_asc(C::Id)
        }
    }
}

/// The filtered conversations in the query's order, resuming after a cursor.
fn ordered(
    select: Select<conversations::Entity>,
    scope: &WorkspaceScope,
    query: &InboxQuery,
    after: Option<&Keyset>,
) -> Select<conversations::Entity> {
    match &query.tag {
        Some(tag) if query.sort == InboxSort::LastActivity => {
            tagged_by_activity(select, scope, tag, after)
        }
        Some(tag) => sorted(
            select.filter(C::Id.in_subquery(tagged(scope, tag))),
            query.sort,
            after,
        ),
        None => sorted(select, query.sort, after),
    }
}

/// Ids of the first `count` conversations of each way to match, in one subquery (`None`
/// when there is no way): each way pages on its own (see `search::ways_to_match`).
fn search_candidates(
    scope: &WorkspaceScope,
    query: &InboxQuery,
    ways: Vec<SimpleExpr>,
    after: Option<&Keyset>,
    count: u64,
) -> Option<SelectStatement> {
    let pages = ways.into_iter().map(|way| {
        let page = ordered(filtered(scope, query).filter(way), scope, query, after)
            .select_only()
            .column(C::Id)
            .limit(count)
            .into_query();
        // Wrapped, as a member of a UNION may not carry its own ORDER BY and LIMIT.
        Query::select()
            .column(C::Id)
            .from_subquery(page, Alias::new("page"))
            .to_owned()
    });
    pages.reduce(|all, page| all.to_owned().union(UnionType::All, page).to_owned())
}

/// Where a page of the inbox starts and how long it is.
pub(crate) struct PageBounds<'a> {
    /// The position of the previous page's last row.
    pub after: Option<&'a Keyset>,
    /// Rows on the page; one more is read, to learn whether another page follows.
    pub limit: u64,
    /// How many search matches of one way are listed by id (`Config::search_listed_matches`).
    pub listed_matches: usize,
}

/// One page (plus one row, to learn whether another follows) of the inbox.
pub(crate) async fn page(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    query: &InboxQuery,
    bounds: PageBounds<'_>,
) -> Result<Vec<conversations::Model>> {
    let PageBounds { after, limit, .. } = bounds;
    let mut select = filtered(scope, query);
    if let Some(q) = &query.q {
        let ways = search::ways_to_match(conn, scope, q, bounds.listed_matches).await?;
        match search_candidates(scope, query, ways, after, limit + 1) {
            Some(candidates) => select = select.filter(C::Id.in_subquery(candidates)),
            None => return Ok(Vec::new()),
        }
    }
    Ok(ordered(select, scope, query, after)
        .limit(limit + 1)
        .all(conn)
        .await?)
}
