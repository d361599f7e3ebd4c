//! Jitter for every wait before a retry, so that what one outage failed together does not all
//! come back at one instant. `jitter` is a draw in [0, 1] (`rand::random()`; tests pass fixed
//! values).

use std::time::Duration;

/// Between half and all of `wait` ("equal jitter"): a computed backoff.
pub fn equal_jitter(wait: Duration, jitter: f64) -> Duration {
    let half = wait / 2;
    spread(half, wait - half, jitter)
}

/// At least `floor`, up to half as much again: a wait the platform asked for (Retry-After) is
/// never shortened.
pub fn at_least(floor: Duration, jitter: f64) -> Duration {
    spread(floor, floor / 2, jitter)
}

fn spread(low: Duration, width: Duration, jitter: f64) -> Duration {
    low + width.mul_f64(jitter.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_jitter_stays_between_half_and_all() {
        let wait = Duration::from_secs(10);
        assert_eq!(equal_jitter(wait, 0.0), Duration::from_secs(5));
        assert_eq!(equal_jitter(wait, 1.0), wait);
        assert_eq!(equal_jitter(wait, 0.5), Duration::from_millis(7_500));
        assert_eq!(
            equal_jitter(wait, 7.0),
            wait,
            "out-of-range draws are clamped"
        );
        for _ in 0..100 {
            let got = equal_jitter(wait, rand::random());
            assert!((Duration::from_secs(5)..=wait).contains(&got), "{got:?}");
        }
    }

    #[test]
    fn at_least_never_shortens_the_floor() {
        let floor = Duration::from_secs(4);
        assert_eq!(at_least(floor, 0.0), floor);
        assert_eq!(at_least(floor, 1.0), Duration::from_secs(6));
        assert_eq!(at_least(floor, -1.0), floor);
        for _ in 0..100 {
            let got = at_least(floor, rand::random());
            assert!((floor..=Duration::from_secs(6)).contains(&got), "{got:?}");
        }
    }
}
