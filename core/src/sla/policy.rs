//! SLA policies as pure data: the targets a policy sets, the conversations it applies to,
//! what its breaches do, and which of a workspace's policies applies to a conversation —
//! the first enabled one, by position (then creation), whose conditions all hold.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::TeamId;
use crate::views::{ChannelKind, Label, Priority, Visibility};

/// How long each clock may run, in business seconds; an absent target starts no clock of
/// that kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// From the first customer message to the first reply.
    #[schema(minimum = 1, maximum = 31_536_000)]
    pub first_response_seconds: Option<i64>,
    /// From a customer message after a reply to the next reply.
    #[schema(minimum = 1, maximum = 31_536_000)]
    pub next_response_seconds: Option<i64>,
    /// From creation to resolution.
    #[schema(minimum = 1, maximum = 31_536_000)]
    pub resolution_seconds: Option<i64>,
}

/// Which conversations a policy applies to: every condition given must hold, and a list
/// holds when the conversation has any of its values. No conditions: every conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// The conversation's channel is of one of these kinds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channel_kinds: Vec<ChannelKind>,
    /// The conversation has one of these priorities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub priorities: Vec<Priority>,
    /// The conversation carries one of these tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The conversation is public or private, as listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub visibility: Vec<Visibility>,
    /// The customer's signal label is one of these (such as `adversary`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<Label>,
    /// The conversation's influence score (0 to 1) is at least this; a conversation
    /// without a score does not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 1)]
    pub min_influence: Option<f64>,
}

/// What a breach of one of the policy's clocks does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreachActions {
    /// Raise the conversation's priority to this (never lowers it).
    #[serde(default)]
    pub raise_priority_to: Option<Priority>,
    /// Assign the conversation to this team of the workspace (the escalation tier).
    #[serde(default)]
    pub assign_team_id: Option<TeamId>,
    /// Add this tag to the conversation.
    #[serde(default)]
    pub add_tag: Option<String>,
    /// Notify the assignee and the team.
    #[serde(default = "notify_by_default")]
    pub notify: bool,
}

fn notify_by_default() -> bool {
    true
}

impl Default for BreachActions {
    fn default() -> Self {
        Self {
            raise_priority_to: None,
            assign_team_id: None,
            add_tag: None,
            notify: true,
        }
    }
}

/// What a policy's conditions look at in a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationFacts {
    /// The kind of its channel.
    pub channel_kind: ChannelKind,
    /// Its priority.
    pub priority: Priority,
    /// Its tags.
    pub tags: Vec<String>,
    /// Public or private.
    pub visibility: Visibility,
    /// The customer's signal label.
    pub label: Label,
    /// Its influence score, when scored.
    pub influence: Option<f64>,
}

/// A policy as matching sees it.
pub trait Candidate {
    /// Whether it applies at all.
    fn enabled(&self) -> bool;
    /// Its place: lower first, then older first, then by id.
    fn order(&self) -> (i32, DateTime<Utc>, Uuid);
    /// The conversations it applies to.
    fn conditions(&self) -> &Conditions;
}

fn any_or_empty<T: PartialEq>(wanted: &[T], have: &T) -> bool {
    wanted.is_empty() || wanted.contains(have)
}

impl Conditions {
    /// Whether a conversation with these facts meets every condition.
    pub fn hold_for(&self, facts: &ConversationFacts) -> bool {
        let tags = self.tags.is_empty() || self.tags.iter().any(|t| facts.tags.contains(t));
        let influence = match self.min_influence {
            None => true,
            Some(min) => facts.influence.is_some_and(|i| i >= min),
        };
        any_or_empty(&self.channel_kinds, &facts.channel_kind)
            && any_or_empty(&self.priorities, &facts.priority)
            && any_or_empty(&self.visibility, &facts.visibility)
            && any_or_empty(&self.labels, &facts.label)
            && tags
            && influence
    }
}

/// The policy that applies to a conversation: the first enabled one, by position then
/// creation, whose conditions all hold; `None` when none does.
pub fn first_match<'a, P: Candidate>(
    facts: &ConversationFacts,
    policies: &'a [P],
) -> Option<&'a P> {
    policies
        .iter()
        .filter(|p| p.enabled() && p.conditions().hold_for(facts))
        .min_by_key(|p| p.order())
}

#[cfg(test)]
mod tests;
