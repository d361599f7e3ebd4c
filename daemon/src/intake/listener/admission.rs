//! Which webhook connections are held, what each is doing, and which one to close when a cap is
//! reached: the oldest connection with no request in flight (idle, or still sending headers),
//! so a flood of idle connections cannot keep a real delivery out. A newcomer is refused only
//! when every held connection is serving a request.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::sync::Notify;
use tokio::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// The connection caps.
#[derive(Clone, Copy, Debug)]
pub struct Caps {
    pub total: usize,
    pub per_peer: usize,
}

/// What a connection is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// No request in flight: waiting for one to begin, or for its headers to complete.
    Waiting {
        since: Instant,
        /// When the first byte of the next request arrived.
        first_byte: Option<Instant>,
        /// A request was served before (a keep-alive connection may idle between requests).
        kept_alive: bool,
    },
    /// A request's headers arrived; its body is being read or it is being answered.
    Busy,
}

/// The timeouts that apply while a connection waits for a request.
#[derive(Clone, Copy, Debug)]
pub struct WaitLimits {
    pub header: Duration,
    pub idle: Duration,
}

impl Phase {
    /// When a waiting connection is closed: `header` after its request's first byte (or after
    /// it opened: a client connects to send a request), `idle` after a served request when
    /// nothing has arrived since. `None` while busy (the body has its own deadline).
    pub fn deadline(self, limits: WaitLimits) -> Option<Instant> {
        match self {
            Phase::Busy => None,
            Phase::Waiting {
                since,
                first_byte: Some(first),
                ..
            } => Some(first.max(since) + limits.header),
            Phase::Waiting {
                since,
                first_byte: None,
                kept_alive,
            } => Some(
                since
                    + if kept_alive {
                        limits.idle
                    } else {
                        limits.header
                    },
            ),
        }
    }
}

/// One held connection, shared by its task, its byte counter, its request handler and the
/// registry.
pub struct Connection {
    pub peer: IpAddr,
    phase: Mutex<Phase>,
    /// Woken when the phase changes, so the connection's task re-reads its deadline.
    pub changed: Notify,
    /// Cancelled when the connection is closed to make room for another.
    pub evicted: CancellationToken,
}

