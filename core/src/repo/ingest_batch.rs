//! What the worker reads at once for a batch of customers' messages of one workspace: the
//! messages already stored under their platform ids (and those they reply to), the
//! identities of their authors, the conversations they may join and those conversations'
//! recent sentiments. One statement each, whatever the size of the batch.

use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter};
use uuid::Uuid;

use crate::Result;
use crate::entity::{contact_identities, conversations, messages};
use crate::tenancy::WorkspaceScope;
use crate::views::{Direction, Visibility};

use super::scoped::scoped;

/// The stored messages among `ids` (channel, platform message id), by those two.
pub(crate) async fn messages_by_platform_id(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    ids: &[(Uuid, String)],
) -> Result<HashMap<(Uuid, String), messages::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let (channels, platform_ids) = unzip_unique(ids);
    let rows = scoped::<messages::Entity>(scope)
        .filter(messages::Column::ChannelId.is_in(channels))
        .filter(messages::Column::PlatformMessageId.is_in(platform_ids))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|m| {
            let key = (m.channel_id, m.platform_message_id.clone()?);
            Some((key, m))
        })
        .collect())
}

/// The identities among `ids` (channel kind, platform user id), by those two.
pub(crate) async fn identities(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    ids: &[(String, String)],
) -> Result<HashMap<(String, String), contact_identities::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let (kinds, users) = unzip_unique(ids);
    let rows = scoped::<contact_identities::Entity>(scope)
        .filter(contact_identities::Column::ChannelKind.is_in(kinds))
        .filter(contact_identities::Column::PlatformUserId.is_in(users))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|i| ((i.channel_kind.clone(), i.platform_user_id.clone()), i))
        .collect())
}

/// Conversations by id, whatever their state.
pub(crate) async fn conversations_by_id(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    ids: Vec<Uuid>,
) -> Result<Vec<conversations::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(scoped::<conversations::Entity>(scope)
        .filter(conversations::Column::Id.is_in(ids))
        .all(conn)
        .await?)
}

/// The private conversations of the contacts on the channels (every pair of the two lists;
/// the caller keeps the pairs it asked for).
pub(crate) async fn private_conversations(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    pairs: &[(Uuid, Uuid)],
) -> Result<Vec<conversations::Model>> {
    if pairs.is_empty() {
        return Ok(Vec::new());
    }
    let (channels, contacts) = unzip_unique(pairs);
    Ok(scoped::<conversations::Entity>(scope)
        .filter(conversations::Column::ChannelId.is_in(channels))
        .filter(conversations::Column::ContactId.is_in(contacts))
        .filter(conversations::Column::Visibility.eq(Visibility::Private.as_str()))
        .all(conn)
        .await?)
}

/// The conversations of the public threads on the channels (every pair of the two lists).
pub(crate) async fn thread_conversations(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    pairs: &[(Uuid, String)],
) -> Result<Vec<conversations::Model>> {
    if pairs.is_empty() {
        return Ok(Vec::new());
    }
    let (channels, keys) = unzip_unique(pairs);
    Ok(scoped::<conversations::Entity>(scope)
        .filter(conversations::Column::ChannelId.is_in(channels))
        .filter(conversations::Column::ThreadKey.is_in(keys))
        .all(conn)
        .await?)
}

/// The sentiments of the latest `count` scored customer messages of each conversation,
/// newest first.
pub(crate) async fn recent_sentiments(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    conversations: Vec<Uuid>,
    count: u64,
) -> Result<HashMap<Uuid, Vec<f64>>> {
    use messages::Column as M;
    if conversations.is_empty() {
        return Ok(HashMap::new());
    }
    let rank = Alias::new("rank");
    let ranked = Query::select()
        .columns([M::ConversationId, M::Id, M::Sentiment])
        .expr_as(
            Expr::cust(r#"ROW_NUMBER() OVER (PARTITION BY "conversation_id" ORDER BY "id" DESC)"#),
            rank.clone(),
        )
        .from(messages::Entity)
        .and_where(M::WorkspaceId.eq(scope.workspace_id().as_uuid()))
        .and_where(M::ConversationId.is_in(conversations))
        .and_where(M::Direction.eq(Direction::Inbound.as_str()))
        .and_where(M::Sentiment.is_not_null())
        .to_owned();
    let recent = Query::select()
        .columns([M::ConversationId, M::Sentiment])
        .from_subquery(ranked, Alias::new("ranked"))
        .and_where(Expr::col(rank).lte(count))
        .order_by(M::Id, Order::Desc)
        .to_owned();
    let mut found: HashMap<Uuid, Vec<f64>> = HashMap::new();
    for row in conn.query_all(&recent).await? {
        let conversation: Uuid = row.try_get("", "conversation_id")?;
        let sentiment: f64 = row.try_get("", "sentiment")?;
        found.entry(conversation).or_default().push(sentiment);
    }
    Ok(found)
}

/// The distinct values of each side of a list of pairs.
fn unzip_unique<A, B>(pairs: &[(A, B)]) -> (Vec<A>, Vec<B>)
where
    A: Clone + Ord,
    B: Clone + Ord,
{
    let (mut left, mut right): (Vec<A>, Vec<B>) = pairs.iter().cloned().unzip();
    left.sort();
    left.dedup();
    right.sort();
    right.dedup();
    (left, right)
}
