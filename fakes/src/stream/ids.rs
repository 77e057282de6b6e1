//! Fresh platform ids for the stream: they grow with time, as X's and Telegram's do, so a
//! second demo run on the same database never repeats the first run's ids (a repeat would
//! be taken for a redelivery and dropped).

use chrono::Utc;

/// X's epoch for snowflake ids (2010-11-04), in milliseconds.
const X_EPOCH_MS: i64 = 1_288_834_974_657;

/// Hands out ids; one sequence for every platform.
#[derive(Debug, Default)]
pub(super) struct Ids {
    seq: u64,
}

impl Ids {
    fn now_ms() -> u64 {
        u64::try_from(Utc::now().timestamp_millis()).unwrap_or_default()
    }

    /// A number that grows with time and with every call.
    pub(super) fn number(&mut self) -> u64 {
        self.seq += 1;
        Self::now_ms() * 1000 + self.seq % 1000
    }

    /// An X id: a snowflake (milliseconds since X's epoch, then a sequence).
    pub(super) fn x(&mut self) -> String {
        self.seq += 1;
        let since = u64::try_from(Utc::now().timestamp_millis() - X_EPOCH_MS).unwrap_or_default();
        ((since << 22) | (self.seq & 0x3f_ffff)).to_string()
    }

    /// A Messenger or Instagram message id.
    pub(super) fn mid(&mut self) -> String {
        format!("m_DEMO{}", self.number())
    }

    /// A WhatsApp message id.
    pub(super) fn wamid(&mut self) -> String {
        format!("wamid.DEMO{}", self.number())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_grow_and_never_repeat() {
        let mut ids = Ids::default();
        let a: u64 = ids.x().parse().unwrap();
        let b: u64 = ids.x().parse().unwrap();
        assert!(b > a);
        assert!(ids.number() < ids.number());
        assert_ne!(ids.mid(), ids.mid());
        assert!(ids.wamid().starts_with("wamid."));
    }
}
