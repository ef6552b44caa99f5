//! Rate limits (governor's GCRA): per partner key, and sign-ups per client
//! address. A refusal says how long to wait; an allowance says how much of
//! the budget is left, so clients can pace themselves.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use uuid::Uuid;

use crate::settings::RateLimitSettings;

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// The outcome of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead; `remaining` more are allowed right now out of `limit`.
    Allowed { limit: u32, remaining: u32 },
    /// Wait this long.
    Refused { limit: u32, retry_after: Duration },
}

/// The shared limiters.
pub struct RateLimits {
    partner: Keyed<Uuid>,
    partner_limit: u32,
    sign_up: Keyed<IpAddr>,
    sign_up_limit: u32,
    clock: DefaultClock,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

impl RateLimits {
    /// Limiters for these settings.
    pub fn new(s: &RateLimitSettings) -> Self {
        Self {
            partner: RateLimiter::keyed(Quota::per_minute(nonzero(s.partner_per_minute)))
                .with_middleware(),
            partner_limit: s.partner_per_minute,
            sign_up: RateLimiter::keyed(Quota::per_hour(nonzero(s.sign_ups_per_hour)))
                .with_middleware(),
            sign_up_limit: s.sign_ups_per_hour,
            clock: DefaultClock::default(),
        }
    }

    fn check<K: Clone + std::hash::Hash + Eq>(
        &self,
        name: &'static str,
        limiter: &Keyed<K>,
        limit: u32,
        key: &K,
    ) -> Verdict {
        match limiter.check_key(key) {
            Ok(snapshot) => Verdict::Allowed {
                limit,
                remaining: snapshot.remaining_burst_capacity(),
            },
            Err(not_until) => {
                metrics::counter!("muster_rate_limit_refusals_total", "limit" => name).increment(1);
                Verdict::Refused {
                    limit,
                    retry_after: not_until.wait_time_from(self.clock.now()),
                }
            }
        }
    }

    /// One request by a partner key.
    pub fn partner(&self, token: Uuid) -> Verdict {
        self.check("partner", &self.partner, self.partner_limit, &token)
    }

    /// One sign-up from a client address.
    pub fn sign_up(&self, ip: IpAddr) -> Verdict {
        self.check("sign_up", &self.sign_up, self.sign_up_limit, &ip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_then_refuses_with_a_wait() {
        let r = RateLimits::new(&RateLimitSettings {
            partner_per_minute: 2,
            sign_ups_per_hour: 1,
        });
        let key = Uuid::now_v7();
        assert_eq!(
            r.partner(key),
            Verdict::Allowed {
                limit: 2,
                remaining: 1
            }
        );
        assert_eq!(
            r.partner(key),
            Verdict::Allowed {
                limit: 2,
                remaining: 0
            }
        );
        match r.partner(key) {
            Verdict::Refused { retry_after, .. } => {
                assert!(retry_after > Duration::ZERO && retry_after <= Duration::from_secs(30));
            }
            v @ Verdict::Allowed { .. } => panic!("{v:?}"),
        }
        assert!(
            matches!(r.partner(Uuid::now_v7()), Verdict::Allowed { .. }),
            "per key"
        );
        let ip: IpAddr = [127, 0, 0, 1].into();
        assert!(matches!(r.sign_up(ip), Verdict::Allowed { .. }));
        assert!(matches!(r.sign_up(ip), Verdict::Refused { .. }));
    }
}
