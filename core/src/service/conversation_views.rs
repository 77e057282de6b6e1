//! Building conversation read models in batches: one query for contacts with their
//! identities (only the columns summaries show) and one for tags (and one for channels not
//! seen before), however many conversations.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::entity::conversations;
use crate::ids::{ChannelId, ContactId, ConversationId, TeamId, UserId};
use crate::repo;
use crate::repo::conversations::ContactFace;
use crate::tenancy::WorkspaceScope;
use crate::views::{ChannelKind, ContactSummary, ConversationView, Priority, SlaStatus};
use crate::{Error, Result};

/// The read models of the rows, in the same order.
pub(crate) async fn views(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    rows: Vec<conversations::Model>,
) -> Result<Vec<ConversationView>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut channel_ids: Vec<Uuid> = rows.iter().map(|r| r.channel_id).collect();
    channel_ids.sort();
    channel_ids.dedup();
    let mut contact_ids: Vec<Uuid> = rows.iter().map(|r| r.contact_id).collect();
    contact_ids.sort();
    contact_ids.dedup();
    // Independent reads, sent together: on a pool each takes its own connection.
    let (kinds, contacts, tag_rows) = tokio::try_join!(
        repo::channels::kinds_of(conn, scope, &channel_ids),
        repo::conversations::contact_faces(conn, scope, &contact_ids),
        repo::conversations::tags_of(conn, scope, &ids),
    )?;
    let mut tags: HashMap<Uuid, Vec<String>> = HashMap::new();
    for (conversation_id, tag) in tag_rows {
        tags.entry(conversation_id).or_default().push(tag);
    }
    rows.into_iter()
        .map(|row| {
            let kind = *kinds.get(&row.channel_id).ok_or(Error::NotFound)?;
            let contact = summary(row.contact_id, contacts.get(&row.contact_id), kind);
            // A conversation may be shown more than once (as it was at each event).
            let row_tags = tags.get(&row.id).cloned().unwrap_or_default();
            view(row, kind, contact, row_tags)
        })
        .collect()
}

/// One conversation's read model.
pub(crate) async fn view_one(
    conn: &impl ConnectionTrait,
    scope: &WorkspaceScope,
    row: conversations::Model,
) -> Result<ConversationView> {
    views(conn, scope, vec![row])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

fn summary(id: Uuid, contact: Option<&ContactFace>, kind: ChannelKind) -> ContactSummary {
    let (name, identities) = match contact {
        Some((name, identities)) => (name.clone(), identities.as_slice()),
        None => (None, &[][..]),
    };
    let identity = identities
        .iter()
        .find(|i| i.channel_kind == kind.as_str())
        .or_else(|| identities.first());
    ContactSummary {
        id: ContactId::from(id),
        display_name: name.or_else(|| identity.and_then(|i| i.display_name.clone())),
        handle: identity.and_then(|i| i.handle.clone()),
        avatar_url: identity.and_then(|i| i.avatar_url.clone()),
        follower_count: identity.and_then(|i| i.follower_count),
        verified: identity.is_some_and(|i| i.verified),
    }
}

fn view(
    row: conversations::Model,
    kind: ChannelKind,
    contact: ContactSummary,
    tags: Vec<String>,
) -> Result<ConversationView> {
    Ok(ConversationView {
        id: ConversationId::from(row.id),
        channel_id: ChannelId::from(row.channel_id),
        channel_kind: kind,
        contact,
        visibility: row.visibility.parse()?,
        status: row.status.parse()?,
        snoozed_until: row.snoozed_until,
        priority: Priority::from_rank(row.priority),
        priority_auto: row.priority_auto,
        assignee_id: row.assignee_id.map(UserId::from),
        team_id: row.team_id.map(TeamId::from),
        tags,
        label: row.label.parse()?,
        sentiment: row.sentiment,
        influence: row.influence,
        thread_key: row.thread_key,
        message_count: row.message_count,
        last_activity_at: row.last_activity_at,
        last_inbound_at: row.last_inbound_at,
        resolved_at: row.resolved_at,
        sla_due_at: row.sla_due_at,
        sla_status: SlaStatus::at(row.sla_due_at, row.sla_warn_at, Utc::now()),
        csat_score: row.csat_score,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}
