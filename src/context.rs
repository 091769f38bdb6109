//! The engine context: which engine runs the current execution, and that execution's log.
//!
//! Every facade object records, when it is made, the execution it belongs to (a
//! [`Binding`]). Every operation first calls [`enter`], which compares that binding with the
//! execution running now. Outside any exploration there is no execution and the facade is
//! plain `std`.
//!
//! Under loom and shuttle all model threads are coroutines on the one OS thread that runs the
//! exploration, so one thread-local holds the execution for all of them; the engine tells
//! which model thread is running. Under the std engine every model thread is an OS thread,
//! and the facade's `spawn` installs the execution in each of them.

use crate::engine;
use crate::event_log::{EventLog, Logged};
use crate::race::{Effect, HappensBefore, ObjectId};
use crate::report::CounterexampleKind;
use crate::trace::{Op, Trace, Value};
use crate::turn_cell::{TurnCell, TurnGuard};
use std::cell::{Cell, RefCell};
use std::mem::ManuallyDrop;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

/// The object of events that act on none: a thread's end, a yield, a sleep. Names are
/// shared, not copied, into every event that mentions them.
pub(crate) fn no_object() -> &'static Arc<str> {
    static NONE: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from(""));
    &NONE
}

/// The object of printed lines.
fn stdout_name() -> &'static Arc<str> {
    static STDOUT: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from("stdout"));
    &STDOUT
}

/// The engine family that provides the primitives of an execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Backend {
    Std,
    Loom,
    Shuttle,
}

impl Backend {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Backend::Std => "std",
            Backend::Loom => "loom",
            Backend::Shuttle => "shuttle",
        }
    }
}

/// Where a facade object belongs: outside any exploration (id 0), or one execution.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Binding {
    pub(crate) backend: Backend,
    pub(crate) execution: u64,
    /// The object's identity within its execution (0 outside any exploration).
    pub(crate) object: ObjectId,
    /// The object belongs to an unrecorded std run without chaos: a mutex's uncontended
    /// lock takes the light path (see [`light_step`]).
    pub(crate) light: bool,
}

impl Binding {
    /// The name an object gets until it is `named`: `mutex1`, `shared2`, ...
    pub(crate) fn default_name(&self, kind: &'static str) -> Arc<str> {
        if self.object == 0 {
            return Arc::from(kind);
        }
        // The executions of one exploration make their objects in the same order, mostly:
        // the name made for this number last time is likely the one wanted now, and a copy
        // of it costs less than formatting and allocating anew (most objects are then
        // `named`, and this name is dropped).
        DEFAULT_NAMES.with_borrow_mut(|names| {
            if let Some((made_for, name)) = names.get(self.object) {
                if std::ptr::eq(*made_for, kind) {
                    return Arc::clone(name);
                }
            }
            let name: Arc<str> = Arc::from(format!("{kind}{}", self.object));
            if self.object < DEFAULT_NAMES_KEPT {
                if names.len() <= self.object {
                    names.resize(self.object + 1, ("", Arc::from("")));
                }
                names[self.object] = (kind, Arc::clone(&name));
            }
            name
        })
    }
}

/// Default names are kept for the objects numbered below this.
const DEFAULT_NAMES_KEPT: usize = 1 << 10;

thread_local! {
    /// The default name last made for each object number, with the kind it was made for.
    static DEFAULT_NAMES: RefCell<Vec<(&'static str, Arc<str>)>> = const { RefCell::new(Vec::new()) };
}

/// Why an execution stopped early, recorded where it happened.
#[derive(Clone, Debug)]
pub(crate) struct Failure {
    pub(crate) kind: FailureKind,
    pub(crate) message: String,
    /// The panic came from a failed `assert!`-family macro.
    pub(crate) assertion: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FailureKind {
    /// The model is wrong: becomes a counterexample.
    Model(CounterexampleKind),
    /// The facade was used wrongly: becomes an error, not a counterexample.
    Misuse,
    /// The engine cannot explore this model (loom's thread limit): an error.
    EngineLimit,
}

/// What a model thread is doing, for deadlock detection.
///
/// Plain data: a status is written twice around every lock and join, and a name in it
/// (a reference count, two locked instructions) would cost more than the rest of the
/// write. The names a deadlock message needs are the joined thread's label and, for a
/// lock, [`Log::lock_names`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Running,
    /// Blocked, or about to block, in a lock or join: `target` is the mutex's object id, or
    /// the joined thread's index.
    Waiting {
        op: Op,
        target: usize,
    },
    Finished,
}

#[derive(Debug)]
pub(crate) struct ThreadState {
    /// The name given at the spawn, or `thread-N`.
    pub(crate) label: Arc<str>,
    /// The label is the name given at the spawn.
    pub(crate) named: bool,
    pub(crate) status: Status,
    /// The thread that spawned it (none for the main thread).
    pub(crate) parent: Option<usize>,
    /// The (virtual) process it belongs to, and that process's parent.
    pub(crate) pid: u32,
    pub(crate) parent_pid: u32,
    /// Asked to stop at its next step, without cleanup (`Process::terminate`).
    pub(crate) terminated: bool,
    /// The last deadlock probe of the std watchdog that this thread answered by failing to
    /// get the lock it waits for (see [`Log::waits_confirmed`]).
    pub(crate) confirmed_probe: u64,
    /// Every thread of a modelled process touches this before each step, and its first
    /// thread when it ends, so that the engines see the process's termination and its end
    /// as steps that the parent's looks depend on.
    pub(crate) life: Option<Arc<crate::shared::Point>>,
}

impl ThreadState {
    /// A thread of the main process that no model thread spawned (the main thread).
    pub(crate) fn unspawned(label: &str, status: Status) -> Self {
        ThreadState {
            label: Arc::from(label),
            named: true,
            status,
            parent: None,
            pid: MAIN_PID,
            parent_pid: 0,
            terminated: false,
            confirmed_probe: 0,
            life: None,
        }
    }
}

/// A question from the std watchdog to the threads that wait for a lock: do you still find
/// it taken? Raised when every live thread seemed to wait (see [`Log::waits_confirmed`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DeadlockProbe {
    /// What a lock waiter answers with (`ThreadState::confirmed_probe`).
    number: u64,
    /// `Log::status_changes` when it was raised.
    status_changes: u64,
}

/// The virtual pid of the model's main process.
pub(crate) const MAIN_PID: u32 = 1;

/// How much of an execution is recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Recording {
    /// Nothing: no events, no happens-before (see [`Engine::unrecorded`](crate::Engine::unrecorded)).
    Off,
    /// Happens-before only: every `Shared` access is checked for data races, but no event
    /// is kept, so the execution has no trace. Sampling on shuttle runs so: a seed makes
    /// the same executions however much is recorded, so a counterexample is shown from its
    /// executions run again traced.
    Races,
    /// Happens-before and every event, for the trace.
    Full,
}

