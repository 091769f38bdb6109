//! Which operations are scheduling points of an exhaustive search.
//!
//! A [`Shared`](crate::Shared) access only reads or writes memory; locks, atomics, spawn,
//! join, yield, sleep, print and process operations synchronise or are visible. In a program
//! without data races, every execution is equivalent to one that switches threads only at
//! synchronising operations (the accesses between two of them commute with everything
//! another thread can do meanwhile, or the program would race). So an exhaustive search may
//! skip the scheduling points at `Shared` accesses — provided it also checks that no
//! execution it explores has a data race, which the happens-before check of every execution
//! does (CHESS makes the same argument for preemptions at synchronisation operations only).
//!
//! What the reduction cannot do is show what a race does: with no switch between a `get`
//! and its `set`, no update is ever lost. [`Reduction::SyncPoints`], the default, therefore
//! explores again without the reduction as soon as it finds a data race, so that a racy
//! program gets the same counterexample and outcome table as without it; only race-free
//! programs (where the reduced and the full search find the same outcomes) are answered by
//! the reduced search.

/// The reduction an exhaustive engine (loom, DFS) applies; see
/// [`Engine::reduction`](crate::Engine::reduction).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reduction {
    /// Every facade operation is a scheduling point.
    Off,
    /// `Shared` accesses are not scheduling points; if a data race is found, the search
    /// starts again with [`Reduction::Off`] to show what the race does. The default.
    #[default]
    SyncPoints,
    /// `SyncPoints` that does not start again: a racy program is still reported as a data
    /// race, but its counterexample may not show a wrong result. For checking the reduction.
    SyncPointsOnly,
}

impl Reduction {
    /// As files and the command line spell it: `off`, `sync-points`, `sync-points-only`.
    pub fn name(self) -> &'static str {
        match self {
            Reduction::Off => "off",
            Reduction::SyncPoints => "sync-points",
            Reduction::SyncPointsOnly => "sync-points-only",
        }
    }

    /// The reduction named `name` (see [`name`](Self::name)).
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Reduction::Off,
            Reduction::SyncPoints,
            Reduction::SyncPointsOnly,
        ]
        .into_iter()
        .find(|r| r.name() == name)
    }

    /// True if `Shared` accesses are scheduling points.
    pub(crate) fn every_access_is_a_point(self) -> bool {
        self == Reduction::Off
    }
}
