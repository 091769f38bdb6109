//! Engines: who decides the interleaving. One file per backend; only those files name it.
//!
//! Every engine drives the same [`Job`]: begin an execution, run the model as its main
//! thread, finish it. The engine decides how many executions there are and which thread runs
//! at each step; everything the report says comes from the job's own records.

mod dfs;
mod dpor;
#[cfg(target_os = "linux")]
pub(crate) mod fork;
pub(crate) mod loom;
mod reduction;
mod sampling;
pub(crate) use dfs::take_probes;
pub(crate) mod shuttle;
mod spec;
pub(crate) mod std;

use crate::context::{Backend, Chaos, Execution, Recording};
use ::std::any::Any;
use ::std::fmt;
use ::std::sync::Arc;
pub use reduction::Reduction;
pub use spec::EngineSpec;

/// The seed a sampling engine uses when none is given, so that runs repeat exactly.
pub const DEFAULT_SEED: u64 = 0x1e4e_1ea5;

/// An exploration strategy and its budget.
///
/// ```
/// use interleavings::Engine;
/// let exhaustive = Engine::loom();
/// let bounded = Engine::loom().preemption_bound(2);
/// let sampled = Engine::pct(10_000, 3).seed(7);
/// let real = Engine::std().runs(1_000).chaos(42);
/// assert!(exhaustive.is_exhaustive() && !sampled.is_exhaustive());
/// # let _ = (bounded, real);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "an Engine does nothing until it is given to `Explorer::engine` and run"]
pub struct Engine {
    pub(crate) kind: EngineKind,
    /// A builder method that does not apply to this engine, reported when the exploration runs.
    pub(crate) misconfigured: Option<String>,
    /// The reduction of an exhaustive engine.
    pub(crate) reduction: Reduction,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum EngineKind {
    Std {
        runs: u64,
        chaos: Option<u64>,
        /// Each operation is recorded (a trace, the data-race check); see
        /// [`Engine::unrecorded`].
        recorded: bool,
    },
    Loom {
        preemption_bound: Option<usize>,
        max_iterations: Option<u64>,
        /// Every event is kept (a trace) only when this is set: the run again of the
        /// executions that found a counterexample (see [`Recording::Races`]).
        traced: bool,
    },
    Dfs {
        max_iterations: Option<u64>,
        /// Part `index` of `count` of the search tree (set by `Explorer::shard`).
        shard: Option<(usize, usize)>,
    },
    Random {
        iterations: u64,
        seed: u64,
        /// See [`Engine::unrecorded`].
        recorded: bool,
        /// A recorded run keeps every event (a trace) only when this is set: the run
        /// again of the executions that found a counterexample (see
        /// [`Recording::Races`]).
        traced: bool,
    },
    Pct {
        iterations: u64,
        depth: usize,
        seed: u64,
        /// See [`Engine::unrecorded`].
        recorded: bool,
        /// See `Random`'s.
        traced: bool,
    },
    Replay {
        schedule: crate::schedule::Schedule,
    },
    /// Random probes of the DFS tree, to estimate its size.
    Probe {
        samples: u64,
        seed: u64,
    },
}

impl Engine {
    pub(crate) fn of(kind: EngineKind) -> Self {
        Engine {
            kind,
            misconfigured: None,
            reduction: Reduction::default(),
        }
    }

    /// Real OS threads, 1,000 runs, no chaos. Sampling: a clean run proves nothing.
    pub fn std() -> Self {
        Self::of(EngineKind::Std {
            runs: 1_000,
            chaos: None,
            recorded: true,
        })
    }

    /// loom: exhaustive exploration with partial-order reduction, at most 4 spawned threads.
    pub fn loom() -> Self {
        Self::of(EngineKind::Loom {
            preemption_bound: None,
            max_iterations: None,
            traced: false,
        })
    }

    /// Depth-first search over shuttle's scheduler: exhaustive, with the default
    /// [`Reduction`] (dynamic partial-order reduction with sleep sets).
    pub fn dfs() -> Self {
        Self::of(EngineKind::Dfs {
            max_iterations: None,
            shard: None,
        })
    }