/// The mutable part of an execution: threads, events, happens-before, the first failure.
#[derive(Debug, Default)]
pub(crate) struct Log {
    pub(crate) threads: Vec<ThreadState>,
    pub(crate) events: EventLog,
    pub(crate) failure: Option<Failure>,
    pub(crate) happens_before: HappensBefore,
    /// Which thread holds each locked mutex.
    locks: Vec<Option<usize>>,
    /// The name of each mutex a thread waited for, by object id (for deadlock messages):
    /// noted at its first wait in the execution, not at every one.
    lock_names: Vec<Option<Arc<str>>>,
    /// Under loom, the mutexes that a panic the model caught has released: loom does not
    /// model poisoning (its `lock` panics on such a lock), so taking one again is refused.
    loom_poisoned: Vec<ObjectId>,
    /// Steps so far (events other than a thread's end).
    steps: usize,
    /// Status writes so far. Some status changes take no step (a join that returns, an
    /// unlock while unwinding, a thread's end): a std deadlock probe holds only while this
    /// has not moved since it was raised (see [`Log::waits_confirmed`]).
    status_changes: u64,
    /// Lines printed with `io::println!`, in order.
    output: Vec<String>,
    /// The DFS decisions after which `io::output()` read the lines. Not events (a trace
    /// does not show them), but the DFS's reduction must see the reads.
    pub(crate) output_reads: Vec<usize>,
    /// The DFS decisions after which a mutex was really released under shuttle, and its
    /// name. Not events: the trace shows the `unlock` step, recorded before the engine's
    /// release and its scheduling point.
    pub(crate) releases: Vec<(usize, Arc<str>)>,
    /// The `lock` events (by index) that began a *quiet* critical section under shuttle:
    /// up to its `unlock` the holder only read and wrote `Shared` variables, with no
    /// scheduling point in between, and never touched the mutex's content. Not events: the
    /// DFS's reduction reads them (see `engine::dpor`). In the order of the events.
    pub(crate) quiet_sections: Vec<usize>,
    /// Events recorded so far by each thread, by index.
    taken: Vec<usize>,
    objects: ObjectId,
    /// False in an unrecorded run: no events, no happens-before (see
    /// [`Engine::unrecorded`](crate::Engine::unrecorded)).
    recorded: bool,
    /// False when only happens-before is recorded ([`Recording::Races`]): no event is kept.
    pub(crate) traced: bool,
    /// Happens-before is kept: the execution is recorded and has made a `Shared`, the only
    /// object whose accesses can race. Until then the clocks are left alone: whether two
    /// accesses made later are ordered depends only on what synchronises between them,
    /// later still. A model without plain shared variables (only locks and atomics) never
    /// pays for them.
    races_checked: bool,
    /// Events of an untraced execution so far: happens-before numbers them as a trace would.
    untraced_events: usize,
}

thread_local! {
    /// The log of the last execution that ended on this OS thread, emptied, kept for the
    /// next one: a sampling run makes thousands of executions alike, and growing their
    /// events, clocks and thread states from nothing each time showed in profiles
    /// (allocation, copying, cache misses).
    static SPARE_LOG: RefCell<Option<Box<Log>>> = const { RefCell::new(None) };
}

/// A log bigger than this (in events) is not kept for reuse: it would hold its memory for
/// as long as the thread lives.
const SPARE_LOG_MAX_EVENTS: usize = 1 << 16;

impl Log {
    /// A log for a new execution, with the buffers of the last one ended on this thread.
    fn fresh(recording: Recording, main: ThreadState) -> Box<Log> {
        let mut log = SPARE_LOG
            .try_with(|spare| spare.borrow_mut().take())
            .ok()
            .flatten()
            .unwrap_or_default();
        log.threads.push(main);
        log.recorded = recording != Recording::Off;
        log.traced = recording == Recording::Full;
        log
    }

    /// Keeps this ended execution's buffers, emptied, for the next execution on this thread.
    fn keep_for_reuse(mut self: Box<Log>) {
        if self.events.capacity() > SPARE_LOG_MAX_EVENTS {
            return;
        }
        self.empty();
        // A thread being torn down keeps nothing.
        let _ = SPARE_LOG.try_with(|spare| *spare.borrow_mut() = Some(self));
    }

    /// Empties the log in place, keeping its buffers' memory. Every field is named, so that
    /// a field added later cannot be forgotten here.
    fn empty(&mut self) {
        let Log {
            threads,
            events,
            failure,
            happens_before,
            locks,
            lock_names,
            loom_poisoned,
            steps,
            status_changes,
            output,
            output_reads,
            releases,
            quiet_sections,
            taken,
            objects,
            recorded,
            traced,
            races_checked,
            untraced_events,
        } = self;
        threads.clear();
        events.clear();
        *failure = None;
        happens_before.reset();
        locks.clear();
        lock_names.clear();
        loom_poisoned.clear();
        *steps = 0;
        *status_changes = 0;
        output.clear();
        output_reads.clear();
        releases.clear();
        quiet_sections.clear();
        taken.clear();
        *objects = ObjectId::default();
        *recorded = false;
        *traced = false;
        *races_checked = false;
        *untraced_events = 0;
    }

    pub(crate) fn trace(&self) -> Trace {
        Trace {
            threads: self.threads.iter().map(|t| t.label.to_string()).collect(),
            events: self.events.to_events(),
            // An untraced execution's races name events it did not keep.
            races: if self.traced {
                self.happens_before.races().to_vec()
            } else {
                Vec::new()
            },
        }
    }

    /// Appends one event and applies its effect on happens-before.
    #[inline]
    fn push(&mut self, thread: usize, op: Op, object: &Arc<str>, value: Logged, effect: Effect) {
        // The trace ends where the failure happened: what threads do while they are stopped
        // (unwinding, a thread's end after a deadlock) is not part of the story.
        if self.failure.is_some() {
            return;
        }
        self.take_effect(thread, op, effect);
        if !self.recorded {
            return;
        }
        if !self.traced {
            self.untraced_events += 1;
            return;
        }
        self.push_event(thread, op, object, value);
    }

    /// Appends `op` of `thread` on model thread `other` (a spawn, a join, a wait for one):
    /// the event's object is `other`'s label, counted one reference more only for a trace.
    fn push_on_thread(&mut self, thread: usize, op: Op, other: usize, effect: Effect) {
        if self.traced {
            let label = Arc::clone(&self.threads[other].label);
            self.push(thread, op, &label, Logged::None, effect);
        } else {
            self.push(thread, op, no_object(), Logged::None, effect);
        }
    }

    /// Appends one event to the trace. Out of line, so that the rest of [`Log::push`] fits
    /// in its callers: untraced executions (loom's search) stop before this.
    #[inline(never)]
    fn push_event(&mut self, thread: usize, op: Op, object: &Arc<str>, value: Logged) {
        let step = if op == Op::Finish {
            self.steps
        } else {
            self.steps += 1;
            self.steps
        };
        if self.taken.len() <= thread {
            self.taken.resize(thread + 1, 0);
        }
        self.taken[thread] += 1;
        self.events.push(step, thread, op, object, value);
    }

    /// What an operation of `thread` does beside being an event: its effect on
    /// happens-before (recorded runs only; the effect belongs to the event about to be
    /// pushed, if any) and on who holds which lock (also for an unrecorded run's deadlock
    /// message).
    #[inline]
    fn take_effect(&mut self, thread: usize, op: Op, effect: Effect) {
        if self.races_checked {
            let index = self.events.len() + self.untraced_events;
            self.happens_before.apply(thread, index, effect);
        }
        self.note_holder(thread, op, effect);
    }

    /// Keeps track of which thread holds each mutex.
    fn note_holder(&mut self, thread: usize, op: Op, effect: Effect) {
        match (op, effect) {
            (Op::Lock | Op::TryLock, Effect::Acquire(mutex)) => {
                if self.locks.len() <= mutex {
                    self.locks.resize(mutex + 1, None);
                }
                self.locks[mutex] = Some(thread);
            }
            (Op::Unlock, Effect::Release(mutex)) => {
                if let Some(holder) = self.locks.get_mut(mutex) {
                    *holder = None;
                }
            }
            _ => {}
        }
    }

    /// Notes the critical section that `thread` began with the `lock` event `lock_at`, and
    /// is now leaving, as quiet (see `quiet_sections`) if it was: nothing but the thread's
    /// own `Shared` accesses since the `lock`.
    fn note_if_quiet(&mut self, thread: usize, lock_at: usize) {
        let quiet = self.events.get(lock_at).is_some_and(|e| e.op == Op::Lock)
            && self
                .events
                .range(lock_at + 1..self.events.len())
                .all(|e| e.thread == thread && matches!(e.op, Op::Get | Op::Set));
        if quiet {
            self.quiet_sections.push(lock_at);
        }
    }

    /// Events recorded so far by thread `index`.
    pub(crate) fn taken(&self, index: usize) -> usize {
        self.taken.get(index).copied().unwrap_or(0)
    }

    /// True when every live thread waits for something that cannot come: a lock another
    /// thread holds, or a thread that has not finished.
    pub(crate) fn deadlocked(&self) -> bool {
        self.all_waiting()
            && self
                .threads
                .iter()
                .enumerate()
                .all(|(index, t)| match &t.status {
                    Status::Finished => true,
                    Status::Waiting {
                        op: Op::Join,
                        target,
                        ..
                    } => self.threads[*target].status != Status::Finished,
                    Status::Waiting { target, .. } => self.held_by_other(*target, index).is_some(),
                    Status::Running => false,
                })
    }

