//! A handle on a running exploration: how far it got, and a way to stop it early.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Shared between an exploration and whoever watches it (a progress bar, a Ctrl-C handler).
///
/// ```
/// use interleavings::{explore, Engine, Progress};
/// use std::sync::Arc;
/// let progress = Arc::new(Progress::default());
/// progress.request_stop(); // as a Ctrl-C handler would
/// let report = explore(|| {})
///     .engine(Engine::dfs())
///     .progress(Arc::clone(&progress))
///     .run();
/// assert!(matches!(report.verdict(), interleavings::Verdict::Incomplete { .. }));
/// ```
#[derive(Debug, Default)]
pub struct Progress {
    executions: AtomicU64,
    /// The bits of the last explored fraction noted; 0 while none was.
    explored: AtomicU64,
    stop: AtomicBool,
}

impl Progress {
    /// Executions started so far.
    pub fn executions(&self) -> u64 {
        self.executions.load(Ordering::Relaxed)
    }

    /// How much of its search tree an exhaustive DFS has covered so far, from 0 to 1: a
    /// rough estimate (see [`Report::explored_fraction`](crate::Report::explored_fraction)),
    /// `None` for other engines and before the first execution ends.
    pub fn explored_fraction(&self) -> Option<f64> {
        let bits = self.explored.load(Ordering::Relaxed);
        (bits != 0).then(|| f64::from_bits(bits))
    }

    /// Asks the exploration to stop before its next execution. It ends `Incomplete`, with
    /// the report of what it explored.
    pub fn request_stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// True once a stop was requested.
    pub fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    pub(crate) fn note_explored_fraction(&self, fraction: f64) {
        self.explored.store(fraction.to_bits(), Ordering::Relaxed);
    }

    pub(crate) fn count_execution(&self) {
        self.executions.fetch_add(1, Ordering::Relaxed);
    }
}
