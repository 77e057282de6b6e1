//! Service-level agreements: the pure arithmetic the clocks run on.

pub mod calendar;
pub mod clock;
pub mod policy;