    /// Records a `blocked on` step if another thread than `thread` holds `mutex`; true if
    /// one does.
    fn note_contention(&mut self, thread: usize, mutex: ObjectId, name: &Arc<str>) -> bool {
        let Some(holder) = self.held_by_other(mutex, thread) else {
            return false;
        };
        let holder = Value::from(&*self.threads[holder].label);
        self.push(thread, Op::Block, name, Logged::Text(holder), Effect::Plain);
        true
    }

    /// The thread holding `mutex`, if another than `thread`.
    fn held_by_other(&self, mutex: ObjectId, thread: usize) -> Option<usize> {
        self.locks
            .get(mutex)
            .copied()
            .flatten()
            .filter(|&h| h != thread)
    }

    /// True when every thread that has not finished waits: nobody can make progress.
    pub(crate) fn all_waiting(&self) -> bool {
        let mut live = self
            .threads
            .iter()
            .filter(|t| t.status != Status::Finished)
            .peekable();
        live.peek().is_some() && live.all(|t| matches!(t.status, Status::Waiting { .. }))
    }

    /// Notes that `thread` waits for (or is about to take) `mutex`, named `name`.
    pub(crate) fn wait_for_lock(&mut self, thread: usize, mutex: ObjectId, name: &Arc<str>) {
        if self.lock_names.len() <= mutex {
            self.lock_names.resize(mutex + 1, None);
        }
        if self.lock_names[mutex].is_none() {
            self.lock_names[mutex] = Some(Arc::clone(name));
        }
        let waiting = Status::Waiting {
            op: Op::Lock,
            target: mutex,
        };
        self.set_status(thread, waiting);
    }

    /// Every status write goes through here, so that a deadlock probe sees it.
    pub(crate) fn set_status(&mut self, thread: usize, status: Status) {
        self.threads[thread].status = status;
        self.status_changes += 1;
    }

    /// Raises a std deadlock probe if every live thread says it waits (see
    /// [`Log::waits_confirmed`]); `number` is the next probe number.
    pub(crate) fn deadlock_probe(&self, number: u64) -> Option<DeadlockProbe> {
        self.all_waiting().then_some(DeadlockProbe {
            number,
            status_changes: self.status_changes,
        })
    }

    /// True when `probe` still stands and every wait is real: no thread's status has
    /// changed since the probe was raised (every live thread waited then, so a lock can
    /// have come free since only if some thread stopped waiting), each join waits for a
    /// thread that has not finished, and each thread waiting for a lock has failed to take
    /// it since the probe. A waiter the OS has not run since its lock came free (or its
    /// joined thread ended) still says it waits, but it does not.
    pub(crate) fn waits_confirmed(&self, probe: DeadlockProbe) -> bool {
        self.status_changes == probe.status_changes
            && self.all_waiting()
            && self.threads.iter().all(|t| match &t.status {
                Status::Waiting {
                    op: Op::Join,
                    target,
                    ..
                } => self.threads[*target].status != Status::Finished,
                Status::Waiting { .. } => t.confirmed_probe == probe.number,
                Status::Running | Status::Finished => true,
            })
    }

    /// True when `probe` no longer stands: a thread's status changed since it was raised.
    pub(crate) fn probe_void(&self, probe: DeadlockProbe) -> bool {
        self.status_changes != probe.status_changes
    }
}

/// Seeded perturbation for the std engine: yields and short sleeps at facade operations.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Chaos {
    pub(crate) seed: u64,
}

/// One execution of a model: its engine, identity, limits and log.
#[derive(Debug)]
pub(crate) struct Execution {
    pub(crate) id: u64,
    pub(crate) backend: Backend,
    pub(crate) max_steps: usize,
    pub(crate) chaos: Option<Chaos>,
    /// Set by the std engine's watchdog: every thread stops at its next operation.
    pub(crate) abort: AtomicBool,
    /// The std watchdog's current deadlock probe (0: none yet), which threads waiting for
    /// a lock answer (see [`Log::waits_confirmed`]).
    pub(crate) deadlock_probe: AtomicU64,
    /// Operations so far; the std watchdog watches it move.
    pub(crate) steps: AtomicUsize,
    /// Real child processes (std engine) whose frames are still being read.
    pub(crate) real_children: AtomicUsize,
    /// Set with the first failure, so that the engine can end the execution.
    failed: AtomicBool,
    /// Processes asked to terminate so far (checked on every step only when not zero).
    terminations: AtomicUsize,
    /// Processes started so far (their threads' steps touch their life point).
    processes: AtomicUsize,
    /// Lines printed with `io::println!` also go to the real standard output.
    pub(crate) echo_output: bool,
    /// `Shared` accesses are scheduling points (no [`Reduction`](crate::engine::Reduction)).
    pub(crate) every_access_is_a_point: bool,
    /// Under loom: threads spawned and not yet joined (see [`Execution::access_is_a_point`]).
    unjoined: AtomicUsize,
    /// Under loom: engine objects that make scheduling points loom would not make by
    /// itself. Each mutex gets a probe, a loom atomic touched by `try_lock` and just before
    /// each unlock: loom makes no scheduling point at an unlock, so without the probe it
    /// never runs a `try_lock` while another thread holds the lock (unless the holder does
    /// some other loom operation meanwhile), and the busy case would go unexplored. And
    /// standard output and `thread::sleep` get their points (`stdout`, `clock`).
    ///
    /// Made only once a search has needed them: creating a loom object takes about 2.8 KiB
    /// of stack (loom's own frames), so on the main thread's newly mapped stack it costs a
    /// page fault per execution (4.6 % of raw loom's time on the ticket office), besides
    /// loom's bookkeeping (BENCHMARKS.md).
    pub(crate) loom_probes: bool,
    /// Set when an operation under loom needed a probe that the execution does not have:
    /// the exploration is run again with them (see `Explorer`'s search).
    pub(crate) unprobed: AtomicBool,
    /// Set when a model thread yielded: the engines that take a yield as "waiting for
    /// another" never ran it on at once, which a report says (see `thread::yield_now`).
    pub(crate) yielded: AtomicBool,
    /// The DFS's decisions so far in this execution (set by its scheduler).
    pub(crate) decision: AtomicUsize,
    /// False in an unrecorded run (see [`Engine::unrecorded`](crate::Engine::unrecorded)).
    pub(crate) recorded: bool,
    /// False when no event is kept ([`Recording::Races`] or `Off`): values go unrendered.
    traced: bool,
    /// The scheduling point of standard output.
    stdout: crate::shared::Point,
    /// The scheduling point of `thread::sleep` (time itself is not modelled).
    clock: crate::shared::Point,
    /// Taken out by `drop`, to keep its buffers for the next execution.
    log: TurnCell<ManuallyDrop<Box<Log>>>,
}

/// Panic payload that unwinds a model thread without being a failure of its own: the failure
/// (if any) is already recorded.
#[derive(Debug)]
pub(crate) struct Stop;

/// Panic payload that unwinds a terminated process's thread.
#[derive(Debug)]
pub(crate) struct Terminated;

static NEXT_EXECUTION: AtomicU64 = AtomicU64::new(1);

/// Executions that exist now, anywhere in the process. While there are none, a facade
/// object made outside any exploration skips the thread-local look-up: the facade then costs
/// one relaxed load over std.
static LIVE_EXECUTIONS: AtomicUsize = AtomicUsize::new(0);

impl Drop for Execution {
    fn drop(&mut self) {
        LIVE_EXECUTIONS.fetch_sub(1, Ordering::Relaxed);
        // SAFETY: the log is not used again: this is the execution's end.
        unsafe { ManuallyDrop::take(self.log.get_mut()) }.keep_for_reuse();
    }
}

/// What keeps the execution installed on this OS thread alive (see [`RUNNING`]).
struct Current {
    execution: Arc<Execution>,
}

impl Drop for Current {
    fn drop(&mut self) {
        // The execution may go with its last reference: `RUNNING` must not outlive it.
        RUNNING.with(|running| running.set((std::ptr::null(), 0)));
    }
}

