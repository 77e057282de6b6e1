//! Limits on login attempts per account and per client address (GCRA, in memory).

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::RateLimits;
use crate::{Error, Result};

/// The window the login limits are counted over.
const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Keys a limiter tracks before the idle ones (fully replenished) are dropped.
const MAX_TRACKED_KEYS: usize = 10_000;

/// Keyed limiters for logins and for API requests.
pub struct Limiters {
    per_account: DefaultKeyedRateLimiter<String>,
    per_ip: DefaultKeyedRateLimiter<String>,
    per_caller: DefaultKeyedRateLimiter<String>,
}

impl std::fmt::Debug for Limiters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Limiters")
    }
}

fn quota(per_window: u32, window: Duration) -> Quota {
    let burst = NonZeroU32::new(per_window).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(window / burst.get())
        .unwrap_or_else(|| Quota::per_second(burst))
        .allow_burst(burst)
}

impl Limiters {
    /// Limiters with the configured allowances.
    pub fn new(limits: &RateLimits) -> Self {
        Self {
            per_account: RateLimiter::keyed(quota(limits.login_per_account, LOGIN_WINDOW)),
            per_ip: RateLimiter::keyed(quota(limits.login_per_ip, LOGIN_WINDOW)),
            per_caller: RateLimiter::keyed(quota(
                limits.requests_per_minute,
                Duration::from_secs(60),
            )),
        }
    }

    /// Counts one login attempt for the account and the address.
    pub fn check_login(&self, email: &str, ip: Option<&str>) -> Result<()> {
        check(&self.per_account, email.to_lowercase())?;
        if let Some(ip) = ip {
            check(&self.per_ip, ip.to_owned())?;
        }
        Ok(())
    }

    /// Counts one API request for a user or key.
    pub fn check_request(&self, caller: &str) -> Result<()> {
        check(&self.per_caller, caller.to_owned())
    }
}

fn check(limiter: &DefaultKeyedRateLimiter<String>, key: String) -> Result<()> {
    // Every email or address ever tried is a key; drop the idle ones before the map grows
    // without bound under a spray of made-up accounts.
    if limiter.len() > MAX_TRACKED_KEYS {
        limiter.retain_recent();
        limiter.shrink_to_fit();
    }
    limiter.check_key(&key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        Error::RateLimited {
            retry_after: wait.max(Duration::from_secs(1)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attempt_after_the_allowance_is_refused_with_a_wait() {
        let limiters = Limiters::new(&RateLimits {
            login_per_account: 3,
            login_per_ip: 100,
            requests_per_minute: 100,
        });
        for _ in 0..3 {
            limiters
                .check_login("Ada@example.com", Some("10.0.0.1"))
                .unwrap();
        }
        match limiters.check_login("ada@example.com", Some("10.0.0.2")) {
            Err(Error::RateLimited { retry_after }) => {
                assert!(retry_after >= Duration::from_secs(1))
            }
            other => panic!("expected a rate limit, got {other:?}"),
        }
        limiters
            .check_login("grace@example.com", Some("10.0.0.1"))
            .unwrap();
    }
}