    /// shuttle's random scheduler: `iterations` executions with uniformly random switches.
    /// `iterations` must be at least 1.
    pub fn random(iterations: u64) -> Self {
        let mut engine = Self::of(EngineKind::Random {
            iterations,
            seed: DEFAULT_SEED,
            recorded: true,
            traced: false,
        });
        engine.require_at_least_one(iterations, "iterations");
        engine
    }

    /// shuttle's PCT scheduler: `iterations` executions, bug depth `depth` (`depth - 1`
    /// priority change points per execution). Both must be at least 1.
    pub fn pct(iterations: u64, depth: usize) -> Self {
        let mut engine = Self::of(EngineKind::Pct {
            iterations,
            depth,
            seed: DEFAULT_SEED,
            recorded: true,
            traced: false,
        });
        engine.require_at_least_one(iterations, "iterations");
        engine.require_at_least_one(depth as u64, "depth");
        engine
    }

    /// Replays one schedule: one execution on a deterministic scheduler that, at each step,
    /// runs the thread the schedule names when that thread can run. Where it cannot (the
    /// schedule came from another model, or was edited), the running thread goes on, or the
    /// lowest-numbered one that can; after the schedule's end the running thread goes on
    /// until it blocks or ends. Compare the report's trace with the schedule to see whether
    /// it applied exactly.
    pub fn schedule(schedule: crate::schedule::Schedule) -> Self {
        Self::of(EngineKind::Replay { schedule })
    }

    /// Number of runs of the std engine, at least 1.
    pub fn runs(mut self, n: u64) -> Self {
        match &mut self.kind {
            EngineKind::Std { runs, .. } => *runs = n,
            _ => self.misconfigure("runs"),
        }
        self.require_at_least_one(n, "runs");
        self
    }

    /// Seeded chaos for the std engine: yields and short sleeps at facade operations, to
    /// widen race windows on real threads.
    pub fn chaos(mut self, seed: u64) -> Self {
        match &mut self.kind {
            EngineKind::Std { chaos, .. } => *chaos = Some(seed),
            _ => self.misconfigure("chaos"),
        }
        self
    }

    /// Runs a sampling engine (std, random, PCT) unrecorded: the model checked only by its
    /// own assertions and deadlock and step-limit detection. Nothing is recorded, so there
    /// is no data-race check (a race that leaves the outcome right goes unseen) and no
    /// trace. What it buys is a few percent of speed: recorded random and PCT keep
    /// happens-before on every execution but no events (a counterexample is shown from its
    /// executions run again traced, as below), and run within a few percent of raw shuttle
    /// already (see BENCHMARKS.md).
    ///
    /// Under random and PCT, recording adds no scheduling point, so the same seed makes the
    /// same executions recorded or not: when an unrecorded run finds a bug, the executions
    /// of its chunk (a run's executions go in chunks of 1,000) up to the bug run again,
    /// recorded, and the counterexample shown is theirs, with its trace and schedule. It
    /// may be a data race in an earlier execution, which the unrecorded run could not see.
    /// A model that behaves differently the second time keeps the unrecorded
    /// counterexample: what broke and the outcome, no trace.
    ///
    /// On std, whose runs cannot be repeated, a counterexample has no trace or schedule.
    /// An uncontended facade lock then costs about what std's does, and facade
    /// operations are counted against the step limit in batches of 1,024. Recording also
    /// orders the threads' operations through one log, which hides some races on real
    /// threads: unrecorded std runs show them as they happen.
    pub fn unrecorded(mut self) -> Self {
        match &mut self.kind {
            EngineKind::Std { recorded, .. }
            | EngineKind::Random { recorded, .. }
            | EngineKind::Pct { recorded, .. } => *recorded = false,
            _ => self.misconfigure("unrecorded"),
        }
        self
    }

