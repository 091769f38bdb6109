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
    stop: AtomicBool,
}

impl Progress {
    /// Executions started so far.
    pub fn executions(&self) -> u64 {
        self.executions.load(Ordering::Relaxed)
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

    pub(crate) fn count_execution(&self) {
        self.executions.fetch_add(1, Ordering::Relaxed);
    }
}
