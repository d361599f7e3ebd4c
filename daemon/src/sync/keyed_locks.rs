//! Async locks by subject id, for work on one subject that must never overlap itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::OwnedMutexGuard;

/// Locks kept before the ones nobody holds are dropped (a catalog of 100k listings would
/// otherwise keep a lock for every listing ever pushed).
const KEPT: usize = 1_024;

/// One async lock per id, made on first use. Only this process works on a database (the
/// daemon's lock file), so an in-process lock serialises every run on the subject.
#[derive(Default)]
pub struct KeyedLocks {
    locks: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
}

impl KeyedLocks {
    /// Wait until no other holder works on `id`; the guard releases it when dropped.
    pub async fn lock(&self, id: i64) -> OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
            if locks.len() >= KEPT {
                // Only the map holds a lock nobody waits on or holds; at most a few runs go
                // at once, so this leaves a handful and costs O(1) a call over time.
                locks.retain(|_, lock| Arc::strong_count(lock) > 1);
            }
            Arc::clone(locks.entry(id).or_default())
        };
        lock.lock_owned().await
    }

    #[cfg(test)]
    fn kept(&self) -> usize {
        self.locks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_held_lock_blocks_its_id_alone_and_unheld_ones_are_dropped() {
        let locks = KeyedLocks::default();
        let held = locks.lock(1).await;
        // Another id goes at once; the held one waits.
        drop(locks.lock(2).await);
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(20), locks.lock(1));
        assert!(waiting.await.is_err(), "id 1 is held");
        for id in 3..=(3 * KEPT as i64) {
            drop(locks.lock(id).await);
        }
        assert!(locks.kept() <= KEPT);
        // The held lock survived the pruning: id 1 still waits for it.
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(20), locks.lock(1));
        assert!(waiting.await.is_err(), "id 1 is still held");
        drop(held);
        drop(locks.lock(1).await);
    }
}
