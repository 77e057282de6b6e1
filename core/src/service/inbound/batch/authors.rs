//! The authors of a batch's messages: their identities read at once, new customers' contacts
//! and identities written many per statement, and what each message says of its author
//! (handle, name, followers) kept, message after message, as one message at a time would.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;

use crate::entity::{contact_identities, contacts};
use crate::ids::ContactId;
use crate::repo::contacts::IdentityFields;
use crate::tenancy::WorkspaceScope;
use crate::{Result, repo};

use super::super::super::{contacts as contact_service, ingest};
use super::Customer;

/// Who wrote a message of the batch.
#[derive(Debug, Clone)]
pub(super) struct Author {
    pub contact: ContactId,
    /// The author's reach when the message came.
    pub influence: f64,
    /// The author's identity as the message left it (events show it as it was then).
    pub identity: contact_identities::Model,
}

/// An identity as the batch leaves it.
struct Identity {
    model: contact_identities::Model,
    /// As stored before the batch; `None` for a customer new to the workspace.
    stored: Option<contact_identities::Model>,
    /// The new customer's contact.
    contact: Option<contacts::Model>,
}

/// Finds or creates the author of each message (`todo` indexes `customers`) and writes what
/// the batch learnt of them.
pub(super) async fn resolve(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    customers: &[&Customer<'_>],
    todo: &[usize],
    now: DateTime<Utc>,
) -> Result<HashMap<usize, Author>> {
    let keys: Vec<(String, String)> = todo.iter().map(|&i| key(customers[i])).collect();
    let mut known = repo::ingest_batch::identities(txn, scope, &keys).await?;
    let mut identities: HashMap<(String, String), Identity> = HashMap::new();
    let mut order = Vec::new();
    let mut authors = HashMap::with_capacity(todo.len());
    for (&i, key) in todo.iter().zip(keys) {
        let customer = customers[i];
        let fields = ingest::identity_fields(&customer.message.author);
        let identity = identities.entry(key.clone()).or_insert_with(|| {
            order.push(key.clone());
            match known.remove(&key) {
                Some(stored) => Identity {
                    model: stored.clone(),
                    stored: Some(stored),
                    contact: None,
                },
                None => first_seen(scope, customer, &fields, now),
            }
        });
        if take_fields(&mut identity.model, fields) {
            identity.model.updated_at = now;
        }
        authors.insert(
            i,
            Author {
                contact: ContactId::from(identity.model.contact_id),
                influence: ingest::reach(&identity.model),
                identity: identity.model.clone(),
            },
        );
    }
    let ordered = order.into_iter().filter_map(|k| identities.remove(&k));
    write(txn, scope, ordered.collect()).await?;
    Ok(authors)
}

fn key(customer: &Customer<'_>) -> (String, String) {
    (
        customer.kind.as_str().to_owned(),
        customer.message.author.platform_user_id.clone(),
    )
}

/// A customer new to the workspace: a contact named as their first message names them.
fn first_seen(
    scope: &WorkspaceScope,
    customer: &Customer<'_>,
    fields: &IdentityFields,
    now: DateTime<Utc>,
) -> Identity {
    let author = &customer.message.author;
    let name = author
        .display_name
        .clone()
        .or_else(|| author.handle.clone());
    let contact = repo::contacts::new_row(scope, name, now);
    let model = repo::contacts::new_identity_row(
        scope,
        ContactId::from(contact.id),
        customer.kind,
        &author.platform_user_id,
        fields.clone(),
        now,
    );
    Identity {
        model,
        stored: None,
        contact: Some(contact),
    }
}

/// Takes what a message says of its author's identity; whether anything changed.
fn take_fields(identity: &mut contact_identities::Model, fields: IdentityFields) -> bool {
    let before = identity.clone();
    if fields.handle.is_some() {
        identity.handle = fields.handle;
    }
    if fields.display_name.is_some() {
        identity.display_name = fields.display_name;
    }
    if fields.avatar_url.is_some() {
        identity.avatar_url = fields.avatar_url;
    }
    if fields.follower_count.is_some() {
        identity.follower_count = fields.follower_count;
    }
    if let Some(verified) = fields.verified {
        identity.verified = verified;
    }
    *identity != before
}

/// New contacts and identities in two statements; a changed identity is saved, and a new
/// handle or name is made searchable at once.
async fn write(
    txn: &DatabaseTransaction,
    scope: &WorkspaceScope,
    identities: Vec<Identity>,
) -> Result<()> {
    let mut new_contacts = Vec::new();
    let mut new_identities = Vec::new();
    for identity in identities {
        match (identity.stored, identity.contact) {
            (None, Some(mut contact)) => {
                contact.search_text =
                    contact_service::search_text(&contact, std::slice::from_ref(&identity.model));
                new_contacts.push(contact);
                new_identities.push(identity.model);
            }
            (Some(stored), _) if stored != identity.model => {
                let renamed = (&stored.handle, &stored.display_name)
                    != (&identity.model.handle, &identity.model.display_name);
                let contact = ContactId::from(identity.model.contact_id);
                repo::contacts::update_identity(txn, identity.model).await?;
                if renamed {
                    contact_service::refresh_search_text(txn, scope, contact).await?;
                }
            }
            _ => {}
        }
    }
    repo::contacts::insert_many(txn, new_contacts, new_identities).await
}
