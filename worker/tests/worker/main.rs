//! The worker's jobs, stepped with `run_once_at` against a real server and database: what
//! a user sees change when each job has run.

mod consumers;
mod followup;
mod relay;
mod sla;
mod snooze;
mod upkeep;
mod wake_index;
