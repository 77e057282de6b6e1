//! The inbound-event log: verified platform deliveries are stored before they are
//! acknowledged (`log`), then processed by the worker.

mod log;
pub(crate) mod queue;

pub(crate) use log::NewInboundEvent;
pub use log::{Appended, InboundLog};
