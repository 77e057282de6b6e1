//! DataLoaders for the care model's lazy relations, built per request and per workspace
//! scope: each loader holds the scope it was built from, so no batch and no cache ever spans
//! two tenants, and every batch goes through the same core service (and capability check)
//! as a single read.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use earshot_core::Core;
use earshot_core::ids::{ContactId, ConversationId, TeamId, UserId};
use earshot_core::service::{contacts, members, messages, teams};
use earshot_core::tenancy::WorkspaceScope;
use earshot_core::views::{ContactView, MemberView, MessageView, TeamView};

use super::gql;

macro_rules! scoped_loader {
    ($(#[$doc:meta])* $name:ident: $key:ty => $value:ty, $fetch:path, $key_of:expr) => {
        $(#[$doc])*
        pub(crate) struct $name {
            core: Core,
            scope: WorkspaceScope,
        }

        impl Loader<$key> for $name {
            type Value = $value;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, $value>, Self::Error> {
                let found = $fetch(&self.core, &self.scope, keys).await.map_err(gql)?;
                let key_of: fn(&$value) -> $key = $key_of;
                Ok(found.into_iter().map(|v| (key_of(&v), v)).collect())
            }
        }
    };
}

scoped_loader!(
    /// Contacts with their identities.
    ContactLoader: ContactId => ContactView, contacts::by_ids, |c| c.id
);
scoped_loader!(
    /// Members (assignees).
    MemberLoader: UserId => MemberView, members::by_ids, |m| m.user_id
);
scoped_loader!(
    /// Teams.
    TeamLoader: TeamId => TeamView, teams::by_ids, |t| t.id
);
scoped_loader!(
    /// The latest message of each conversation.
    LastMessageLoader: ConversationId => MessageView, messages::latest_of, |m| m.conversation_id
);

/// The loaders of one scope, shared by every object resolved in it.
pub(crate) struct CareLoaders {
    core: Core,
    scope: WorkspaceScope,
    pub(crate) contacts: DataLoader<ContactLoader>,
    pub(crate) members: DataLoader<MemberLoader>,
    pub(crate) teams: DataLoader<TeamLoader>,
    pub(crate) last_messages: DataLoader<LastMessageLoader>,
}

impl CareLoaders {
    /// Fresh loaders (and empty caches) for this scope.
    pub(crate) fn new(core: Core, scope: WorkspaceScope) -> Arc<Self> {
        let (c, s) = (&core, &scope);
        let parts = || (c.clone(), s.clone());
        Arc::new(Self {
            contacts: loader(parts(), |core, scope| ContactLoader { core, scope }),
            members: loader(parts(), |core, scope| MemberLoader { core, scope }),
            teams: loader(parts(), |core, scope| TeamLoader { core, scope }),
            last_messages: loader(parts(), |core, scope| LastMessageLoader { core, scope }),
            core,
            scope,
        })
    }

    /// The services.
    pub(crate) fn core(&self) -> &Core {
        &self.core
    }

    /// The scope every load runs in.
    pub(crate) fn scope(&self) -> &WorkspaceScope {
        &self.scope
    }
}

fn loader<T>(
    (core, scope): (Core, WorkspaceScope),
    build: impl FnOnce(Core, WorkspaceScope) -> T,
) -> DataLoader<T> {
    DataLoader::new(build(core, scope), tokio::spawn)
}