/// The execution running on this OS thread, borrowed for one facade operation: what
/// [`current`] and [`current_thread`] give. It costs neither a reference count (two locked
/// instructions) nor a look-up of the owning thread-local, on every operation.
///
/// It is valid while this OS thread's [`CURRENT`] holds the execution, and `CURRENT` is
/// replaced only where no facade operation is in progress on the thread: at the start of
/// an execution's main thread (under loom and shuttle, once every coroutine of the last
/// execution has ended or been unwound) or of a std model thread, at its end, and after a
/// search. So it must live no longer than the operation that took it (or, for a model
/// thread's body, than the thread): what keeps the execution beyond (a join handle, a std
/// model thread's OS thread) takes an `Arc` with [`Running::to_arc`]; a lock's holder keeps
/// only the execution's id, and finds it installed again at the unlock. It cannot leave
/// its OS thread (it is neither `Send` nor `Sync`).
pub(crate) struct Running {
    execution: std::ptr::NonNull<Execution>,
    _this_thread: std::marker::PhantomData<*const ()>,
}

impl Running {
    /// A counted reference, to keep the execution beyond the operation.
    pub(crate) fn to_arc(&self) -> Arc<Execution> {
        let execution = self.execution.as_ptr().cast_const();
        // SAFETY: the pointer is `CURRENT`'s `Arc`'s (see `install`), alive (see `Running`):
        // counting one more reference to it and owning that one is sound.
        unsafe {
            Arc::increment_strong_count(execution);
            Arc::from_raw(execution)
        }
    }
}

impl std::ops::Deref for Running {
    type Target = Execution;

    fn deref(&self) -> &Execution {
        // SAFETY: alive for as long as the operation that holds this (see `Running`).
        unsafe { self.execution.as_ref() }
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Current>> = const { RefCell::new(None) };
    /// `CURRENT`'s execution (null for none) and the index of the model thread running on
    /// this OS thread (under loom, of the coroutine running now: see
    /// [`engine::loom::Resume`]; unused under shuttle), read by every facade operation: a
    /// constant initializer and no destructor make it the cheapest kind of thread-local to
    /// reach.
    static RUNNING: Cell<(*const Execution, usize)> = const { Cell::new((std::ptr::null(), 0)) };
    /// Set on the OS thread that runs an exploration, and on std model threads.
    static EXPLORING: Cell<bool> = const { Cell::new(false) };
    /// On a model thread of an unrecorded std run without chaos: the execution's id, and
    /// the operations taken on the light path since they were last counted.
    static LIGHT: Cell<(u64, u32)> = const { Cell::new((0, 0)) };
}

/// Light operations are counted against the step limit (and looked at by the watchdog) in
/// batches this big: counting each would cost a shared atomic add, more than the lock.
const LIGHT_BATCH: u32 = 1_024;

/// Counts one light operation on an object of `binding` (see [`Binding::light`]): false if
/// this thread does not run that object's execution (the caller then takes the full path,
/// which tells a misuse from a plain use).
#[inline]
pub(crate) fn light_step(binding: Binding) -> bool {
    LIGHT.with(|light| {
        let (execution, taken) = light.get();
        if execution != binding.execution {
            return false;
        }
        if taken + 1 < LIGHT_BATCH {
            light.set((execution, taken + 1));
        } else {
            light.set((execution, 0));
            count_light_steps(LIGHT_BATCH);
        }
        true
    })
}

/// Counts `taken` light operations of this thread against its execution's step limit.
#[cold]
#[inline(never)]
fn count_light_steps(taken: u32) {
    if let Some((execution, thread)) = current_thread() {
        step_by(&execution, thread, taken as usize);
    }
}

impl Execution {
    pub(crate) fn new(
        backend: Backend,
        max_steps: usize,
        chaos: Option<Chaos>,
        echo_output: bool,
        every_access_is_a_point: bool,
        loom_probes: bool,
        recording: Recording,
    ) -> Arc<Self> {
        // Made now, before any thread is spawned: loom requires every object it tracks to be
        // created before the threads that use it (without probes, loom gets none: see
        // `loom_probes`).
        let point = || match backend {
            Backend::Loom if !loom_probes => crate::shared::Point::Absent,
            _ => crate::shared::Point::new(backend),
        };
        let log = Log::fresh(recording, ThreadState::unspawned("main", Status::Running));
        let recorded = recording != Recording::Off;
        LIVE_EXECUTIONS.fetch_add(1, Ordering::Relaxed);
        Arc::new(Execution {
            id: NEXT_EXECUTION.fetch_add(1, Ordering::Relaxed),
            backend,
            max_steps,
            chaos,
            abort: AtomicBool::new(false),
            deadlock_probe: AtomicU64::new(0),
            steps: AtomicUsize::new(0),
            real_children: AtomicUsize::new(0),
            failed: AtomicBool::new(false),
            terminations: AtomicUsize::new(0),
            processes: AtomicUsize::new(0),
            echo_output,
            every_access_is_a_point,
            unjoined: AtomicUsize::new(0),
            loom_probes,
            unprobed: AtomicBool::new(false),
            yielded: AtomicBool::new(false),
            decision: AtomicUsize::new(0),
            recorded,
            traced: recording == Recording::Full,
            stdout: point(),
            clock: point(),
            // Under loom and shuttle the model's threads are coroutines of this OS thread.
            log: TurnCell::new(ManuallyDrop::new(log), backend != Backend::Std),
        })
    }

    /// A recorded execution with a step limit of 1,000 and nothing else set, for unit
    /// tests.
    #[cfg(test)]
    pub(crate) fn recorded_for_tests(backend: Backend) -> Arc<Self> {
        Execution::new(backend, 1_000, None, false, false, false, Recording::Full)
    }

    /// `value` as the log keeps it, to be shown with its `Debug` format; nothing when no
    /// event is kept (no trace shows it, and rendering a value that is not an integer
    /// allocates).
    pub(crate) fn logged_value<T: std::fmt::Debug>(&self, value: &T) -> Logged {
        if self.traced {
            Logged::debug(value)
        } else {
            Logged::None
        }
    }

    /// Objects of this execution take the light path: unrecorded std, without chaos.
    fn light(&self) -> bool {
        self.backend == Backend::Std && !self.recorded && self.chaos.is_none()
    }

    pub(crate) fn log(&self) -> TurnGuard<'_, ManuallyDrop<Box<Log>>> {
        self.log.lock()
    }

    /// A binding for a new object of this execution.
    pub(crate) fn bind_object(&self) -> Binding {
        Binding {
            backend: self.backend,
            execution: self.id,
            object: self.new_object(),
            light: self.light(),
        }
    }

    fn new_object(&self) -> ObjectId {
        let mut log = self.log();
        log.objects += 1;
        log.objects
    }

    pub(crate) fn add_thread(&self, parent: usize, name: Option<&str>) -> usize {
        let mut log = self.log();
        let index = log.threads.len();
        let named = name.is_some();
        let label = match name {
            Some(name) => Arc::from(name),
            None => Arc::from(format!("thread-{index}")),
        };
        // A thread belongs to its spawner's process: it shares the process's life point and
        // stops with it (see `make_process` for a new process's first thread).
        let spawner = &log.threads[parent];
        let thread = ThreadState {
            label,
            named,
            status: Status::Running,
            parent: Some(parent),
            pid: spawner.pid,
            parent_pid: spawner.parent_pid,
            terminated: spawner.terminated,
            confirmed_probe: 0,
            life: spawner.life.clone(),
        };
        log.threads.push(thread);
        self.count_unjoined(true);
        index
    }

    /// Notes that a thread has been joined: its whole life happens before its joiner's
    /// next step.
    pub(crate) fn note_joined(&self) {
        self.count_unjoined(false);
    }

    /// Counts a thread spawned (`up`) or joined, under loom only (see `unjoined`).
    #[inline]
    fn count_unjoined(&self, up: bool) {
        if self.backend == Backend::Loom {
            // One OS thread runs every model thread of a loom execution: a load and a store
            // count as well as a read-modify-write, without its locked instruction.
            let was = self.unjoined.load(Ordering::Relaxed);
            let now = if up { was + 1 } else { was - 1 };
            self.unjoined.store(now, Ordering::Relaxed);
        }
    }

