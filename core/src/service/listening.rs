//! Keyword listening rules: per workspace, an X recent-search query searched with one X
//! channel's credentials on the rule's own interval, so the brand hears customers who never
//! tagged it. Posts a rule hears become conversations on that channel, tagged
//! `listening:<name>`. Admins manage rules; every member reads them. The worker's side is
//! `polling::search`.

use serde::Deserialize;
use serde_json::json;

use crate::entity::listening_rules;
use crate::ids::{ChannelId, ListeningRuleId};
use crate::pagination::{Page, PageRequest};
use crate::repo;
use crate::repo::listening_rules::RuleFields;
use crate::tenancy::{Capability, WorkspaceScope};
use crate::views::{ChannelKind, ListeningRuleView};
use crate::{Core, Error, Result};

use super::audit;
use super::polling::search::source_of;

/// Longest name: `listening:` and the name make a tag, and tags have at most 64 characters.
pub const MAX_NAME_LEN: usize = 50;
/// Longest query X's recent search takes.
pub const MAX_QUERY_LEN: usize = 512;
/// The shortest interval (X allows 300 searches per 15 minutes per user).
pub const MIN_EVERY_SECS: i32 = 15;
/// The longest interval: a day.
pub const MAX_EVERY_SECS: i32 = 86_400;
/// The interval of a rule that names none.
pub const DEFAULT_EVERY_SECS: i32 = 60;

/// `POST /v1/workspaces/{ws}/listening-rules`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewListeningRule {
    /// Name, unique in the workspace; heard conversations are tagged `listening:<name>`.
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    /// X recent-search query in X's search syntax, such as `"order late" OR refund -is:retweet`.
    #[schema(min_length = 1, max_length = 512)]
    pub query: String,
    /// The X channel whose credentials search; heard posts arrive on it.
    pub channel_id: ChannelId,
    /// Whether it is searched (default `true`).
    pub enabled: Option<bool>,
    /// Seconds between searches (15 to 86400, default 60).
    #[schema(minimum = 15, maximum = 86400)]
    pub poll_every_secs: Option<i32>,
}

/// `PATCH /v1/workspaces/{ws}/listening-rules/{id}`: only the fields present change. A new
/// query or channel starts the search afresh, as a new rule would.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListeningRulePatch {
    /// New name (later conversations get the new tag; earlier ones keep theirs).
    #[schema(min_length = 1, max_length = 50)]
    pub name: Option<String>,
    /// New query.
    #[schema(min_length = 1, max_length = 512)]
    pub query: Option<String>,
    /// Another X channel.
    pub channel_id: Option<ChannelId>,
    /// Switches searching on or off.
    pub enabled: Option<bool>,
    /// Seconds between searches (15 to 86400).
    #[schema(minimum = 15, maximum = 86400)]
    pub poll_every_secs: Option<i32>,
}

/// The tag conversations heard by the rule named `name` carry.
pub fn tag_of(name: &str) -> String {
    format!("listening:{name}")
}

/// Checks the fields a caller sets, every problem at once.
fn checked(fields: RuleFields) -> Result<RuleFields> {
    let mut errors = Vec::new();
    let name = fields.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN || name.chars().any(char::is_control)
    {
        let message = format!("a name has 1 to {MAX_NAME_LEN} printable characters");
        errors.push(crate::error::FieldError::new(
            "name",
            "invalid_name",
            message,
        ));
    }
    let query = fields.query.trim().to_owned();
    if query.is_empty()
        || query.chars().count() > MAX_QUERY_LEN
        || query.chars().any(char::is_control)
    {
        let message = format!("a query has 1 to {MAX_QUERY_LEN} printable characters");
        errors.push(crate::error::FieldError::new(
            "query",
            "invalid_query",
            message,
        ));
    }
    if !(MIN_EVERY_SECS..=MAX_EVERY_SECS).contains(&fields.poll_every_secs) {
        let message = format!("between {MIN_EVERY_SECS} and {MAX_EVERY_SECS} seconds");
        errors.push(crate::error::FieldError::new(
            "poll_every_secs",
            "out_of_range",
            message,
        ));
    }
    match errors.is_empty() {
        true => Ok(RuleFields {
            name,
            query,
            ..fields
        }),
        false => Err(Error::Validation(errors)),
    }
}

/// The channel must be one of the workspace's X channels (another workspace's is not found).
async fn check_channel(
    conn: &impl sea_orm::ConnectionTrait,
    scope: &WorkspaceScope,
    id: ChannelId,
) -> Result<()> {
    let channel = repo::channels::get(conn, scope, id).await?;
    if channel.kind != ChannelKind::X.as_str() {
        return Err(Error::invalid(
            "channel_id",
            "not_an_x_channel",
            "listening searches X: the channel must be an X channel",
        ));
    }
    Ok(())
}

