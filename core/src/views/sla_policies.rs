//! SLA policies as callers see them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::ids::{BusinessHoursId, ConversationId, SlaPolicyId};
use crate::sla::policy::{BreachActions, Candidate, Conditions, Targets};

/// An SLA policy: the targets of the clocks of the conversations it applies to. Editing
/// one applies to clocks started after the edit; running clocks keep the targets they
/// started with.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SlaPolicyView {
    /// Id.
    pub id: SlaPolicyId,
    /// Name, unique in the workspace.
    pub name: String,
    /// Whether it applies at all.
    pub enabled: bool,
    /// Its place: the first enabled matching policy applies, lower positions first, ties
    /// by creation.
    pub position: i32,
    /// Business seconds each clock may run.
    pub targets: Targets,
    /// The share of a target, in percent, after which a clock warns.
    pub warning_percent: i16,
    /// The calendar targets count in; `null`: around the clock.
    pub business_hours_id: Option<BusinessHoursId>,
    /// The conversations it applies to.
    pub conditions: Conditions,
    /// What a breach does.
    pub breach_actions: BreachActions,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Candidate for SlaPolicyView {
    fn enabled(&self) -> bool {
        self.enabled
    }

    fn order(&self) -> (i32, DateTime<Utc>, Uuid) {
        (self.position, self.created_at, self.id.as_uuid())
    }

    fn conditions(&self) -> &Conditions {
        &self.conditions
    }
}

/// The policy that applies to a conversation now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MatchingPolicyView {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// The first enabled policy whose conditions it meets; `null` when none does.
    pub policy: Option<SlaPolicyView>,
}