    /// Whether a `Shared` access by the running thread is a scheduling point.
    ///
    /// With every access a point, one is left out under loom while every thread but the
    /// running one has been joined (or none spawned yet): the access then happens after
    /// everything any other thread did, so there is nothing to interleave it with and no
    /// earlier access it could be reordered against — loom would neither branch there nor
    /// go back to try it earlier. (Typically the model's main thread reading the result.)
    /// Under shuttle every point stays: a sampler's seed numbers its steps, and a saved
    /// schedule must keep replaying the same execution.
    #[inline]
    pub(crate) fn access_is_a_point(&self) -> bool {
        self.every_access_is_a_point
            && !(self.backend == Backend::Loom && self.unjoined.load(Ordering::Relaxed) == 0)
    }

    /// Makes thread `index` the first thread of a new process, child of its spawner's.
    pub(crate) fn make_process(&self, index: usize) -> u32 {
        let mut log = self.log();
        let pid = log.threads.iter().map(|t| t.pid).max().unwrap_or(MAIN_PID) + 1;
        let parent = log.threads[index].parent.unwrap_or(0);
        let parent_pid = log.threads[parent].pid;
        let thread = &mut log.threads[index];
        thread.pid = pid;
        thread.parent_pid = parent_pid;
        thread.terminated = false;
        thread.life = None;
        pid
    }

    /// Gives thread `index` (a process's first thread) its life point.
    pub(crate) fn set_life(&self, index: usize, life: Arc<crate::shared::Point>) {
        self.log().threads[index].life = Some(life);
        self.processes.fetch_add(1, Ordering::Relaxed);
    }

    /// True once a process was started in this execution.
    pub(crate) fn has_processes(&self) -> bool {
        self.processes.load(Ordering::Relaxed) > 0
    }

    /// True once the model has started a process or terminated one: from then on each step
    /// may be a process's last.
    #[inline]
    fn has_process_lives(&self) -> bool {
        self.processes.load(Ordering::Relaxed) != 0
            || self.terminations.load(Ordering::Relaxed) != 0
    }

    /// The life point of thread `index` (if it belongs to a modelled process) and whether it
    /// was asked to terminate, in one look-up.
    fn process_state(&self, index: usize) -> (Option<Arc<crate::shared::Point>>, bool) {
        let log = self.log();
        let thread = &log.threads[index];
        (thread.life.clone(), thread.terminated)
    }

    /// A `Shared` is made: from now on its accesses, and every synchronisation that may
    /// order them, go into happens-before (see `Log::races_checked`).
    pub(crate) fn check_races(&self) {
        let mut log = self.log();
        log.races_checked = log.recorded;
    }

    /// The process of thread `index` and its parent process.
    pub(crate) fn pids(&self, index: usize) -> (u32, u32) {
        let log = self.log();
        (log.threads[index].pid, log.threads[index].parent_pid)
    }