    /// The traced engine that makes the first `executions` executions of this engine (a
    /// shuttle sampler unrecorded or recorded without a trace, or loom without a trace:
    /// recording adds no scheduling point); `None` for any other engine, which traces what
    /// it records (the std engine's runs are not reproducible anyway).
    pub(crate) fn recorded_twin(&self, executions: u64) -> Option<Engine> {
        let mut twin = self.clone();
        match &mut twin.kind {
            EngineKind::Random {
                recorded,
                traced,
                iterations,
                ..
            }
            | EngineKind::Pct {
                recorded,
                traced,
                iterations,
                ..
            } if !*traced => {
                *recorded = true;
                *traced = true;
                // The executions after the counterexample's would show nothing more (a race
                // kept after its grace ran out, say).
                *iterations = (*iterations).min(executions.max(1));
                Some(twin)
            }
            // loom's order of executions is its own, the same each time.
            EngineKind::Loom {
                traced,
                max_iterations,
                ..
            } if !*traced => {
                *traced = true;
                *max_iterations = Some(max_iterations.unwrap_or(u64::MAX).min(executions.max(1)));
                Some(twin)
            }
            _ => None,
        }
    }

    /// Explore only executions with at most `k` preemptions (loom). The verdict then says
    /// "proved within bound", never "proved".
    pub fn preemption_bound(mut self, k: usize) -> Self {
        match &mut self.kind {
            EngineKind::Loom {
                preemption_bound, ..
            } => *preemption_bound = Some(k),
            _ => self.misconfigure("preemption_bound"),
        }
        self
    }

    /// Sets an exhaustive engine's reduction (loom, DFS; see [`Reduction`]). The default,
    /// [`Reduction::SyncPoints`], is exact for race-free programs and falls back to no
    /// reduction when it finds a race.
    pub fn reduction(mut self, reduction: Reduction) -> Self {
        if self.is_exhaustive() {
            self.reduction = reduction;
        } else {
            self.misconfigure("reduction");
        }
        self
    }

    /// The reduction this engine applies: [`Reduction::Off`] for sampling engines.
    pub fn reduction_applied(&self) -> Reduction {
        // Probes estimate the DFS as it would run.
        if self.is_exhaustive() || matches!(self.kind, EngineKind::Probe { .. }) {
            self.reduction
        } else {
            Reduction::Off
        }
    }

    /// Stop an exhaustive engine (loom, DFS) after `n` executions; if the search had more to
    /// explore the verdict is `Incomplete`. `n` must be at least 1.
    pub fn max_iterations(mut self, n: u64) -> Self {
        match &mut self.kind {
            EngineKind::Loom { max_iterations, .. } | EngineKind::Dfs { max_iterations, .. } => {
                *max_iterations = Some(n)
            }
            _ => self.misconfigure("max_iterations"),
        }
        self.require_at_least_one(n, "max_iterations");
        self
    }

    /// The seed of a sampling engine (random, PCT).
    pub fn seed(mut self, s: u64) -> Self {
        match &mut self.kind {
            EngineKind::Random { seed, .. } | EngineKind::Pct { seed, .. } => *seed = s,
            _ => self.misconfigure("seed"),
        }
        self
    }

    pub(crate) fn misconfigure(&mut self, method: &str) {
        self.misconfigured.get_or_insert_with(|| {
            format!(
                "`Engine::{method}` does not apply to the {} engine",
                self.kind.short_name()
            )
        });
    }

    /// A budget of nothing would end the search before it began: a sampler would pass
    /// with no execution run, and shuttle's PCT asserts a depth of at least 1.
    fn require_at_least_one(&mut self, value: u64, what: &str) {
        if value == 0 {
            self.misconfigured.get_or_insert_with(|| {
                format!(
                    "the {} engine's `{what}` is 0: it must be at least 1",
                    self.kind.short_name()
                )
            });
        }
    }

    /// True for engines that can prove a property: loom and DFS.
    pub fn is_exhaustive(&self) -> bool {
        matches!(self.kind, EngineKind::Loom { .. } | EngineKind::Dfs { .. })
    }

