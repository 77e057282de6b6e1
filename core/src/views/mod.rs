//! Read models returned by services: serializable, documented, free of database types.

mod audit;
mod business_hours;
mod care;
mod commitments;
mod credentials;
mod identity;
mod inbound;
mod listening;
mod reports;
mod sla_clocks;
mod sla_policies;
mod workspace;

pub use audit::*;
pub use business_hours::*;
pub(crate) use care::wire_enum;
pub use care::*;
pub use commitments::*;
pub use credentials::*;
pub use identity::*;
pub use inbound::*;
pub use listening::*;
pub use reports::*;
pub use sla_clocks::*;
pub use sla_policies::*;
pub use workspace::*;

use serde::{Deserialize, Deserializer};

/// Deserializes a field that may be absent (`None`), `null` (`Some(None)`) or a value, as
/// PATCH bodies need to tell "leave alone" from "clear".
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
