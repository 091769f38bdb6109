//! The loom engine: exhaustive exploration with partial-order reduction.
//!
//! loom's own limits shape this file: at most 4 spawned threads (loom aborts the whole
//! process past that, so the facade checks before loom sees the spawn), builder settings read
//! from `LOOM_*` environment variables (overridden here, so that an environment variable can
//! never turn a bounded search into a claimed proof), and no execution count or trace of its
//! own (the job keeps both).

use super::{Job, coroutine_body};
use crate::context::{self, Backend, Execution, FailureKind, Recording};
use std::any::Any;
use std::sync::Arc;

pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize};
pub(crate) use loom::sync::{Mutex, MutexGuard};
pub(crate) use loom::thread::JoinHandle;

/// Spawned threads loom can run in one execution (`loom::MAX_THREADS` counts the main one).
pub(crate) const MAX_SPAWNED: usize = loom::MAX_THREADS - 1;

// The index as loom's own thread-local storage keeps it: in debug builds only, to check
// every answer of [`checked_thread_index`] (setting it up cost each spawned thread more than
// its share of a short execution).
#[cfg(debug_assertions)]
loom::thread_local! {
    static THREAD_INDEX: std::cell::Cell<usize> = std::cell::Cell::new(0);
}

/// The model thread running now, which the execution's thread-local keeps as `held`
/// (see [`Resume`]); checked against loom's own thread-local storage in debug builds.
#[inline]
pub(crate) fn checked_thread_index(held: usize) -> usize {
    #[cfg(debug_assertions)]
    assert_eq!(
        THREAD_INDEX.with(std::cell::Cell::get),
        held,
        "interleavings: the running loom thread was not noted when it resumed"
    );
    held
}

/// Notes, when dropped, that the model thread that made it runs (again).
///
/// Every facade operation asks which model thread runs. Under loom all of an execution's
/// threads are coroutines on one OS thread, which switch only inside loom's operations, so
/// the execution's thread-local keeps the answer: set when a coroutine starts, and set back
/// by this guard around every loom operation that may switch, when it returns or unwinds
/// (an unwinding coroutine may run facade code in its drops). loom's own thread-local
/// storage would answer too, at about 330 instructions a look-up (a hash map).
pub(crate) struct Resume(usize);

impl Resume {
    /// Made before a loom operation that may switch to another thread.
    #[inline]
    fn here() -> Self {
        Resume(context::running_thread())
    }
}

impl Drop for Resume {
    #[inline]
    fn drop(&mut self) {
        context::set_running_thread(self.0);
    }
}

/// Runs `operation`, a loom operation that may switch threads, under a [`Resume`].
#[inline]
pub(crate) fn resuming<R>(operation: impl FnOnce() -> R) -> R {
    let _resume = Resume::here();
    operation()
}

/// Branches loom may take per execution. Our own step limit (one step per facade operation,
/// a few loom branches each) must trigger first, so that a spinning model is reported as a
/// step-limit counterexample with a trace rather than as loom's panic.
fn max_branches(max_steps: usize) -> usize {
    max_steps.saturating_mul(4).saturating_add(1_000)
}

pub(crate) fn drive(
    job: Arc<dyn Job>,
    preemption_bound: Option<usize>,
    recording: Recording,
) -> Result<(), Box<dyn Any + Send>> {
    let max_steps = job.max_steps();
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = preemption_bound;
    builder.max_branches = max_branches(max_steps);
    builder.max_permutations = None;
    builder.max_duration = None;
    builder.checkpoint_file = None;
    builder.log = false;
    builder.location = false;
    let body = coroutine_body(job, Backend::Loom, true, recording);
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| builder.check(body)))
}