impl Connection {
    fn new(peer: IpAddr, now: Instant) -> Self {
        Self {
            peer,
            phase: Mutex::new(Phase::Waiting {
                since: now,
                first_byte: None,
                kept_alive: false,
            }),
            changed: Notify::new(),
            evicted: CancellationToken::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn phase(&self) -> Phase {
        *self.lock()
    }

    /// Bytes arrived: if no request is in flight, they begin the next one.
    pub fn bytes_arrived(&self) {
        let mut phase = self.lock();
        if let Phase::Waiting {
            first_byte: first_byte @ None,
            ..
        } = &mut *phase
        {
            *first_byte = Some(Instant::now());
            drop(phase);
            self.changed.notify_one();
        }
    }

    /// A request's headers are complete; the returned guard puts the connection back to waiting
    /// when the request is answered (or abandoned).
    pub fn begin_request(self: &Arc<Self>) -> RequestInFlight {
        *self.lock() = Phase::Busy;
        self.changed.notify_one();
        RequestInFlight(Arc::clone(self))
    }
}

pub struct RequestInFlight(Arc<Connection>);

impl Drop for RequestInFlight {
    fn drop(&mut self) {
        *self.0.lock() = Phase::Waiting {
            since: Instant::now(),
            first_byte: None,
            kept_alive: true,
        };
        self.0.changed.notify_one();
    }
}

/// A held connection as the eviction choice sees it.
#[derive(Clone, Copy, Debug)]
pub struct Held {
    pub id: u64,
    pub peer: IpAddr,
    /// Since when it has had no request in flight; `None` while it serves one.
    pub waiting_since: Option<Instant>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Admission {
    /// Take the newcomer after closing these connections.
    Admit { evict: Vec<u64> },
    /// Every connection that counts against a full cap is serving a request.
    Refuse,
}

/// Room for a connection from `newcomer`: within both caps, closing the oldest waiting
/// connections (of that peer for the per-peer cap, of anyone for the total) as needed.
pub fn make_room(held: &[Held], newcomer: IpAddr, caps: Caps) -> Admission {
    let mut evict = Vec::new();
    let from_peer = held.iter().filter(|h| h.peer == newcomer).count();
    if from_peer >= caps.per_peer {
        let excess = from_peer + 1 - caps.per_peer;
        let oldest = oldest_waiting(held.iter().filter(|h| h.peer == newcomer), excess);
        if oldest.len() < excess {
            return Admission::Refuse;
        }
        evict.extend(oldest);
    }
    let remaining = held.len() - evict.len();
    if remaining >= caps.total {
        let excess = remaining + 1 - caps.total;
        let oldest = oldest_waiting(held.iter().filter(|h| !evict.contains(&h.id)), excess);
        if oldest.len() < excess {
            return Admission::Refuse;
        }
        evict.extend(oldest);
    }
    Admission::Admit { evict }
}

/// The ids of the `count` connections waiting longest (fewer if fewer are waiting).
fn oldest_waiting<'a>(held: impl Iterator<Item = &'a Held>, count: usize) -> Vec<u64> {
    let mut waiting: Vec<(Instant, u64)> = held
        .filter_map(|h| h.waiting_since.map(|since| (since, h.id)))
        .collect();
    waiting.sort_unstable();
    waiting.into_iter().take(count).map(|(_, id)| id).collect()
}

/// Every held connection, by id.
pub struct Registry {
    caps: Caps,
    held: Mutex<(u64, HashMap<u64, Arc<Connection>>)>,
}

impl Registry {
    pub fn new(caps: Caps) -> Self {
        Self {
            caps,
            held: Mutex::new((0, HashMap::new())),
        }
    }

    /// Hold a new connection from `peer`, closing others to make room (how many is the third
    /// figure); `None` when refused.
    pub fn admit(&self, peer: IpAddr) -> Option<(u64, Arc<Connection>, usize)> {
        let mut guard = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let (next_id, held) = &mut *guard;
        let view: Vec<Held> = held
            .iter()
            .map(|(&id, connection)| Held {
                id,
                peer: connection.peer,
                waiting_since: match connection.phase() {
                    Phase::Waiting { since, .. } => Some(since),
                    Phase::Busy => None,
                },
            })
            .collect();
        let Admission::Admit { evict } = make_room(&view, peer, self.caps) else {
            return None;
        };
        for id in &evict {
            if let Some(connection) = held.remove(id) {
                connection.evicted.cancel();
            }
        }
        *next_id += 1;
        let connection = Arc::new(Connection::new(peer, Instant::now()));
        held.insert(*next_id, Arc::clone(&connection));
        Some((*next_id, connection, evict.len()))
    }

    /// Forget a closed connection (already gone if it was evicted).
    pub fn remove(&self, id: u64) {
        let mut guard = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        guard.1.remove(&id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAPS: Caps = Caps {
        total: 4,
        per_peer: 2,
    };

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    fn held(id: u64, peer: u8, waiting_for: Option<u64>, now: Instant) -> Held {
        Held {
            id,
            peer: ip(peer),
            waiting_since: waiting_for.map(|secs| now - Duration::from_secs(secs)),
        }
    }

    #[test]
    fn under_both_caps_nothing_is_closed() {
        let now = Instant::now();
        let all = [held(1, 1, Some(5), now), held(2, 2, None, now)];
        assert_eq!(
            make_room(&all, ip(1), CAPS),
            Admission::Admit { evict: vec![] }
        );
    }

    #[test]
    fn a_peer_at_its_cap_loses_its_oldest_waiting_connection_not_a_busy_one() {
        let now = Instant::now();
        // Peer 1's oldest connection is busy; the waiting one goes, even though younger.
        let all = [held(1, 1, None, now), held(2, 1, Some(3), now)];
        assert_eq!(
            make_room(&all, ip(1), CAPS),
            Admission::Admit { evict: vec![2] }
        );
        let all = [held(1, 1, Some(9), now), held(2, 1, Some(3), now)];
        assert_eq!(
            make_room(&all, ip(1), CAPS),
            Admission::Admit { evict: vec![1] }
        );
    }

    #[test]
    fn at_the_total_cap_the_oldest_waiting_connection_of_anyone_goes() {
        let now = Instant::now();
        let all = [
            held(1, 1, None, now),
            held(2, 2, Some(1), now),
            held(3, 3, Some(7), now),
            held(4, 4, Some(2), now),
        ];
        assert_eq!(
            make_room(&all, ip(5), CAPS),
            Admission::Admit { evict: vec![3] }
        );
    }

    #[test]
    fn one_eviction_can_satisfy_both_caps() {
        let now = Instant::now();
        let all = [
            held(1, 1, Some(1), now),
            held(2, 1, Some(8), now),
            held(3, 2, Some(9), now),
            held(4, 3, None, now),
        ];
        // Peer 1's oldest makes room under both caps; peer 2's older one stays.
        assert_eq!(
            make_room(&all, ip(1), CAPS),
            Admission::Admit { evict: vec![2] }
        );
    }

    #[test]
    fn refused_only_when_every_counted_connection_is_busy() {
        let now = Instant::now();
        let peer_busy = [held(1, 1, None, now), held(2, 1, None, now)];
        assert_eq!(make_room(&peer_busy, ip(1), CAPS), Admission::Refuse);
        // Another peer is still welcome.
        assert_eq!(
            make_room(&peer_busy, ip(2), CAPS),
            Admission::Admit { evict: vec![] }
        );
        let all_busy: Vec<Held> = (1..=4).map(|id| held(id, 1, None, now)).collect();
        assert_eq!(make_room(&all_busy, ip(9), CAPS), Admission::Refuse);
    }

    #[test]
    fn deadlines_follow_the_phase() {
        let limits = WaitLimits {
            header: Duration::from_secs(10),
            idle: Duration::from_secs(60),
        };
        let t = Instant::now();
        let fresh = Phase::Waiting {
            since: t,
            first_byte: None,
            kept_alive: false,
        };
        assert_eq!(fresh.deadline(limits), Some(t + limits.header));
        let idle = Phase::Waiting {
            since: t,
            first_byte: None,
            kept_alive: true,
        };
        assert_eq!(idle.deadline(limits), Some(t + limits.idle));
        let started = Phase::Waiting {
            since: t,
            first_byte: Some(t + Duration::from_secs(30)),
            kept_alive: true,
        };
        assert_eq!(started.deadline(limits), Some(t + Duration::from_secs(40)));
        assert_eq!(Phase::Busy.deadline(limits), None);
    }

    #[test]
    fn registry_closes_the_oldest_idle_connection_and_tracks_requests() {
        let registry = Registry::new(Caps {
            total: 10,
            per_peer: 2,
        });
        // Admitted at the same instant or later; ties go to the older id.
        let (first, a, _) = registry.admit(ip(1)).expect("room");
        let (_, b, _) = registry.admit(ip(1)).expect("room");
        let busy = b.begin_request();
        assert_eq!(b.phase(), Phase::Busy);
        // The third from the same peer closes the first (waiting), not the busy one.
        let (_, _c, evicted) = registry.admit(ip(1)).expect("room");
        assert_eq!(evicted, 1);
        assert!(a.evicted.is_cancelled());
        assert!(!b.evicted.is_cancelled());
        registry.remove(first);
        drop(busy);
        assert!(matches!(
            b.phase(),
            Phase::Waiting {
                kept_alive: true,
                ..
            }
        ));
    }
}
