//! Check concurrent programs by exploring their interleavings.
//!
//! Write a scenario once against a small facade that mirrors `std` ([`sync::Mutex`],
//! [`sync::atomic`], [`Shared`] for a plain shared variable, [`thread::spawn`]) and run it
//! on real OS threads, under loom (exhaustive, optionally preemption-bounded) or under shuttle
//! (random, PCT, exhaustive DFS), all from one `cargo test`, with no `--cfg` flag.
//!
//! # Writing a model
//!
//! A [`Model`] is one execution in a fresh world plus a property. The closure form is enough
//! for quick tests: a failed `assert!` is the violation.
//!
//! ```
//! use interleavings::{explore, Engine, Shared, CounterexampleKind, sync::Arc, thread};
//!
//! let report = explore(|| {
//!     let num = Arc::new(Shared::new(100).named("num"));
//!     let other = Arc::clone(&num);
//!     let t = thread::spawn(move || other.set(other.get() + 1));
//!     num.set(num.get() + 2);
//!     t.join().unwrap();
//!     assert_eq!(num.get(), 103);
//! })
//! .engine(Engine::loom())
//! .run();
//! let cx = report.counterexample().unwrap();
//! // The two threads touch `num` with nothing ordering them: the bug class is a data race,
//! // shown in an execution where the assertion also failed, with the fewest preemptions.
//! assert_eq!(cx.kind(), CounterexampleKind::DataRace);
//! assert!(cx.failure().is_some());
//! assert_eq!(cx.preemptions(), 1);
//! println!("{report}"); // the trace: one column per thread, values read and written
//! ```
//!
//! # Reading the verdict
//!
//! [`Verdict`] says exactly what was shown: `Proved` only when an exhaustive engine (loom,
//! DFS) finished with no bound; `ProvedWithinBound` under a preemption bound; `Passed` for
//! sampling engines (std, random, PCT), never called a proof; `Incomplete` when a budget ran
//! out first; `Violated` with a [`Counterexample`]: its kind (invariant, data race, deadlock,
//! panic, step limit), message, a one-line diagnosis where one is known ("lost update: ..."),
//! outcome, trace, preemptions and the schedule the threads followed.
//!
//! The counterexample shown is chosen to be read: one where the property visibly broke is
//! preferred to a race that happened to leave the result right (the search goes on for up
//! to 1,000 executions after such a race to find one), and it is then made small — under
//! loom by searching again with preemption bounds 0, 1, ... below the count found; under
//! the other engines by replaying shrunk schedules. The counterexample says how far that
//! went ([`Counterexample::minimality`]).
//!
//! # How it works
//!
//! * **Engine context.** Each facade object binds, when it is made, to the execution that is
//!   running (a thread-local installed by the explorer); outside any exploration it is plain
//!   `std`. Using an object under an execution it does not belong to (a `static`, an object
//!   from an earlier execution) is an [`Error::Misuse`], never a silent false proof.
//! * **Own records.** Every facade operation appends an event to the execution's log (thread,
//!   operation, object, value). Reports, traces, deadlock diagnoses and preemption counts are
//!   built from that log, never from text the engines print. Recording adds no scheduling
//!   point, and it does not allocate on a step: an event shares its object's name, and a
//!   value is rendered into an inline [`trace::Value`]. Random and PCT sampling and loom
//!   keep no events, only happens-before (every execution is still checked for data
//!   races): a seed (loom: loom's own order) makes the same executions however much is
//!   recorded, so a counterexample is shown from its executions run again, traced. A
//!   model that does not repeat itself keeps its counterexample untraced (what broke, no
//!   trace), and says so.
//! * **No engine object that is not needed.** Under loom, the scheduling points that loom
//!   would not make by itself (a probe per mutex for `try_lock`, points for standard output
//!   and `sleep`) are made only once a search needs them: it stops at the first execution
//!   that does, and runs again with them. Creating a loom object takes about 2.8 KiB of
//!   stack, a page fault on every execution's newly mapped stack.
//! * **Engines.** loom and shuttle run model threads as coroutines on the exploring thread;
//!   the std engine runs OS threads with a watchdog that turns "every thread waits" into a
//!   deadlock counterexample and lets no run hang. Only `src/engine/*.rs` names a backend
//!   crate. Under loom and shuttle the execution's log, and the values of its `Shared`
//!   variables, are confined to the exploring OS thread (checked, no lock: a locked
//!   instruction per access showed in the rates); on real threads they sit behind mutexes.
//! * **Happens-before.** While events are recorded, vector clocks follow spawn, join,
//!   unlock→lock and release→acquire atomics, from the execution's first `Shared` on (only
//!   its accesses can race, and what orders two of them happens between them). Two
//!   accesses to a `Shared`, one a write, that they do not order are a [`Race`], reported
//!   as a data race even when the outcome was right. The same log, read backwards, finds
//!   lost updates and check-then-act steps.
//! * **Rendering.** [`Style`] fits the trace to a width (120 columns by default): threads
//!   that take no part in the failure share one column, steps far from the marked ones are
//!   elided with a count, and colour is used only on a terminal without `NO_COLOR`.
//! * **`Shared<T>`.** The value lives in ordinary storage; each `get`/`set` is one scheduling
//!   point (a read-modify-write on an engine atomic), so every read sees the latest write and
//!   the only bug is the interleaving, as with the tutorial's plain variable.
//! * **Reduction.** By default the exhaustive engines do not make `Shared` accesses
//!   scheduling points ([`Reduction`]): for a race-free program nothing is lost, every
//!   execution is still checked for races, and the first race found makes the search start
//!   again without the reduction, so that a racy program's counterexample and outcome table
//!   are those of the full search. The DFS engine adds a dynamic partial-order reduction
//!   (source-DPOR with sleep sets), computed from the event log after each execution: each
//!   earlier step of another thread that a step depends on directly (same object, one of
//!   them writing, nothing in between ordering them) gets the other order explored (a
//!   spawn and the child's steps, a thread's end and its join, are ordered but never race).
//!   A mutex's real release under shuttle happens after a scheduling point, so it is noted
//!   apart from the `unlock` event and counted in the step that performs it.
//! * **Processes.** Under loom and shuttle a [`process::Process`] is a modelled thread with a
//!   virtual pid; under the std engine (Linux) it is a real child made by `fork`, whose
//!   output comes back through a pipe (see [`process`]).
//!
//! # Limitations
//!
//! * loom explores at most 4 spawned threads; larger models get [`Error::EngineLimit`]
//!   naming the engines that can run them.
//! * The DFS engine's partial-order reduction explores every order of the takings of a
//!   lock unless both critical sections are *quiet* (nothing but `Shared` accesses, the
//!   mutex's content untouched) and their accesses do not conflict. It does not use
//!   symmetry (identical threads): `tickets(S,T)/mutex` takes S^T executions, one per order
//!   of the sales (`tickets(10,5)` 100,000). It is off for searches that start processes
//!   (whose liveness is not in the log) and for sharded searches.
//! * loom has no scheduling point at an unlock, so by itself it never runs a `try_lock`
//!   while another thread holds the lock (unless the holder does some other loom operation
//!   meanwhile). A loom search that ran a `try_lock` and found nothing is therefore run
//!   again with a probe on every mutex (a loom atomic touched by `try_lock` and just before
//!   each unlock), which lets loom put the `try_lock` inside the critical section. The
//!   report is that second search's; such models take more loom executions than they
//!   would without `try_lock`.
//! * In a closure model, `assert!(condition, "message")` panics with the message alone,
//!   which cannot be told from `panic!`: it is reported as a panic. `assert!(condition)`,
//!   `assert_eq!` (with or without a message) and a [`Model`]'s `check` are invariants.
//! * A yield means "this thread waits for another": loom, the DFS and PCT do not run a
//!   yielding thread on at once while another can step (as loom and shuttle intend, so
//!   that spin loops end), so a proof does not cover executions in which it goes straight
//!   on; a report whose executions yielded says so ([`thread::yield_now`]).
//! * Time is not modelled: `thread::sleep` and `Process::join_timeout` are scheduling
//!   points. `Arc` is std's (not a scheduling point). Printing a line and reading the
//!   output (`io::output()`) are each a scheduling point on standard output (a write and a
//!   read), so another thread's print can fall between a thread's own print and its read.
//! * A `Shared` is process-local memory (another process touching it is a misuse error).
//!   Locks and atomics may be shared between modelled processes, but not with a real child
//!   of the std engine (an [`Error::EngineLimit`] names the object). Modelled `terminate`
//!   stops every thread of the process at its next step (an operation already under way
//!   completes, as one already past its scheduling point would).
//! * `keep_going` explores past invariant violations and data races; a panic or deadlock
//!   still ends the exploration.
//! * The engines print nothing: under shuttle a failed execution is ended by our scheduler
//!   choosing no task (a panicking task or a deadlock shuttle finds itself would make it
//!   print a notice), and deadlocks are detected by the facade before shuttle sees them.

#![deny(missing_docs, missing_debug_implementations)]

mod context;
mod diagnose;
mod engine;
mod error;
mod event_log;
mod explore;
mod files;
pub mod io;
pub mod json;
mod turn_cell;
pub use files::Checks;
mod minimize;
mod panic_hook;
mod parallel;
pub mod process;
mod progress;
pub mod proptest;
pub use progress::Progress;
pub mod proof;
mod race;
pub mod regression;
mod render;
mod report;
pub mod schedule;
mod shared;
pub mod sync;
pub mod thread;
pub mod trace;

#[path = "../models/mod.rs"]
pub mod models;

pub use engine::{DEFAULT_SEED, Engine, EngineSpec, Reduction};
pub use error::Error;
pub use explore::{
    ClosureModel, DEFAULT_MAX_STEPS, Estimate, Explorer, Model, ModelId, SAVE_VARIABLE, explore,
};
pub use race::Race;
pub use report::{
    Counterexample, CounterexampleKind, Rendered, Report, Shard, Style, Verdict, WholeSearch,
};
pub use schedule::{Schedule, Switch};
pub use shared::Shared;

/// The README's examples, compiled and run as doc tests so that they cannot go stale.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
