//! The loom engine: exhaustive exploration with partial-order reduction.
//!
//! loom's own limits shape this file: at most 4 spawned threads (loom aborts the whole
//! process past that, so the facade checks before loom sees the spawn), builder settings read
//! from `LOOM_*` environment variables (overridden here, so that an environment variable can
//! never turn a bounded search into a claimed proof), and no execution count or trace of its
//! own (the job keeps both).

use super::{Job, coroutine_body};
use crate::context::{Backend, Execution, FailureKind, Recording};
use std::any::Any;
use std::cell::RefCell;
use std::sync::Arc;

pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize};
pub(crate) use loom::sync::{Mutex, MutexGuard};
pub(crate) use loom::thread::JoinHandle;

/// Spawned threads loom can run in one execution (`loom::MAX_THREADS` counts the main one).
pub(crate) const MAX_SPAWNED: usize = loom::MAX_THREADS - 1;

// The index as loom's own thread-local storage keeps it: in debug builds only, to check
// every answer of [`thread_index`] (setting it up cost each spawned thread more than its
// share of a short execution).
#[cfg(debug_assertions)]
loom::thread_local! {
    static THREAD_INDEX: std::cell::Cell<usize> = std::cell::Cell::new(0);
}

std::thread_local! {
    /// Where each model thread of the running loom execution began on its stack, and its
    /// index, in the order they began (see [`thread_index`]).
    static STACK_TOPS: RefCell<Vec<(usize, usize)>> = const { RefCell::new(Vec::new()) };
}

/// The stack `generator` maps for each loom thread (loom's default, which the engine keeps),
/// with a guard page below it.
const STACK_SIZE: usize = 32 * 1024;

/// How far below the address where a loom thread began its stack is surely still its own:
/// above the thread's first frame there are only the coroutine's small start-up frames.
const STACK_REACH: usize = 28 * 1024;

/// An address in the caller's stack frame.
#[inline(always)]
fn stack_address() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// The model thread running now. Asked at every facade operation, so it is answered from
/// the stack pointer, not from loom's thread-local storage, which looks the value up in a
/// hash map (about 330 instructions). The threads of one execution live on disjoint stacks
/// that stay mapped until it ends, and each notes where it began before its first
/// operation; the table starts again with each execution, since a new execution may get an
/// old one's stacks for other threads.
pub(crate) fn thread_index() -> usize {
    let here = stack_address();
    let index = STACK_TOPS.with_borrow(|tops| on_stack(tops, here));
    #[cfg(debug_assertions)]
    assert_eq!(
        Some(THREAD_INDEX.with(std::cell::Cell::get)),
        index,
        "stack at {here:#x}"
    );
    index.expect(
        "interleavings: a facade operation under loom ran on a stack that no model thread began",
    )
}

/// The model thread whose stack holds `here`, given where each began (`tops`): the one that
/// began within reach above it, else (a frame in the last few KiB of a stack) the one that
/// began nearest above it, no further than a stack's size.
fn on_stack(tops: &[(usize, usize)], here: usize) -> Option<usize> {
    let below =
        |reach: usize| move |&&(top, _): &&(usize, usize)| here <= top && top - here < reach;
    let near = tops.iter().rev().find(below(STACK_REACH));
    near.or_else(|| {
        tops.iter()
            .filter(below(STACK_SIZE))
            .min_by_key(|&&(top, _)| top - here)
    })
    .map(|&(_, index)| index)
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
        let top = stack_address();
        STACK_TOPS.with_borrow_mut(|tops| tops.push((top, index)));
        #[cfg(debug_assertions)]
        THREAD_INDEX.with(|i| i.set(index));
        body()
    })
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
            STACK_TOPS.with_borrow(|tops| on_stack(tops, stack_address()))
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

    #[test]
    fn a_frame_deep_in_a_stack_belongs_to_the_thread_that_began_nearest_above_it() {
        let kib = 1024;
        // Two stacks next to each other, as `generator` may map them: thread 1's just
        // below thread 0's.
        let tops = [(1_000 * kib, 0), (1_000 * kib - STACK_SIZE - 4 * kib, 1)];
        let (top0, top1) = (tops[0].0, tops[1].0);
        assert_eq!(on_stack(&tops, top0), Some(0));
        assert_eq!(on_stack(&tops, top0 - 27 * kib), Some(0), "within reach");
        assert_eq!(
            on_stack(&tops, top0 - 30 * kib),
            Some(0),
            "deep in its stack"
        );
        assert_eq!(
            on_stack(&tops, top1 - 30 * kib),
            Some(1),
            "deep in its stack"
        );
        assert_eq!(on_stack(&tops, top1 - 33 * kib), None, "below every stack");
        assert_eq!(on_stack(&tops, top0 + kib), None, "above every stack");
    }
}