    /// True for engines that never run a yielding thread on at once while another thread
    /// can step (loom, DFS, PCT): their executions leave out those in which it goes
    /// straight on (see [`crate::thread::yield_now`]).
    pub(crate) fn defers_yields(&self) -> bool {
        matches!(
            self.kind,
            EngineKind::Loom { .. } | EngineKind::Dfs { .. } | EngineKind::Pct { .. }
        )
    }

    /// The engine's short name: `std`, `loom`, `dfs`, `random`, `pct` or `replay`.
    pub fn name(&self) -> &'static str {
        self.kind.short_name()
    }

    /// Runs the job until the engine has no more executions or a panic stops it.
    pub(crate) fn drive(&self, job: Arc<dyn Job>) -> Result<(), Box<dyn Any + Send>> {
        match &self.kind {
            EngineKind::Std { runs, chaos, .. } => {
                std::drive(job, *runs, *chaos, self.kind.recording())
            }
            EngineKind::Loom {
                preemption_bound, ..
            } => loom::drive(job, *preemption_bound, self.kind.recording()),
            EngineKind::Dfs { .. }
            | EngineKind::Random { .. }
            | EngineKind::Pct { .. }
            | EngineKind::Replay { .. }
            | EngineKind::Probe { .. } => shuttle::drive(job, &self.kind),
        }
    }

    pub(crate) fn max_iterations_limit(&self) -> Option<u64> {
        match self.kind {
            EngineKind::Loom { max_iterations, .. } | EngineKind::Dfs { max_iterations, .. } => {
                max_iterations
            }
            _ => None,
        }
    }
}

impl EngineKind {
    /// What the engine's executions record.
    pub(crate) fn recording(&self) -> Recording {
        match *self {
            EngineKind::Random {
                recorded: false, ..
            }
            | EngineKind::Pct {
                recorded: false, ..
            }
            | EngineKind::Std {
                recorded: false, ..
            } => Recording::Off,
            EngineKind::Random { traced: false, .. }
            | EngineKind::Pct { traced: false, .. }
            | EngineKind::Loom { traced: false, .. } => Recording::Races,
            _ => Recording::Full,
        }
    }

    /// False for an engine run [`unrecorded`](Engine::unrecorded).
    pub(crate) fn is_recorded(&self) -> bool {
        self.recording() != Recording::Off
    }

    fn short_name(&self) -> &'static str {
        match self {
            EngineKind::Std { .. } => "std",
            EngineKind::Loom { .. } => "loom",
            EngineKind::Dfs { .. } => "dfs",
            EngineKind::Random { .. } => "random",
            EngineKind::Pct { .. } => "pct",
            EngineKind::Replay { .. } => "replay",
            EngineKind::Probe { .. } => "probe",
        }
    }
}

