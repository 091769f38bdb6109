//! The loom engine: exhaustive exploration with partial-order reduction.
//!
//! loom's own limits shape this file: at most 4 spawned threads (loom aborts the whole
//! process past that, so the facade checks before loom sees the spawn), builder settings read
//! from `LOOM_*` environment variables (overridden here, so that an environment variable can
//! never turn a bounded search into a claimed proof), and no execution count or trace of its
//! own (the job keeps both).

use super::{Job, coroutine_body};
use crate::context::{Backend, Execution, FailureKind};
use std::any::Any;
use std::cell::Cell;
use std::sync::Arc;

pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize};
pub(crate) use loom::sync::{Mutex, MutexGuard};
pub(crate) use loom::thread::JoinHandle;

/// Spawned threads loom can run in one execution (`loom::MAX_THREADS` counts the main one).
pub(crate) const MAX_SPAWNED: usize = loom::MAX_THREADS - 1;

loom::thread_local! {
    static THREAD_INDEX: Cell<usize> = Cell::new(0);
}

pub(crate) fn thread_index() -> usize {
    THREAD_INDEX.with(Cell::get)
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
    let body = coroutine_body(job, Backend::Loom, true);
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| builder.check(body)))
}

/// Spawns model thread `index` under loom, or fails the exploration if loom cannot run it.
pub(crate) fn spawn<T: Send + 'static>(
    execution: &Execution,
    index: usize,
    name: Option<String>,
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
    let mut builder = loom::thread::Builder::new();
    if let Some(name) = name {
        builder = builder.name(name);
    }
    builder
        .spawn(move || {
            THREAD_INDEX.with(|i| i.set(index));
            body()
        })
        .expect("loom's spawn does not fail")
}

pub(crate) fn yield_now() {
    loom::thread::yield_now();
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
        self.0.fetch_add(0, std::sync::atomic::Ordering::SeqCst);
    }

    pub(crate) fn write(&self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}
