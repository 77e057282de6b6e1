//! Events: what happened in a workspace, one typed variant each ([`Event`]). A change writes
//! its events to the outbox in its own transaction (`outbox`); they are then published on
//! the bus to every API process (`bus`) and streamed to the subscribers who may see them
//! (`live`). Subscribers get at-most-once live delivery; the outbox is the durable record.

mod bus;
mod live;
mod outbox;
mod types;

pub use bus::{BusMessage, EventBus};
pub use live::live;
pub use outbox::fan_out;
pub(crate) use outbox::{committed, record, write};
pub use types::{
    ClockChanged, CommitmentChanged, CommitmentNews, ConversationChanged, CsatAnswered, Event,
    MessageAdded, SlaNews,
};