impl Engine {
    /// The reduction, when it is not the default (the default is not worth a word).
    fn write_reduction(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reduction {
            Reduction::SyncPoints => Ok(()),
            Reduction::Off => write!(f, ", no reduction"),
            Reduction::SyncPointsOnly => write!(f, ", reduced to sync points without fallback"),
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            EngineKind::Std {
                runs,
                chaos,
                recorded,
            } => {
                write!(f, "std (real threads, {runs} runs")?;
                match chaos {
                    Some(seed) => write!(f, ", chaos seed {seed}")?,
                    None => write!(f, ", no chaos")?,
                }
                if !recorded {
                    write!(f, "{UNRECORDED}")?;
                }
                write!(f, ")")
            }
            EngineKind::Loom {
                preemption_bound,
                max_iterations,
                ..
            } => {
                write!(f, "loom (exhaustive")?;
                match preemption_bound {
                    Some(k) => write!(f, ", preemption bound {k}")?,
                    None => write!(f, ", no preemption bound")?,
                }
                if let Some(n) = max_iterations {
                    write!(f, ", at most {n} executions")?;
                }
                self.write_reduction(f)?;
                write!(f, ")")
            }
            EngineKind::Dfs { max_iterations, .. } => {
                write!(f, "shuttle dfs (exhaustive")?;
                if let Some(n) = max_iterations {
                    write!(f, ", at most {n} executions")?;
                }
                self.write_reduction(f)?;
                write!(f, ")")
            }
            EngineKind::Random {
                iterations,
                seed,
                recorded,
                ..
            } => {
                write!(f, "shuttle random ({iterations} iterations, seed {seed}")?;
                write_unrecorded(f, *recorded)?;
                write!(f, ")")
            }
            EngineKind::Pct {
                iterations,
                depth,
                seed,
                recorded,
                ..
            } => {
                write!(
                    f,
                    "shuttle pct ({iterations} iterations, depth {depth}, seed {seed}"
                )?;
                write_unrecorded(f, *recorded)?;
                write!(f, ")")
            }
            EngineKind::Replay { schedule } => {
                write!(f, "replay of a {}-step schedule", schedule.len())
            }
            EngineKind::Probe { samples, .. } => {
                write!(f, "{samples} random probes of the DFS tree")
            }
        }
    }
}

/// What an engine description adds for an unrecorded run: what the user gives up.
const UNRECORDED: &str = ", unrecorded: no data-race check";

/// The same for a shuttle sampler, whose bugs are shown from a recorded run of the same
/// executions (see [`Engine::unrecorded`]): a data race may be found then.
fn write_unrecorded(f: &mut fmt::Formatter<'_>, recorded: bool) -> fmt::Result {
    if recorded {
        Ok(())
    } else {
        write!(
            f,
            "{UNRECORDED} until a bug is found, which is shown recorded"
        )
    }
}

/// What an engine drives: `more`, then one call to `begin`, `run_main` and `finish` per
/// execution.
pub(crate) trait Job: Send + Sync + 'static {
    /// False when the exploration must stop before another execution: a violation was
    /// found, or a budget ran out (the job records which).
    fn more(&self) -> bool;
    /// Starts an execution under `backend` (with `chaos` and unrecorded if asked: std).
    fn begin(&self, backend: Backend, chaos: Option<Chaos>, recording: Recording)
    -> Arc<Execution>;
    /// Runs the model on the calling thread as the execution's main model thread.
    fn run_main(&self, execution: &Arc<Execution>);
    /// Ends an execution; `false` when the exploration should stop.
    fn finish(&self, execution: &Arc<Execution>) -> bool;
    /// Settles the last execution if the engine ended it without `finish` (shuttle stops a
    /// failed execution when its scheduler chooses no task).
    fn settle_pending(&self);
    /// Marks the next execution as another shard's: it runs (as far as it must) but is not
    /// counted or recorded.
    fn set_foreign(&self, foreign: bool);
    /// Facade operations one execution may take.
    fn max_steps(&self) -> usize;
    /// The execution begun last, if any.
    fn last_execution(&self) -> Option<Arc<Execution>>;
    /// How much of its search tree an exhaustive engine has covered so far (an
    /// estimate, from 0 to 1).
    fn note_explored_fraction(&self, fraction: f64);
}

/// The body a coroutine engine (loom, shuttle) runs once per execution. With
/// `stop_by_panic`, the body ends the exploration by unwinding (loom has no other way);
/// otherwise the engine asks [`Job::more`] before each execution.
pub(crate) fn coroutine_body(
    job: Arc<dyn Job>,
    backend: Backend,
    stop_by_panic: bool,
    recording: Recording,
) -> impl Fn() + Send + Sync {
    move || {
        if stop_by_panic && !job.more() {
            ::std::panic::panic_any(crate::context::Stop);
        }
        let execution = job.begin(backend, None, recording);
        crate::context::install(Arc::clone(&execution), 0);
        job.run_main(&execution);
        if !job.finish(&execution) && stop_by_panic {
            ::std::panic::panic_any(crate::context::Stop);
        }
    }
}
