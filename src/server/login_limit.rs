//! Failed logins, limited per account and per client address: after
//! `FREE_FAILURES` failures in a row, a key is refused (429) for a delay
//! that doubles with each further failure, up to `MAX_DELAY_SECS`. A
//! success clears the account's and the address's count. The clock is
//! injected, so that tests never sleep.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const FREE_FAILURES: u32 = 5;
pub const FIRST_DELAY_SECS: u64 = 60;
pub const MAX_DELAY_SECS: u64 = 3600;
/// Keys kept at most; past it, keys that are not refused are forgotten.
const MAX_KEYS: usize = 100_000;

pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

#[derive(Clone, Copy, Default)]
struct Failures {
    count: u32,
    refused_until: u64,
}

pub struct LoginLimiter {
    clock: Mutex<Clock>,
    keys: Mutex<HashMap<String, Failures>>,
}

impl Default for LoginLimiter {
    fn default() -> LoginLimiter {
        let system: Clock =
            Arc::new(|| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()));
        LoginLimiter { clock: Mutex::new(system), keys: Mutex::new(HashMap::new()) }
    }
}

impl LoginLimiter {
    /// Replaces the clock (seconds): tests move time by hand.
    pub fn set_clock(&self, clock: Clock) {
        *self.clock.lock().unwrap_or_else(|e| e.into_inner()) = clock;
    }

    fn now(&self) -> u64 {
        (self.clock.lock().unwrap_or_else(|e| e.into_inner()))()
    }

    /// The seconds to wait if any key is refused now.
    pub fn refused(&self, keys: &[String]) -> Option<u64> {
        let now = self.now();
        let map = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        keys.iter().filter_map(|k| map.get(k)).map(|f| f.refused_until.saturating_sub(now)).filter(|&s| s > 0).max()
    }

    pub fn failed(&self, keys: &[String]) {
        let now = self.now();
        let mut map = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > MAX_KEYS {
            map.retain(|_, f| f.refused_until > now);
        }
        for k in keys {
            let f = map.entry(k.clone()).or_default();
            f.count += 1;
            if f.count >= FREE_FAILURES {
                let doublings = (f.count - FREE_FAILURES).min(16);
                f.refused_until = now + (FIRST_DELAY_SECS << doublings).min(MAX_DELAY_SECS);
            }
        }
    }

    pub fn succeeded(&self, keys: &[String]) {
        let mut map = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        for k in keys {
            map.remove(k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn five_failures_refuse_for_a_growing_delay_and_a_success_clears() {
        let t = Arc::new(AtomicU64::new(1000));
        let l = LoginLimiter::default();
        let clock = t.clone();
        l.set_clock(Arc::new(move || clock.load(Ordering::SeqCst)));
        let keys = ["account:lu".to_string(), "addr:1.2.3.4".to_string()];
        for _ in 0..4 {
            l.failed(&keys);
            assert_eq!(l.refused(&keys), None);
        }
        l.failed(&keys);
        assert_eq!(l.refused(&keys), Some(60));
        assert_eq!(l.refused(&keys[1..]), Some(60), "per address too");
        assert_eq!(l.refused(&["account:other".to_string()]), None);
        t.store(1060, Ordering::SeqCst);
        assert_eq!(l.refused(&keys), None);
        l.failed(&keys);
        assert_eq!(l.refused(&keys), Some(120), "doubles");
        t.store(1180, Ordering::SeqCst);
        l.succeeded(&keys);
        l.failed(&keys);
        assert_eq!(l.refused(&keys), None, "a success starts over");
    }
}
