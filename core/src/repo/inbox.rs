//! The inbox query: filters, the caller's visibility, a sort and keyset pagination in one
//! statement, with a search planned by how common its words are.

use chrono::Utc;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement, SimpleExpr, UnionType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Select,
};
use uuid::Uuid;

use crate::entity::{conversation_tags, conversations};
use crate::pagination::Keyset;
use crate::service::inbox::{AssigneeFilter, InboxQuery, InboxSort, SlaFilter};
use crate::tenancy::WorkspaceScope;
use crate::{Error, Result};

use super::conversations::{NO_DEADLINE, time_key, visible_to};
use super::search::{self, Planning, Way};

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
        let at = Utc::now();
        let now = time_key(at);
        let running = C::SlaDueKey.gt(now).and(C::SlaDueKey.lt(NO_DEADLINE));
        select = match sla {
            SlaFilter::Breached => select.filter(C::SlaDueKey.lte(now)),
            SlaFilter::Running => select.filter(running),
            SlaFilter::AtRisk => select.filter(running).filter(C::SlaWarnAt.lte(at)),
            SlaFilter::Ok => select
                .filter(running)
                .filter(C::SlaWarnAt.is_null().or(C::SlaWarnAt.gt(at))),
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

/// The columns the query's order runs on, most significant first, and its direction. With
/// a tag and the default order, the tag's rows drive the page: they carry their
/// conversation's activity key, so the tag's own index holds them in inbox order and a page
/// stops after `limit` tagged conversations however rare the tag.
fn order_keys(query: &InboxQuery) -> (Vec<SimpleExpr>, Order) {
    let c = |column: C| Expr::col((conversations::Entity, column));
    match query.sort {
        InboxSort::LastActivity if query.tag.is_some() => (
            vec![
                Expr::col((conversation_tags::Entity, T::LastActivityKey)),
                Expr::col((conversation_tags::Entity, T::ConversationId)),
            ],
            Order::Desc,
        ),
        InboxSort::LastActivity => (vec![c(C::LastActivityKey), c(C::Id)], Order::Desc),
        InboxSort::Priority => (
            vec![c(C::Priority), c(C::LastActivityKey), c(C::Id)],
            Order::Desc,
        ),
        InboxSort::SlaDue => (vec![c(C::SlaDueKey), c(C::Id)], Order::Asc),
    }
}

/// Rows after `position` in the query's order.
fn past(query: &InboxQuery, position: &Keyset) -> SimpleExpr {
    let (keys, order, values) = compared(query, position);
    match order {
        Order::Asc => keys.gt(values),
        _ => keys.lt(values),
    }
}

/// Rows up to `position` in the query's order, itself included.
fn up_to(query: &InboxQuery, position: &Keyset) -> SimpleExpr {
    let (keys, order, values) = compared(query, position);
    match order {
        Order::Asc => keys.lte(values),
        _ => keys.gte(values),
    }
}

fn compared(query: &InboxQuery, position: &Keyset) -> (SimpleExpr, Order, SimpleExpr) {
    let (keys, order) = order_keys(query);
    let values = position
        .keys
        .iter()
        .map(|key| Expr::val(*key))
        .chain([Expr::val(position.id)]);
    (Expr::tuple(keys), order, Expr::tuple(values))
}

/// The filtered conversations in the query's order, resuming after a cursor.
fn ordered(
    select: Select<conversations::Entity>,
    scope: &WorkspaceScope,
    query: &InboxQuery,
    after: Option<&Keyset>,
) -> Select<conversations::Entity> {
    let select = match &query.tag {
        Some(tag) if query.sort == InboxSort::LastActivity => select
            .inner_join(conversation_tags::Entity)
            .filter(T::WorkspaceId.eq(scope.workspace_id().as_uuid()))
            .filter(T::Tag.eq(tag)),
        Some(tag) => select.filter(C::Id.in_subquery(tagged(scope, tag))),
        None => select,
    };
    let select = match after {
        Some(position) => select.filter(past(query, position)),
        None => select,
    };
    let (keys, order) = order_keys(query);
    keys.into_iter()
        .fold(select, |select, key| select.order_by(key, order.clone()))
}

/// Ids of the first `count` conversations of each way to match, in one subquery (`None`
/// when there is no way): each way pages on its own.
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

/// One way to match as a condition on conversations (`None` when nothing matches), planned
/// by how common its words are.
async fn way_condition(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    query: &InboxQuery,
    bounds: &PageBounds<'_>,
    way: Way,
) -> Result<Option<SimpleExpr>> {
    let q = query.q.as_deref().unwrap_or_default();
    if way.is_common(conn, q, &bounds.planning).await?
        && let Some(ids) = first_in_latest(conn, scope, query, bounds, &way).await?
    {
        search::record_plan("latest");
        return Ok((!ids.is_empty()).then(|| C::Id.is_in(ids)));
    }
    way.listed_or_walked(conn, bounds.planning.listed).await
}

/// The way's first matches after the cursor (a page and one more), when they lie within
/// the next `Planning::stretch` conversations of the inbox; `None` when they do not. A
/// common word is found there without reading its whole index entry, and the stretch
/// bounds the walk should the word be rare in this workspace or under these filters.
async fn first_in_latest(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    query: &InboxQuery,
    bounds: &PageBounds<'_>,
    way: &Way,
) -> Result<Option<Vec<Uuid>>> {
    let count = bounds.limit + 1;
    let last_of_stretch = end_of_stretch(conn, scope, query, bounds).await?;
    let mut walk = ordered(
        filtered(scope, query).filter(way.walked()),
        scope,
        query,
        bounds.after,
    );
    if let Some(last) = &last_of_stretch {
        walk = walk.filter(up_to(query, last));
    }
    let ids: Vec<Uuid> = walk
        .select_only()
        .column(C::Id)
        .limit(count)
        .into_tuple()
        .all(conn)
        .await?;
    // Short of a page is the whole answer only when the stretch reached the inbox's end.
    Ok((last_of_stretch.is_none() || ids.len() as u64 == count).then_some(ids))
}

/// Where the last of the next `Planning::stretch` conversations stands in the order, `None`
/// when fewer remain. Only the order's keys are read, which its index holds.
async fn end_of_stretch(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    query: &InboxQuery,
    bounds: &PageBounds<'_>,
) -> Result<Option<Keyset>> {
    let (keys, _) = order_keys(query);
    let id_index = keys.len() - 1;
    let mut select = ordered(filtered(scope, query), scope, query, bounds.after).select_only();
    for (index, key) in keys.into_iter().enumerate() {
        let key = match index < id_index {
            true => key.cast_as(Alias::new("bigint")),
            false => key,
        };
        select = select.column_as(key, format!("key{index}"));
    }
    let last = select
        .offset(bounds.planning.stretch - 1)
        .limit(1)
        .into_query();
    let Some(row) = conn.query_one(&last).await? else {
        return Ok(None);
    };
    Ok(Some(Keyset {
        keys: (0..id_index)
            .map(|index| row.try_get_by_index::<i64>(index))
            .collect::<std::result::Result<_, _>>()?,
        id: row.try_get_by_index::<Uuid>(id_index)?,
    }))
}

/// Where a page of the inbox starts and how long it is.
pub(crate) struct PageBounds<'a> {
    /// The position of the previous page's last row.
    pub after: Option<&'a Keyset>,
    /// Rows on the page; one more is read, to learn whether another page follows.
    pub limit: u64,
    /// How a search is planned.
    pub planning: Planning<'a>,
}

/// One page (plus one row, to learn whether another follows) of the inbox.
pub(crate) async fn page(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    query: &InboxQuery,
    bounds: PageBounds<'_>,
) -> Result<Vec<conversations::Model>> {
    let mut select = filtered(scope, query);
    if let Some(q) = &query.q {
        let mut conditions = Vec::new();
        for way in search::ways(scope, conn.get_database_backend(), q) {
            conditions.extend(way_condition(conn, scope, query, &bounds, way).await?);
        }
        match search_candidates(scope, query, conditions, bounds.after, bounds.limit + 1) {
            Some(candidates) => select = select.filter(C::Id.in_subquery(candidates)),
            None => return Ok(Vec::new()),
        }
    }
    Ok(ordered(select, scope, query, bounds.after)
        .limit(bounds.limit + 1)
        .all(conn)
        .await?)
}