/// Spawns model thread `index` under loom, or fails the exploration if loom cannot run it.
pub(crate) fn spawn<T: Send + 'static>(
    execution: &Execution,
    index: usize,
    body: impl FnOnce() -> T + Send + 'static,
) -> JoinHandle<T> {
    if index > MAX_SPAWNED {
        let label = execution.thread_label(index);
        execution.fail_and_stop(
            FailureKind::EngineLimit,
            format!(
                "loom can explore at most {MAX_SPAWNED} spawned threads in one execution, and \
                 this model spawns more (`{label}` is thread {index}). Use an engine without \
                 that limit: Engine::dfs(), Engine::pct(iterations, depth) or \
                 Engine::random(iterations)."
            ),
        );
    }
    // loom is not given the thread's name: the execution keeps it for traces and
    // `thread::current`, and loom's copies of it (allocated with each spawn) would serve
    // only messages that never reach the user.
    loom::thread::spawn(move || {
        context::set_running_thread(index);
        #[cfg(debug_assertions)]
        THREAD_INDEX.with(|i| i.set(index));
        body()
    })
}

pub(crate) fn yield_now() {
    resuming(loom::thread::yield_now);
}

/// A scheduling point for a plain shared variable. The value itself lives in ordinary
/// storage; this atomic only makes each access one loom step. Read-modify-writes always
/// see the latest store, so loom explores interleavings of the accesses without stale
/// reads, as the tutorial's plain variable behaves.
#[derive(Debug)]
pub(crate) struct Point(AtomicUsize);

impl Point {
    pub(crate) fn new() -> Self {
        Point(AtomicUsize::new(0))
    }

    pub(crate) fn read(&self) {
        resuming(|| self.0.fetch_add(0, std::sync::atomic::Ordering::SeqCst));
    }

    pub(crate) fn write(&self) {
        resuming(|| self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
    }
}

#[cfg(test)]
mod tests {
    use crate::sync::Mutex;
    use crate::sync::atomic::{AtomicUsize, Ordering};
    use crate::{Engine, Reduction, Shared, explore, thread};
    use std::sync::Arc;

    /// The model thread that the facade believes runs now.
    fn running() -> usize {
        crate::context::current_thread().map_or(usize::MAX, |(_, thread)| thread)
    }

    /// Every loom operation that may switch threads, each followed by a check that the
    /// thread the facade believes runs is the one that does (a thread resumed by one of
    /// them without being noted would be taken for the last thread that ran).
    fn switch_everywhere(me: usize, lock: &Mutex<()>, count: &AtomicUsize, shared: &Shared<u8>) {
        let held = lock.lock().unwrap();
        assert_eq!(running(), me, "after lock");
        shared.set(shared.get() + 1);
        assert_eq!(running(), me, "after a Shared access that is a step");
        drop(held);
        if let Ok(held) = lock.try_lock() {
            drop(held);
        }
        assert_eq!(running(), me, "after try_lock");
        count.fetch_add(1, Ordering::SeqCst);
        assert_eq!(running(), me, "after an atomic");
        thread::yield_now();
        assert_eq!(running(), me, "after yield_now");
    }

    #[test]
    fn every_thread_of_a_loom_execution_is_known_after_every_switch() {
        let report = explore(|| {
            let lock = Arc::new(Mutex::new(()));
            let count = Arc::new(AtomicUsize::new(0));
            let shared = Arc::new(Shared::new(0u8));
            let children: Vec<_> = (1..=2)
                .map(|me| {
                    let (lock, count, shared) = (lock.clone(), count.clone(), shared.clone());
                    thread::Builder::new()
                        .name(format!("t{me}"))
                        .spawn(move || {
                            assert_eq!(running(), me, "at the start");
                            switch_everywhere(me, &lock, &count, &shared);
                            let name = thread::current().name().map(str::to_owned);
                            assert_eq!(name.as_deref(), Some(format!("t{me}").as_str()));
                        })
                        .unwrap()
                })
                .collect();
            for child in children {
                child.join().unwrap();
                assert_eq!(running(), 0, "after join");
            }
        })
        .engine(Engine::loom().reduction(Reduction::Off))
        .run();
        assert!(report.is_proved(), "{report}");
        assert!(report.executions() > 100, "{report}");
    }
}
