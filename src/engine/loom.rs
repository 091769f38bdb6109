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
use std::cell::{Cell, RefCell};
use std::sync::Arc;

pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize};
pub(crate) use loom::sync::{Mutex, MutexGuard};
pub(crate) use loom::thread::JoinHandle;

/// Spawned threads loom can run in one execution (`loom::MAX_THREADS` counts the main one).
pub(crate) const MAX_SPAWNED: usize = loom::MAX_THREADS - 1;

loom::thread_local! {
    static THREAD_INDEX: Cell<usize> = Cell::new(0);
}

std::thread_local! {
    /// Where each model thread of the running loom execution began on its stack, and its
    /// index, in the order they began (see [`thread_index`]).
    static STACK_TOPS: RefCell<Vec<(usize, usize)>> = const { RefCell::new(Vec::new()) };
}

/// How far below the address where a loom thread began its stack is surely still its own.
/// loom runs each thread on a stack of its own that `generator` maps for it: 32 KiB, with
/// a guard page below, and above the thread's first frame only the coroutine's small
/// start-up frames. A deeper address is looked up the slow way.
const STACK_REACH: usize = 28 * 1024;

/// An address in the caller's stack frame.
#[inline(always)]
fn stack_address() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// The model thread running now. Asked at every facade operation, so it is answered from
/// the stack pointer: loom's own thread-local storage (kept as the fallback, and as a
/// check in debug builds) looks the value up in a hash map, about 330 instructions. The
/// threads of one execution live on disjoint stacks that stay mapped until it ends, and
/// each notes where it began before its first operation; the table starts again with each
/// execution, since a new execution may get an old one's stacks for other threads.
pub(crate) fn thread_index() -> usize {
    let here = stack_address();
    match on_stack(here) {
        Some(index) => {
            debug_assert_eq!(index, THREAD_INDEX.with(Cell::get), "stack at {here:#x}");
            index
        }
        None => THREAD_INDEX.with(Cell::get),
    }
}

/// The model thread whose stack holds `here`, if the table knows it.
fn on_stack(here: usize) -> Option<usize> {
    STACK_TOPS.with_borrow(|tops| {
        tops.iter()
            .rev()
            .find(|&&(top, _)| here <= top && top - here < STACK_REACH)
            .map(|&(_, index)| index)
    })
}

/// Starts the table of stacks for a new execution, whose main thread began at `top`.
fn begin_execution(top: usize) {
    STACK_TOPS.with_borrow_mut(|tops| {
        tops.clear();
        tops.push((top, 0));
    });
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
    let body = move || {
        begin_execution(stack_address());
        body()
    };
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
            let top = stack_address();
            STACK_TOPS.with_borrow_mut(|tops| tops.push((top, index)));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Engine, explore, thread};

    /// Looks the running thread up from a frame about `kib` KiB deeper than the caller's.
    fn found_from_deeper(kib: usize) -> Option<usize> {
        let pad = [0u8; 1024];
        std::hint::black_box(&pad);
        if kib == 0 {
            on_stack(stack_address())
        } else {
            found_from_deeper(kib - 1)
        }
    }

    #[test]
    fn every_thread_of_a_loom_execution_is_found_by_its_stack() {
        // The fast path answers (in debug builds each answer is also checked against
        // loom's thread-local storage), at the top of each thread and 8 KiB deeper.
        let report = explore(|| {
            assert_eq!(found_from_deeper(0), Some(0));
            let children: Vec<_> = (1..=3)
                .map(|index| {
                    thread::spawn(move || {
                        assert_eq!(found_from_deeper(0), Some(index));
                        thread::yield_now();
                        assert_eq!(found_from_deeper(8), Some(index));
                    })
                })
                .collect();
            assert_eq!(found_from_deeper(8), Some(0));
            for child in children {
                child.join().unwrap();
            }
            assert_eq!(found_from_deeper(0), Some(0));
        })
        .engine(Engine::loom())
        .run();
        assert!(report.is_proved(), "{report}");
        // Outside loom's stacks the table answers nothing, though it still holds the last
        // execution's.
        assert!(STACK_TOPS.with_borrow(|tops| tops.len()) == 4);
        assert_eq!(found_from_deeper(0), None);
    }
}