    /// Asks the process whose first thread is `index` to stop: each of its threads stops
    /// at its next step.
    pub(crate) fn terminate(&self, index: usize) {
        let mut log = self.log();
        let pid = log.threads[index].pid;
        let mut stopped = false;
        for thread in log.threads.iter_mut().filter(|t| t.pid == pid) {
            stopped |= !std::mem::replace(&mut thread.terminated, true);
        }
        if stopped {
            self.terminations.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// True once thread `index` was asked to terminate.
    pub(crate) fn is_terminated(&self, index: usize) -> bool {
        self.terminations.load(Ordering::Relaxed) > 0 && self.log().threads[index].terminated
    }

    /// True once thread `index` has finished.
    pub(crate) fn has_finished(&self, index: usize) -> bool {
        self.log().threads[index].status == Status::Finished
    }

    pub(crate) fn thread_label(&self, index: usize) -> Arc<str> {
        self.log().threads[index].label.clone()
    }

    pub(crate) fn thread_name(&self, index: usize) -> Option<String> {
        let log = self.log();
        let thread = &log.threads[index];
        thread.named.then(|| thread.label.to_string())
    }

    pub(crate) fn set_status(&self, thread: usize, status: Status) {
        self.log().set_status(thread, status);
    }

    /// Notes that `thread` waits for `mutex`, named `name` (see [`Log::wait_for_lock`]).
    pub(crate) fn wait_for_lock(&self, thread: usize, mutex: ObjectId, name: &Arc<str>) {
        self.log().wait_for_lock(thread, mutex, name);
    }

    /// Raises a new deadlock probe (std watchdog) if every live thread says it waits.
    pub(crate) fn raise_deadlock_probe(&self) -> Option<DeadlockProbe> {
        // Under the log's lock: no status can change between the look and the count.
        let log = self.log();
        let probe = log.deadlock_probe(self.deadlock_probe.load(Ordering::SeqCst) + 1)?;
        self.deadlock_probe.store(probe.number, Ordering::SeqCst);
        Some(probe)
    }

    /// `thread` failed to take the lock it waits for after `probe` was raised.
    pub(crate) fn confirm_probe(&self, thread: usize, probe: u64) {
        self.log().threads[thread].confirmed_probe = probe;
    }

    /// Runs `block` (an engine call that may block) with `thread` marked as waiting on
    /// `object`, so that a deadlock found meanwhile can say who waits for what.
    ///
    /// Under shuttle, a wait that can never end (every live thread waits for a lock another
    /// holds or a thread that has not finished) is reported here, before shuttle finds it:
    /// shuttle would print its own deadlock notice.
    pub(crate) fn waiting<R>(
        &self,
        thread: usize,
        op: Op,
        target: usize,
        block: impl FnOnce() -> R,
    ) -> R {
        let deadlocked = {
            let mut log = self.log();
            log.set_status(thread, Status::Waiting { op, target });
            self.backend == Backend::Shuttle && log.deadlocked()
        };
        self.stop_if_deadlocked(deadlocked);
        let result = block();
        self.set_status(thread, Status::Running);
        result
    }

    /// Records the end of `thread`. Under shuttle, a thread whose end leaves every other
    /// live thread waiting for another (the main thread among them) completes a deadlock:
    /// it is reported here, as [`Execution::waiting`] reports the others, before shuttle
    /// finds it at its next decision and prints its own notice.
    pub(crate) fn finish_thread(&self, thread: usize) {
        self.record(thread, Op::Finish, no_object(), None);
        let deadlocked = {
            let mut log = self.log();
            log.set_status(thread, Status::Finished);
            // With the main thread gone shuttle ends the execution (its other tasks were
            // detached), and so does a real program.
            self.backend == Backend::Shuttle
                && log.threads[0].status != Status::Finished
                && log.deadlocked()
        };
        self.stop_if_deadlocked(deadlocked);
    }

    /// Ends a wait that can never end as a deadlock counterexample.
    fn stop_if_deadlocked(&self, deadlocked: bool) {
        if deadlocked {
            self.fail_and_stop(
                FailureKind::Model(CounterexampleKind::Deadlock),
                self.deadlock_message(),
            );
        }
    }

    /// Runs `lock` (the engine's lock of `mutex`, which may block) and records it: first a
    /// `blocked on` step if another thread holds the mutex, then the `lock` step, whose
    /// index it returns with `lock`'s result where the DFS's reduction may need it. The thread is marked as waiting meanwhile (see
    /// [`Execution::waiting`]); the log is taken twice in all, since this is on every lock's
    /// path.
    pub(crate) fn lock<R>(
        &self,
        thread: usize,
        mutex: ObjectId,
        name: &Arc<str>,
        lock: impl FnOnce() -> R,
    ) -> (R, Option<usize>) {
        self.replay_point();
        let deadlocked = {
            let mut log = self.log();
            if log.loom_poisoned.contains(&mutex) {
                drop(log);
                self.refuse_loom_poisoned();
            }
            let held = log.note_contention(thread, mutex, name);
            log.wait_for_lock(thread, mutex, name);
            // Waiting for a free lock completes no deadlock.
            self.backend == Backend::Shuttle && held && log.deadlocked()
        };
        self.stop_if_deadlocked(deadlocked);
        let result = lock();
        let mut log = self.log();
        log.set_status(thread, Status::Running);
        log.push(thread, Op::Lock, name, Logged::None, Effect::Acquire(mutex));
        // The index of the `lock` event where a quiet section may begin: only the DFS's
        // reduction reads quiet sections (shuttle, `Shared` accesses not points; see
        // `Log::quiet_sections`), and none once a failure stopped the recording.
        let quiet_sections_read = self.backend == Backend::Shuttle && !self.every_access_is_a_point;
        let at = (quiet_sections_read && log.failure.is_none() && log.traced)
            .then(|| log.events.len() - 1);
        (result, at)
    }

    /// Records the `unlock` of the critical section that began with the `lock` event
    /// `lock_at` (under shuttle), noting whether the section was quiet: `content_used`
    /// says whether its holder touched the mutex's content (which no event shows).
    pub(crate) fn record_unlock(
        &self,
        thread: usize,
        name: &Arc<str>,
        mutex: ObjectId,
        lock_at: Option<usize>,
        content_used: bool,
    ) {
        let mut log = self.log();
        if let Some(lock_at) = lock_at.filter(|_| !content_used && log.failure.is_none()) {
            log.note_if_quiet(thread, lock_at);
        }
        log.push(
            thread,
            Op::Unlock,
            name,
            Logged::None,
            Effect::Release(mutex),
        );
    }

    /// The unlock of a guard dropped while its thread unwinds: not an event (if the panic
    /// fails the execution, the trace ends where it happened), but the lock is free again
    /// and the holder's past is released with it. A model may catch the panic and go on;
    /// without this, the deadlock check would take a thread waiting for the lock as
    /// deadlocked on the old holder, and its next access would seem to race with the
    /// critical section.
    pub(crate) fn release_unrecorded(&self, thread: usize, mutex: ObjectId) {
        let mut log = self.log();
        log.take_effect(thread, Op::Unlock, Effect::Release(mutex));
        // A thread that unwinds from a wait unwinds from loom's own panic (a deadlock, a
        // poisoned lock), not the model's: the execution fails, and the lock it released
        // was not poisoned by the model.
        let waiting = matches!(log.threads[thread].status, Status::Waiting { .. });
        if self.backend == Backend::Loom && !waiting {
            log.loom_poisoned.push(mutex);
        }
    }

    /// Under loom, ends the execution with an error if `mutex` was poisoned (see
    /// [`Log::loom_poisoned`]), before loom's own `lock` panics on it.
    pub(crate) fn refuse_if_loom_poisoned(&self, mutex: ObjectId) {
        if self.log().loom_poisoned.contains(&mutex) {
            self.refuse_loom_poisoned();
        }
    }

    fn refuse_loom_poisoned(&self) -> ! {
        self.fail_and_stop(FailureKind::Misuse, LOOM_POISONING.to_owned())
    }

    /// Waits a moment (at most a second) for a real child process to report what it could
    /// not do. A child that refuses a parent's lock, say, leaves the parent spinning until
    /// the step limit; the refusal, once it arrives, is the failure kept, and it says what
    /// is wrong. How soon a refusal arrives depends on how fast the fork was, not on the
    /// model, so without the wait the verdict would depend on the machine's load.
    pub(crate) fn let_real_children_report(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
        while self.real_children.load(Ordering::Acquire) > 0
            && !self.has_failed()
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// Makes room for `events` events in the log.
    pub(crate) fn expect_events(&self, events: usize) {
        self.log().events.reserve(events);
    }

    /// Records an event that does not order threads.
    pub(crate) fn record(&self, thread: usize, op: Op, object: &Arc<str>, value: Option<Value>) {
        self.record_with(thread, op, object, value, Effect::Plain);
    }

    /// Records an event and its effect on happens-before.
    pub(crate) fn record_with(
        &self,
        thread: usize,
        op: Op,
        object: &Arc<str>,
        value: Option<Value>,
        effect: Effect,
    ) {
        self.log().push(thread, op, object, value.into(), effect);
    }

    /// Records `op` of `thread` on model thread `other` (see [`Log::push_on_thread`]).
    pub(crate) fn record_on_thread(&self, thread: usize, op: Op, other: usize, effect: Effect) {
        self.log().push_on_thread(thread, op, other, effect);
    }

    /// Records an event whose value the log keeps as it is (see [`Logged`]).
    pub(crate) fn record_logged(
        &self,
        thread: usize,
        op: Op,
        object: &Arc<str>,
        value: Logged,
        effect: Effect,
    ) {
        self.log().push(thread, op, object, value, effect);
    }

    /// Performs `operation` and records it, atomically with respect to the log on real
    /// threads, so that the log's order is the order in which the operations took effect.
    /// (Under loom and shuttle nothing runs between an operation and its record.)
    pub(crate) fn perform<R>(
        &self,
        thread: usize,
        op: Op,
        object: &Arc<str>,
        operation: impl FnOnce() -> R,
        describe: impl FnOnce(&R) -> (Logged, Effect),
    ) -> R {
        if !self.recorded {
            // Nothing to describe or log (an atomic's effect is no lock holder's).
            return operation();
        }
        if self.backend == Backend::Std {
            let mut log = self.log();
            let result = operation();
            let (value, effect) = describe(&result);
            log.push(thread, op, object, value, effect);
            result
        } else {
            let result = operation();
            let (value, effect) = describe(&result);
            self.record_logged(thread, op, object, value, effect);
            result
        }
    }

    /// Standard output's scheduling point, passed by a printed line.
    pub(crate) fn pass_stdout_point(&self) {
        self.pass(&self.stdout, true);
    }

    /// Standard output's scheduling point, passed by reading the lines printed so far: a
    /// read, ordered against other threads' prints (and not against other reads). Without
    /// it, a read right after the thread's own print was one step with that print, so no
    /// other thread's line could come between them; and loom, seeing nothing shared
    /// between a print and a read, explored only one of their orders.
    pub(crate) fn read_stdout_point(&self) {
        self.pass(&self.stdout, false);
    }

    /// `thread::sleep`'s scheduling point.
    pub(crate) fn pass_clock_point(&self) {
        self.pass(&self.clock, true);
    }

    /// Passes one of the execution's own scheduling points (as a write, or a read); under
    /// loom without probes, notes that the search must run again with them.
    fn pass(&self, point: &crate::shared::Point, write: bool) {
        match point {
            crate::shared::Point::Absent if self.backend == Backend::Loom => {
                self.unprobed.store(true, Ordering::Relaxed);
            }
            point if write => point.write(),
            point => point.read(),
        }
    }

    /// Records a printed line (and prints it, when asked, in the same order as recorded).
    pub(crate) fn print(&self, thread: usize, line: String) {
        let mut log = self.log();
        if self.echo_output && self.backend == Backend::Std {
            println!("{line}");
        }
        let value = Value::from(line.as_str());
        log.output.push(line);
        log.push(
            thread,
            Op::Print,
            stdout_name(),
            Logged::Text(value),
            Effect::Plain,
        );
    }

    /// Notes that the mutex `name` was just released by the engine (see `Log::releases`).
    pub(crate) fn note_release(&self, name: Arc<str>) {
        let at = self.decision.load(Ordering::Relaxed);
        self.log().releases.push((at, name));
    }

    /// The lines printed so far.
    pub(crate) fn output(&self) -> Vec<String> {
        let at = self.decision.load(Ordering::Relaxed);
        let mut log = self.log();
        log.output_reads.push(at);
        log.output.clone()
    }

    /// A scheduling point before an event that has none of its own, in replays only (see
    /// [`engine::shuttle::replay_point`]).
    pub(crate) fn replay_point(&self) {
        if self.backend == Backend::Shuttle {
            engine::shuttle::replay_point();
        }
    }

    /// Records that `thread` is about to wait for `mutex` if another thread holds it.
    pub(crate) fn note_contention(&self, thread: usize, mutex: ObjectId, name: &Arc<str>) {
        self.replay_point();
        self.log().note_contention(thread, mutex, name);
    }

    /// Records that `thread` is about to wait for `child` to finish, if it has not yet.
    pub(crate) fn note_join_wait(&self, thread: usize, child: usize) {
        self.replay_point();
        let mut log = self.log();
        if log.threads[child].status != Status::Finished {
            log.push_on_thread(thread, Op::Block, child, Effect::Plain);
        }
    }

    /// Keeps the first failure: later ones are consequences of it.
    pub(crate) fn fail(&self, kind: FailureKind, message: String) {
        self.fail_with(Failure {
            kind,
            message,
            assertion: false,
        });
    }

    fn fail_with(&self, failure: Failure) {
        let mut log = self.log();
        if log.failure.is_none() {
            log.failure = Some(failure);
            self.failed.store(true, Ordering::Relaxed);
        }
    }

    /// Adds `note` to the failure recorded (what happened after it that the user must
    /// know of); nothing if none is.
    pub(crate) fn add_to_failure(&self, note: &str) {
        if let Some(failure) = &mut self.log().failure {
            failure.message.push_str(note);
        }
    }

    /// True once a failure is recorded: the execution is over.
    pub(crate) fn has_failed(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }

    /// Records a failure and ends the current model thread.
    pub(crate) fn fail_and_stop(&self, kind: FailureKind, message: String) -> ! {
        self.fail(kind, message);
        self.stop()
    }

    /// Ends the calling model thread of a failed execution. Under shuttle the scheduler ends
    /// the execution first, quietly (a panic in a task would make shuttle print a notice).
    pub(crate) fn stop(&self) -> ! {
        if self.backend == Backend::Shuttle {
            engine::shuttle::end_failed_execution();
        }
        std::panic::panic_any(Stop)
    }

    /// Classifies a panic that unwound a model thread, and records it.
    pub(crate) fn record_panic(&self, thread: usize, payload: &(dyn std::any::Any + Send)) {
        if payload.is::<Stop>() || payload.is::<Terminated>() {
            return;
        }
        let log = self.log();
        let waiting = matches!(log.threads[thread].status, Status::Waiting { .. });
        // A thread that waited in loom's `lock` while a caught panic released the lock
        // wakes up to loom's own panic on the poisoned lock (see `Log::loom_poisoned`).
        let woke_to_poison = match &log.threads[thread].status {
            Status::Waiting {
                op: Op::Lock,
                target,
                ..
            } => log.loom_poisoned.contains(target),
            _ => false,
        };
        let deadlock = waiting && log.all_waiting();
        let label = log.threads[thread].label.clone();
        drop(log);
        let message = crate::panic_hook::message_of(payload);
        if woke_to_poison {
            self.fail(FailureKind::Misuse, LOOM_POISONING.to_owned());
        } else if deadlock {
            // loom reports a deadlock by panicking in the thread that blocked last.
            let message = self.deadlock_message();
            self.fail(FailureKind::Model(CounterexampleKind::Deadlock), message);
        } else {
            self.fail_with(Failure {
                kind: FailureKind::Model(CounterexampleKind::Panic),
                assertion: message.starts_with("assertion"),
                message: format!("thread `{label}` panicked: {message}"),
            });
        }
    }

    /// "a waits for `lock` held by b; main waits to join a". Also completes the trace: a
    /// waiting thread whose last step is not its wait gets a `blocked on` step, so that the
    /// trace ends in the state the deadlock left.
    pub(crate) fn deadlock_message(&self) -> String {
        let mut log = self.log();
        let mut parts = Vec::new();
        let mut blocks = Vec::new();
        for (index, t) in log.threads.iter().enumerate() {
            let Status::Waiting { op, target } = t.status else {
                continue;
            };
            let object = if op == Op::Join {
                Arc::clone(&log.threads[target].label)
            } else {
                log.lock_names
                    .get(target)
                    .cloned()
                    .flatten()
                    .unwrap_or_else(|| "a lock".into())
            };
            let holder = if op == Op::Join {
                parts.push(format!("{} waits to join {object}", t.label));
                None
            } else {
                let holder = log.held_by_other(target, index);
                parts.push(match holder {
                    Some(h) if log.threads[h].status == Status::Finished => format!(
                        "{} waits for `{object}` held by {}, which has exited",
                        t.label, log.threads[h].label
                    ),
                    Some(h) => format!(
                        "{} waits for `{object}` held by {}",
                        t.label, log.threads[h].label
                    ),
                    None => format!("{} waits for `{object}`", t.label),
                });
                holder.map(|h| Value::from(&*log.threads[h].label))
            };
            if log.events.last_op_of(index) != Some(Op::Block) {
                blocks.push((index, object, holder));
            }
        }
        for (thread, object, holder) in blocks {
            log.push(thread, Op::Block, &object, holder.into(), Effect::Plain);
        }
        parts.join("; ")
    }
}

const LOOM_POISONING: &str = "a lock that a panic poisoned (the model caught the panic) was \
     taken again: loom does not model poisoning, its `lock` panics there. Explore this model \
     with the DFS or PCT engine.";

/// The execution installed on this thread, if any, and the model thread index that
/// [`RUNNING`] holds (see there).
#[inline]
fn installed() -> Option<(Running, usize)> {
    let (execution, std_thread) = RUNNING.with(Cell::get);
    let execution = Running {
        execution: std::ptr::NonNull::new(execution.cast_mut())?,
        _this_thread: std::marker::PhantomData,
    };
    Some((execution, std_thread))
}

/// The execution running on this thread, if any.
#[inline]
pub(crate) fn current() -> Option<Running> {
    installed().map(|(execution, _)| execution)
}

/// True if this thread runs an execution that has failed (asked at every scheduling
/// decision).
pub(crate) fn current_has_failed() -> bool {
    current().is_some_and(|execution| execution.has_failed())
}

/// The execution running on this thread and the index of the model thread running now, in
/// one look-up (this is on every facade operation's path).
#[inline]
pub(crate) fn current_thread() -> Option<(Running, usize)> {
    let (execution, std_thread) = installed()?;
    let thread = match execution.backend {
        Backend::Std => std_thread,
        Backend::Loom => engine::loom::checked_thread_index(std_thread),
        Backend::Shuttle => engine::shuttle::thread_index(),
    };
    Some((execution, thread))
}

/// True while this OS thread runs an exploration or a std model thread.
pub(crate) fn exploring() -> bool {
    EXPLORING.with(Cell::get)
}

/// Marks this OS thread as running an exploration until the guard drops.
pub(crate) struct ExploringGuard {
    was: bool,
}

impl ExploringGuard {
    pub(crate) fn new() -> Self {
        ExploringGuard {
            was: EXPLORING.with(|e| e.replace(true)),
        }
    }
}

impl Drop for ExploringGuard {
    fn drop(&mut self) {
        EXPLORING.with(|e| e.set(self.was));
    }
}

/// Makes `execution` the current one on this OS thread (std engine: as model thread
/// `std_thread`).
pub(crate) fn install(execution: Arc<Execution>, std_thread: usize) {
    EXPLORING.with(|e| e.set(true));
    let light = if execution.light() { execution.id } else { 0 };
    LIGHT.with(|l| l.set((light, 0)));
    let running = Arc::as_ptr(&execution);
    CURRENT.with(|c| *c.borrow_mut() = Some(Current { execution }));
    // After the old `Current` is gone (its drop clears this).
    RUNNING.with(|r| r.set((running, std_thread)));
}

/// The model thread index that [`RUNNING`] holds for this OS thread.
#[inline]
pub(crate) fn running_thread() -> usize {
    RUNNING.with(Cell::get).1
}

/// Makes `thread` the model thread running on this OS thread, keeping the execution: under
/// loom, when a coroutine starts or resumes (see [`engine::loom::Resume`]).
#[inline]
pub(crate) fn set_running_thread(thread: usize) {
    RUNNING.with(|r| r.set((r.get().0, thread)));
}

/// In a real child process of the std engine: forgets the parent's execution (a copy that
/// is not this process's) without running its destructors.
#[cfg(target_os = "linux")]
pub(crate) fn forget_in_child() {
    LIGHT.with(|l| l.set((0, 0)));
    std::mem::forget(CURRENT.with(|c| c.borrow_mut().take()));
    RUNNING.with(|r| r.set((std::ptr::null(), 0)));
}

/// Clears the current execution of this OS thread.
pub(crate) fn uninstall() {
    let (_, taken) = LIGHT.with(|l| l.replace((0, 0)));
    CURRENT.with(|c| {
        // The thread's last light operations, for the watchdog's count: no check here (the
        // thread's work is done; a limit it passed is found by the next batch or never).
        if let Some(current) = c.borrow_mut().take() {
            let taken = taken as usize;
            current.execution.steps.fetch_add(taken, Ordering::Relaxed);
        }
    });
}

/// The binding for an object made now.
pub(crate) fn bind() -> Binding {
    match current() {
        Some(execution) => execution.bind_object(),
        None => Binding {
            backend: Backend::Std,
            execution: 0,
            object: 0,
            light: false,
        },
    }
}

/// True for an object made outside any exploration while none exists anywhere in the
/// process: it is plain std, with no look-up to make.
#[inline]
pub(crate) fn outside_explorations(binding: Binding) -> bool {
    binding.execution == 0 && LIVE_EXECUTIONS.load(Ordering::Relaxed) == 0
}

/// Starts a facade operation on an object of type `what` named `name`: checks that the
/// object belongs to the running execution, counts the step, applies chaos.
///
/// Returns the execution and the acting thread, or `None` outside any exploration.
#[inline]
pub(crate) fn enter(binding: Binding, what: &str, name: &str) -> Option<(Running, usize)> {
    if outside_explorations(binding) {
        return None;
    }
    enter_exploring(binding, what, name)
}

fn enter_exploring(binding: Binding, what: &str, name: &str) -> Option<(Running, usize)> {
    let Some((execution, thread)) = current_thread() else {
        #[cfg(target_os = "linux")]
        if binding.execution != 0 && engine::fork::in_child() {
            engine::fork::refuse_shared_object(what, name);
        }
        if binding.execution != 0 && binding.backend != Backend::Std {
            panic!(
                "interleavings: {what} `{name}` was created inside a {} exploration and is used \
                 after it ended. Facade objects live only as long as the execution that made them.",
                binding.backend.name()
            );
        }
        return None;
    };
    if binding.execution != execution.id {
        misuse(&execution, binding, what, name);
    }
    step(&execution, thread);
    Some((execution, thread))
}

/// Counts one operation of `thread` against the step limit; applies chaos on std.
pub(crate) fn step(execution: &Execution, thread: usize) {
    step_by(execution, thread, 1);
}

/// Counts `taken` operations of `thread` against the step limit; applies chaos on std.
///
/// On every facade operation: what rarely happens (a stop, processes, the limit passed)
/// is out of line, so that the usual path is a few instructions in one or two cache lines.
#[inline]
fn step_by(execution: &Execution, thread: usize, taken: usize) {
    if execution.abort.load(Ordering::Relaxed) {
        stop_here();
    }
    if execution.has_process_lives() {
        stop_if_terminated(execution, thread);
    }
    let steps = if execution.backend == Backend::Std {
        execution.steps.fetch_add(taken, Ordering::Relaxed) + taken
    } else {
        // One OS thread runs every model thread of a loom or shuttle execution, and none
        // switches inside this: a load and a store count as well as a read-modify-write,
        // without its locked instruction on every facade operation.
        let steps = execution.steps.load(Ordering::Relaxed) + taken;
        execution.steps.store(steps, Ordering::Relaxed);
        steps
    };
    if steps > execution.max_steps {
        fail_step_limit(execution, thread);
    }
    if let Some(chaos) = execution.chaos {
        engine::std::perturb(chaos, thread, steps);
    }
}

/// Unwinds the model thread: its execution was stopped.
#[cold]
#[inline(never)]
fn stop_here() -> ! {
    std::panic::panic_any(Stop)
}

/// In a model with processes: a scheduling point (the parent may terminate this process
/// meanwhile), then unwinds the thread if its process was terminated.
#[cold]
#[inline(never)]
fn stop_if_terminated(execution: &Execution, thread: usize) {
    let (life, mut terminated) = execution.process_state(thread);
    if let Some(life) = life {
        life.read();
        terminated = execution.is_terminated(thread);
    }
    if terminated {
        std::panic::panic_any(Terminated);
    }
}

/// Fails the execution whose `thread` has just passed the step limit.
#[cold]
#[inline(never)]
fn fail_step_limit(execution: &Execution, thread: usize) -> ! {
    execution.let_real_children_report();
    let label = execution.thread_label(thread);
    execution.fail_and_stop(
        FailureKind::Model(CounterexampleKind::StepLimit),
        format!(
            "the execution took more than {} steps (last by `{label}`); \
             a thread may spin forever. Raise it with `Explorer::max_steps` if the model \
             really needs more.",
            execution.max_steps
        ),
    )
}

fn misuse(execution: &Execution, binding: Binding, what: &str, name: &str) -> ! {
    let origin = if binding.execution == 0 {
        "outside any exploration (in a `static`, or before the exploration started)".to_owned()
    } else if binding.backend == execution.backend {
        "in an earlier execution of this exploration".to_owned()
    } else {
        format!("under the {} engine", binding.backend.name())
    };
    execution.fail_and_stop(
        FailureKind::Misuse,
        format!(
            "{what} `{name}` was created {origin} but is used in an execution under the {} \
             engine. Every execution must start from a fresh world: create facade objects \
             inside the model's `run` (or the closure given to `explore`), not in a `static` \
             or a captured variable.",
            execution.backend.name()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_running_execution_is_the_installed_one_and_none_once_it_is_gone() {
        let id = |running: Option<(Running, usize)>| running.map(|(e, thread)| (e.id, thread));
        let first = Execution::recorded_for_tests(Backend::Std);
        let second = Execution::recorded_for_tests(Backend::Std);
        install(Arc::clone(&first), 2);
        assert_eq!(id(current_thread()), Some((first.id, 2)));
        // A borrowed execution turned into a counted one keeps it alive.
        let kept = current().expect("installed").to_arc();
        assert_eq!(Arc::strong_count(&first), 3);
        install(Arc::clone(&second), 1);
        assert_eq!(id(current_thread()), Some((second.id, 1)));
        drop(first);
        assert_eq!(
            Arc::strong_count(&kept),
            1,
            "the old one is no longer installed"
        );
        uninstall();
        assert!(current().is_none() && current_thread().is_none());
        // A thread's end drops what it had installed, and nothing dangles after it.
        let on_thread = Arc::clone(&second);
        std::thread::spawn(move || install(on_thread, 0))
            .join()
            .unwrap();
        assert_eq!(Arc::strong_count(&second), 1);
    }

    #[test]
    fn a_default_name_is_its_kind_and_number_whatever_was_named_before() {
        let binding = |object| Binding {
            backend: Backend::Std,
            execution: 1,
            object,
            light: false,
        };
        assert_eq!(&*binding(0).default_name("mutex"), "mutex");
        assert_eq!(&*binding(3).default_name("mutex"), "mutex3");
        // The same number for another kind (another model, or another path through one).
        assert_eq!(&*binding(3).default_name("shared"), "shared3");
        assert_eq!(&*binding(3).default_name("shared"), "shared3");
        assert_eq!(&*binding(3).default_name("mutex"), "mutex3");
        let far = DEFAULT_NAMES_KEPT + 5;
        assert_eq!(
            *binding(far).default_name("atomic"),
            *format!("atomic{far}")
        );
    }

    fn recorded_execution() -> Arc<Execution> {
        Execution::recorded_for_tests(Backend::Std)
    }

    #[test]
    fn the_next_execution_on_a_thread_reuses_the_last_ones_log_emptied() {
        let first = recorded_execution();
        let name: Arc<str> = "x".into();
        // More threads than a first allocation would make room for.
        for _ in 0..9 {
            let spawned = first.add_thread(0, None);
            for _ in 0..100 {
                first.record(spawned, Op::Get, &name, None);
            }
            first.set_status(spawned, Status::Finished);
        }
        let capacity = first.log().events.capacity();
        let threads_capacity = first.log().threads.capacity();
        assert!(capacity >= 900 && threads_capacity >= 10);
        drop(first);

        let next = recorded_execution();
        let log = next.log();
        assert_eq!(
            log.events.capacity(),
            capacity,
            "the events' buffer is reused"
        );
        assert_eq!(
            log.threads.capacity(),
            threads_capacity,
            "the threads' buffer is reused"
        );
        assert!(log.taken.capacity() >= 10);
        assert!(log.events.is_empty());
        assert_eq!(log.threads.len(), 1);
        assert_eq!(log.threads[0].status, Status::Running);
        assert_eq!((log.steps, log.taken(1), log.taken(9)), (0, 0, 0));
        assert!(log.happens_before.races().is_empty());
    }
}
