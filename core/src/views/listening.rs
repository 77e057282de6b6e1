//! Keyword listening rules as callers see them.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::ids::{ChannelId, ListeningRuleId};

/// A keyword listening rule: public X posts matching its query become conversations,
/// tagged `listening:<name>`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ListeningRuleView {
    /// Id.
    pub id: ListeningRuleId,
    /// Name, unique in the workspace; heard conversations carry the tag `listening:<name>`.
    pub name: String,
    /// The X recent-search query (X's search syntax).
    pub query: String,
    /// The X channel whose credentials search, and where heard posts arrive.
    pub channel_id: ChannelId,
    /// Whether the rule is searched.
    pub enabled: bool,
    /// Seconds between searches.
    pub poll_every_secs: i32,
    /// Posts its searches have fetched so far.
    pub posts_heard: i64,
    /// When it was last searched.
    pub last_polled_at: Option<DateTime<Utc>>,
    /// Why the last search got nothing (X refused it, or the channel cannot search), if it did.
    pub last_error: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}