fn rule_view(model: listening_rules::Model) -> ListeningRuleView {
    ListeningRuleView {
        id: ListeningRuleId::from(model.id),
        name: model.name,
        query: model.query,
        channel_id: ChannelId::from(model.channel_id),
        enabled: model.enabled,
        poll_every_secs: model.poll_every_secs,
        posts_heard: model.posts_heard,
        last_polled_at: model.last_polled_at,
        last_error: model.last_error,
        created_at: model.created_at,
        updated_at: model.updated_at,
    }
}

/// The workspace's listening rules, oldest first.
pub async fn list(
    core: &Core,
    scope: &WorkspaceScope,
    page: PageRequest,
) -> Result<Page<ListeningRuleView>> {
    scope.require(Capability::ReadChannels)?;
    let rows = repo::listening_rules::list(core.db().conn(), scope, page).await?;
    let page = core.cursors().page(rows, page, |r| r.id)?;
    Ok(Page {
        items: page.items.into_iter().map(rule_view).collect(),
        next_cursor: page.next_cursor,
    })
}

/// One listening rule.
pub async fn get(
    core: &Core,
    scope: &WorkspaceScope,
    id: ListeningRuleId,
) -> Result<ListeningRuleView> {
    scope.require(Capability::ReadChannels)?;
    let model = repo::listening_rules::get(core.db().conn(), scope, id).await?;
    Ok(rule_view(model))
}

/// Creates a listening rule; an enabled one is searched on the worker's next turn.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn create(
    core: &Core,
    scope: &WorkspaceScope,
    input: NewListeningRule,
) -> Result<ListeningRuleView> {
    scope.require(Capability::ManageChannels)?;
    let fields = checked(RuleFields {
        name: input.name,
        query: input.query,
        channel_id: input.channel_id,
        enabled: input.enabled.unwrap_or(true),
        poll_every_secs: input.poll_every_secs.unwrap_or(DEFAULT_EVERY_SECS),
    })?;
    let txn = core.db().begin().await?;
    check_channel(&txn, scope, fields.channel_id).await?;
    let model = repo::listening_rules::insert(&txn, scope, fields).await?;
    let details =
        json!({ "name": model.name, "query": model.query, "channel_id": model.channel_id });
    audit::record(
        &txn,
        scope,
        "listening_rule.created",
        "listening_rule",
        model.id,
        details,
    )
    .await?;
    txn.commit().await?;
    Ok(rule_view(model))
}

/// Changes a listening rule.
#[tracing::instrument(skip_all, fields(listening_rule_id = %id), err(level = "debug"))]
pub async fn update(
    core: &Core,
    scope: &WorkspaceScope,
    id: ListeningRuleId,
    patch: ListeningRulePatch,
) -> Result<ListeningRuleView> {
    scope.require(Capability::ManageChannels)?;
    let txn = core.db().begin().await?;
    let current = repo::listening_rules::get(&txn, scope, id).await?;
    let fields = checked(RuleFields {
        name: patch.name.unwrap_or_else(|| current.name.clone()),
        query: patch.query.unwrap_or_else(|| current.query.clone()),
        channel_id: patch
            .channel_id
            .unwrap_or(ChannelId::from(current.channel_id)),
        enabled: patch.enabled.unwrap_or(current.enabled),
        poll_every_secs: patch.poll_every_secs.unwrap_or(current.poll_every_secs),
    })?;
    check_channel(&txn, scope, fields.channel_id).await?;
    let afresh = fields.query != current.query || fields.channel_id.as_uuid() != current.channel_id;
    if afresh {
        repo::poll_cursors::forget(&txn, current.workspace_id, &source_of(id)).await?;
    }
    let model = repo::listening_rules::update(&txn, scope, current, fields).await?;
    let details = json!({ "name": model.name, "query": model.query, "enabled": model.enabled });
    audit::record(
        &txn,
        scope,
        "listening_rule.updated",
        "listening_rule",
        id,
        details,
    )
    .await?;
    txn.commit().await?;
    Ok(rule_view(model))
}

/// Deletes a listening rule; the conversations it heard stay.
#[tracing::instrument(skip_all, fields(listening_rule_id = %id), err(level = "debug"))]
pub async fn delete(core: &Core, scope: &WorkspaceScope, id: ListeningRuleId) -> Result<()> {
    scope.require(Capability::ManageChannels)?;
    let txn = core.db().begin().await?;
    let model = repo::listening_rules::get(&txn, scope, id).await?;
    repo::listening_rules::delete(&txn, scope, id).await?;
    repo::poll_cursors::forget(&txn, model.workspace_id, &source_of(id)).await?;
    let details = json!({ "name": model.name });
    audit::record(
        &txn,
        scope,
        "listening_rule.deleted",
        "listening_rule",
        id,
        details,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
