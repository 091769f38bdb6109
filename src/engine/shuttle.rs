//! The shuttle engines: random, PCT and exhaustive depth-first search.
//!
//! shuttle prints failures through a process-global panic hook and returns nothing but an
//! execution count, so this file turns its failure printing off and the job keeps every
//! record itself.

use super::{EngineKind, Job, coroutine_body};
use crate::context::Backend;
use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};
use shuttle::{Config, FailurePersistence, MaxSteps, Runner};
use std::any::Any;
use std::cell::Cell;
use std::sync::Arc;

pub(crate) use shuttle::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize};
pub(crate) use shuttle::sync::{Mutex, MutexGuard};
pub(crate) use shuttle::thread::JoinHandle;

std::thread_local! {
    /// Set while this OS thread drives a replay.
    static REPLAYING: Cell<bool> = const { Cell::new(false) };
}

/// A scheduling point that exists only in replays, before an event that would otherwise
/// follow the thread's previous one with no chance to switch (a spawned thread's start, a
/// wait, an unlock, a thread's end). Real threads can interleave there, so a recorded order
/// may need a switch there to be followed.
pub(crate) fn replay_point() {
    if REPLAYING.with(Cell::get) {
        shuttle::thread::yield_now();
    }
}

/// The running model thread: model thread `i` is shuttle task `i` (both count threads in
/// spawn order from the main thread's 0), so shuttle's own task id says it, cheaper than a
/// task-local value would.
pub(crate) fn thread_index() -> usize {
    usize::from(shuttle::current::me())
}

fn config(max_steps: usize) -> Config {
    let mut config = Config::new();
    config.failure_persistence = FailurePersistence::None;
    // Our own step limit counts facade operations and must trigger first.
    config.max_steps = MaxSteps::FailAfter(max_steps.saturating_mul(4).saturating_add(1_000));
    config.silence_warnings = true;
    config
}

pub(crate) fn drive(job: Arc<dyn Job>, kind: &EngineKind) -> Result<(), Box<dyn Any + Send>> {
    let config = config(job.max_steps());
    let body = coroutine_body(Arc::clone(&job), Backend::Shuttle, false, kind.recording());
    let settle = Arc::clone(&job);
    let replaying = matches!(kind, EngineKind::Replay { .. });
    let was_replaying = REPLAYING.with(|r| r.replace(replaying));
    let driven = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        match *kind {
            // The iteration cap is the job's: it can tell "more to explore" from "done".
            EngineKind::Dfs { shard, .. } => Runner::new(
                Guarded::new(super::dfs::Dfs::new(shard, Arc::clone(&job)), job),
                config,
            )
            .run(body),
            EngineKind::Random {
                iterations, seed, ..
            } => Runner::new(
                Guarded::new(super::sampling::Random::new(seed, count(iterations)), job),
                config,
            )
            .run(body),
            EngineKind::Pct {
                iterations,
                depth,
                seed,
                ..
            } => Runner::new(
                Guarded::new(
                    super::sampling::Pct::new(seed, depth, count(iterations)),
                    job,
                ),
                config,
            )
            .run(body),
            EngineKind::Replay { ref schedule } => {
                Runner::new(Guarded::new(Replay::new(schedule), job), config).run(body)
            }
            EngineKind::Probe { samples, seed } => Runner::new(
                Guarded::new(super::dfs::Probe::new(samples, seed), job),
                config,
            )
            .run(body),
            EngineKind::Std { .. } | EngineKind::Loom { .. } => {
                unreachable!("not a shuttle engine")
            }
        };
    }));
    REPLAYING.with(|r| r.set(was_replaying));
    settle.settle_pending();
    driven
}

/// A shuttle scheduler that also ends the exploration when the job says so, without a
/// panic (shuttle prints every panic that fails an execution).
///
/// It also ends the exploration after the first execution if no decision in it had more
/// than one task to choose from: such a model has one schedule only (and shuttle's PCT
/// refuses to go on with it).
struct Guarded<S> {
    inner: S,
    job: Arc<dyn Job>,
    executions: u64,
    choices_seen: bool,
}

impl<S> Guarded<S> {
    fn new(inner: S, job: Arc<dyn Job>) -> Self {
        Guarded {
            inner,
            job,
            executions: 0,
            choices_seen: false,
        }
    }
}

impl<S: Scheduler> Scheduler for Guarded<S> {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.job.settle_pending();
        // The execution that just ended stays installed until the next one begins, after
        // its first decision: that decision must not take the old one's failure for its own.
        crate::context::uninstall();
        if self.executions > 0 && !self.choices_seen {
            return None;
        }
        self.executions += 1;
        // Ask the search first: if it is exhausted, no budget ran out.
        let schedule = self.inner.new_execution()?;
        self.job.more().then_some(schedule)
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        // A failed execution ends here: choosing no task makes shuttle stop it without the
        // notice it prints for a task that panics or a deadlock it finds itself.
        if crate::context::current_has_failed() {
            return None;
        }
        self.choices_seen |= runnable.len() > 1;
        self.inner.next_task(runnable, current, is_yielding)
    }

    fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }
}

/// Follows a schedule of thread indices, one per recorded event, as far as it applies.
///
/// Model thread `i` is shuttle task `i`: both number threads in spawn order from the main
/// thread's 0. At each decision the scheduler looks up which event comes next and runs the
/// thread the schedule names for it, if that thread can run; otherwise it keeps the running
/// thread (no preemption), or takes the lowest runnable one.
///
/// A schedule of switch points works the same way, except that the thread wanted next is
/// the `to` of a switch point whose `thread` is running and has taken exactly `after`
/// steps (each switch point fires once), and otherwise the running thread.
struct Replay {
    order: Vec<usize>,
    switches: Vec<crate::schedule::Switch>,
    fired: Vec<bool>,
    started: bool,
}

impl Replay {
    fn new(schedule: &crate::schedule::Schedule) -> Self {
        Replay {
            order: schedule.steps().to_vec(),
            switches: schedule.switches().to_vec(),
            fired: vec![false; schedule.switches().len()],
            started: false,
        }
    }

    /// The thread the schedule wants to act next, given the log so far.
    fn wanted(&mut self, log: &crate::context::Log, current: Option<TaskId>) -> Option<usize> {
        if self.switches.is_empty() {
            return self.order.get(log.events.len()).copied();
        }
        let running = usize::from(current?);
        let taken = log.taken(running);
        let switch = self
            .switches
            .iter()
            .zip(&self.fired)
            .position(|(s, fired)| !fired && s.thread == running && s.after == taken)?;
        self.fired[switch] = true;
        Some(self.switches[switch].to)
    }
}

impl Scheduler for Replay {
    fn new_execution(&mut self) -> Option<Schedule> {
        if std::mem::replace(&mut self.started, true) {
            None
        } else {
            Some(Schedule::new(0))
        }
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        _is_yielding: bool,
    ) -> Option<TaskId> {
        let can_run = |id: TaskId| runnable.iter().any(|t| t.id() == id);
        // The thread the schedule names for the next event. Until that event is recorded
        // the running thread goes on: a thread's events, a spawn's included, are recorded
        // after the scheduling point that precedes them, so the thread the schedule names
        // next always exists by the time it is named (its spawn was recorded before).
        let wanted = crate::context::current().and_then(|execution| {
            let log = execution.log();
            self.wanted(&log, current).map(TaskId::from)
        });
        wanted
            .filter(|&id| can_run(id))
            .or(current.filter(|&id| can_run(id)))
            .or(runnable.first().map(|t| t.id()))
    }

    fn next_u64(&mut self) -> u64 {
        0
    }
}

fn count(iterations: u64) -> usize {
    usize::try_from(iterations).unwrap_or(usize::MAX)
}

/// Runs one empty shuttle execution, so that shuttle installs its panic hook now.
pub(crate) fn initialise_panic_hook() {
    Runner::new(super::sampling::Random::new(0, 1), config(1)).run(|| {});
}

/// Spawns a shuttle thread running `body`. Shuttle switches threads before it creates
/// the task: the caller adds the model thread after this returns.
///
/// The task is not given the thread's name: the execution keeps it, for traces and
/// [`crate::thread::current`], and shuttle would use its own copy only in messages that
/// never reach the user. Giving it one cost four allocations per spawn (copies of the
/// name, and the label shuttle files it under), a tenth of what an execution of the
/// ticket office allocates.
pub(crate) fn spawn<T: Send + 'static>(body: impl FnOnce() -> T + Send + 'static) -> JoinHandle<T> {
    shuttle::thread::spawn(body)
}

/// Checks that the spawned task is model thread `index` (see [`thread_index`]): if the two
/// numberings ever differed, events would be put down to the wrong threads.
pub(crate) fn check_task<T>(handle: &JoinHandle<T>, index: usize) {
    let task = usize::from(handle.thread().id());
    assert_eq!(
        task, index,
        "interleavings: shuttle task {task} is not model thread {index}"
    );
}

pub(crate) fn yield_now() {
    shuttle::thread::yield_now();
}

/// Hands control to the scheduler, which ends the execution because it has failed.
pub(crate) fn end_failed_execution() {
    shuttle::thread::yield_now();
}

/// A scheduling point for a plain shared variable: each access is one shuttle step.
#[derive(Debug)]
pub(crate) struct Point(AtomicUsize);

impl Point {
    pub(crate) fn new() -> Self {
        Point(AtomicUsize::new(0))
    }

    pub(crate) fn read(&self) {
        self.0.load(std::sync::atomic::Ordering::SeqCst);
    }

    pub(crate) fn write(&self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}
