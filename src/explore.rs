//! `Model`, `Explorer` and `explore`: a model plus an engine plus a budget gives a `Report`.

use crate::context::{self, Backend, Chaos, Execution, FailureKind, Recording, Stop};
use crate::engine::{Engine, EngineKind, Job, Reduction};
use crate::error::Error;
use crate::progress::Progress;
use crate::report::{Counterexample, CounterexampleKind, Report, Verdict};
use crate::trace::Op;
use crate::turn_cell::{TurnCell, TurnGuard};
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Facade operations one execution may take before it is a step-limit counterexample.
pub const DEFAULT_MAX_STEPS: usize = 20_000;

/// A concurrent program with a property, written against the facade.
///
/// `run` is one execution in a fresh world: it creates every facade object it uses, spawns
/// its threads, joins them and returns what happened. `check` says whether that outcome is
/// acceptable.
pub trait Model: Send + Sync + 'static {
    /// What one execution produced, e.g. the final counter value.
    type Outcome: Clone + Ord + Debug + Send + 'static;
    /// The model's name with its parameters, e.g. `tickets(sellers=3, tickets=3, guard=none)`.
    fn name(&self) -> String;
    /// One execution.
    fn run(&self) -> Self::Outcome;
    /// The property: `Err` with a message when the outcome is wrong.
    fn check(&self, outcome: &Self::Outcome) -> Result<(), String>;

    /// The catalogue id and parameter values that rebuild this model
    /// ([`models::find`](crate::models::find)), if it has them. Regression and proof files
    /// name their model this way; a model without one cannot be saved to a file.
    fn catalogue_id(&self) -> Option<ModelId> {
        None
    }
}

/// A catalogue model by id and parameter values, as files and the command line name it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModelId {
    /// The catalogue id, e.g. `tickets`.
    pub id: String,
    /// Parameter values by name, e.g. `sellers = 3`.
    pub params: BTreeMap<String, String>,
}

impl ModelId {
    /// A model id from its catalogue id and `(name, value)` pairs.
    pub fn new<'a>(id: &str, params: impl IntoIterator<Item = (&'a str, String)>) -> Self {
        ModelId {
            id: id.to_owned(),
            params: params
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
        }
    }

    /// The start of a file name for this model explored by `engine`: the id, the parameter
    /// values and the engine, joined by `-` (e.g. `tickets-none-3-3-pct`).
    pub fn file_stem(&self, engine: &str) -> String {
        let mut stem = self.id.clone();
        for value in self.params.values().map(String::as_str).chain([engine]) {
            stem.push('-');
            stem.push_str(value);
        }
        stem
    }
}

/// A model given as a closure: a panic (a failed `assert!`) is the violation.
pub struct ClosureModel<F> {
    body: F,
}

impl<F> Debug for ClosureModel<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClosureModel")
    }
}

impl<F: Fn() + Send + Sync + 'static> Model for ClosureModel<F> {
    type Outcome = ();
    fn name(&self) -> String {
        "closure".into()
    }
    fn run(&self) {
        (self.body)()
    }
    fn check(&self, _: &()) -> Result<(), String> {
        Ok(())
    }
}

/// Explores a closure, loom-style. A failed `assert!` in it is reported as an invariant
/// violation; any other panic as a panic.
///
/// ```
/// use interleavings::{explore, Engine, sync::{Arc, Mutex}, thread};
/// let report = explore(|| {
///     let n = Arc::new(Mutex::new(0));
///     let m = Arc::clone(&n);
///     let t = thread::spawn(move || *m.lock().unwrap() += 1);
///     *n.lock().unwrap() += 1;
///     t.join().unwrap();
///     assert_eq!(*n.lock().unwrap(), 2);
/// })
/// .engine(Engine::loom())
/// .run();
/// assert!(report.is_proved());
/// ```
pub fn explore<F: Fn() + Send + Sync + 'static>(body: F) -> Explorer<ClosureModel<F>> {
    let mut explorer = Explorer::new(ClosureModel { body });
    explorer.assertions_are_invariants = true;
    explorer
}

/// Runs a model under an engine within a budget.
#[must_use = "an Explorer does nothing until `run` or `try_run` is called"]
#[derive(Debug)]
pub struct Explorer<M> {
    model: Arc<M>,
    engine: Engine,
    time_limit: Option<Duration>,
    keep_going: bool,
    max_steps: usize,
    assertions_are_invariants: bool,
    save_regressions: Option<PathBuf>,
    minimize: bool,
    progress: Option<Arc<Progress>>,
    jobs: usize,
    shard: Option<(usize, usize)>,
    echo_output: bool,
}

/// Set to anything but `0` to make every exploration save its counterexample as a
/// regression file in [`regression::DIRECTORY`](crate::regression::DIRECTORY).
pub const SAVE_VARIABLE: &str = "INTERLEAVINGS_SAVE";

impl<M: Model> Explorer<M> {
    /// An explorer for `model`, on loom by default.
    pub fn new(model: M) -> Self {
        Explorer {
            model: Arc::new(model),
            engine: Engine::loom(),
            time_limit: None,
            keep_going: false,
            max_steps: DEFAULT_MAX_STEPS,
            assertions_are_invariants: false,
            save_regressions: None,
            minimize: true,
            progress: None,
            jobs: 1,
            shard: None,
            echo_output: false,
        }
    }

    /// Under the std engine, also print the lines of [`io::println!`](crate::io::println)
    /// as they happen (as `interleavings run` does). The model checkers never print.
    pub fn echo_output(mut self, echo: bool) -> Self {
        self.echo_output = echo;
        self
    }

    /// Reports executions to `progress`, and stops when it asks (the verdict is then
    /// `Incomplete`, whatever the engine).
    pub fn progress(mut self, progress: Arc<Progress>) -> Self {
        self.progress = Some(progress);
        self
    }

    /// OS threads for the sampling engines (random, PCT, std); default 1. Random and PCT
    /// runs are split into chunks of a fixed size, each with its own seed derived from the
    /// engine's, and the report is assembled in chunk order: the verdict, the counts and
    /// the counterexample are the same for any number of jobs. (The std engine runs real
    /// threads: its runs are never reproducible.)
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs.max(1);
        self
    }

    /// Runs part `index` (from 1) of `count` disjoint parts of the search, so that several
    /// machines can share it; [`json::merge`](crate::json::merge) combines their reports.
    /// Random, PCT and std split their chunks of executions; DFS splits its search tree.
    pub fn shard(mut self, index: usize, count: usize) -> Self {
        self.shard = Some((index, count));
        self
    }

    /// Whether to make the counterexample small (default: yes): see
    /// [`Counterexample::minimality`]. Without it the counterexample is the first failing
    /// execution the engine found, as it ran.
    pub fn minimize(mut self, minimize: bool) -> Self {
        self.minimize = minimize;
        self
    }

    /// Save the counterexample, if one is found, as a regression file in `dir` (unless a
    /// file there already holds the same schedule). The model must have a
    /// [`Model::catalogue_id`]. Setting `INTERLEAVINGS_SAVE=1` does the same for every
    /// exploration of such a model, in `models/regressions`.
    pub fn save_regressions(mut self, dir: impl Into<PathBuf>) -> Self {
        self.save_regressions = Some(dir.into());
        self
    }

    /// The engine to explore with.
    pub fn engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }

    /// Stop starting new executions after `limit`. An exhaustive search cut short is
    /// `Incomplete`; a sampling run reports the executions it managed.
    pub fn time_limit(mut self, limit: Duration) -> Self {
        self.time_limit = Some(limit);
        self
    }

    /// Explore past invariant violations, so that the outcome table is complete. The first
    /// counterexample is kept. (A panic or deadlock still ends the exploration.)
    pub fn keep_going(mut self) -> Self {
        self.keep_going = true;
        self
    }

    /// Facade operations one execution may take before it is a step-limit counterexample
    /// (default [`DEFAULT_MAX_STEPS`]); at least 1.
    pub fn max_steps(mut self, steps: usize) -> Self {
        self.max_steps = steps;
        self
    }

    /// Runs the exploration; panics with the error's message if it cannot run (misuse of
    /// the facade, an engine that cannot explore the model, a nested exploration).
    pub fn run(self) -> Report<M::Outcome> {
        self.try_run().unwrap_or_else(|error| panic!("{error}"))
    }

    /// Runs the exploration.
    pub fn try_run(self) -> Result<Report<M::Outcome>, Error> {
        if let Some(problem) = &self.engine.misconfigured {
            return Err(Error::InvalidEngine(problem.clone()));
        }
        self.check_settings()?;
        crate::panic_hook::install();
        let started = Instant::now();
        let mut report = crate::parallel::run(&self)?;
        // An unrecorded counterexample has no schedule to shrink.
        if let Verdict::Violated(cx) = &mut report.verdict
            && self.minimize
            && cx.is_recorded()
        {
            let shrunk = crate::minimize::minimize(&self, cx.as_ref().clone());
            **cx = shrunk;
        }
        report.elapsed = started.elapsed();
        self.save(&mut report)?;
        Ok(report)
    }

    /// What is wrong with the explorer's own settings, before anything runs.
    fn check_settings(&self) -> Result<(), Error> {
        if context::exploring() || context::current().is_some() {
            return Err(Error::Nested);
        }
        if self.save_regressions.is_some() && !self.engine.kind.is_recorded() {
            return Err(Error::InvalidParameter(format!(
                "cannot save regressions from an unrecorded {} run: it records no schedule \
                 to replay (run it recorded)",
                self.engine.name()
            )));
        }
        if self.max_steps == 0 {
            // Every execution would end at its first operation as a step-limit counterexample.
            return Err(Error::InvalidParameter(
                "`max_steps` is 0: an execution must be allowed at least 1 step".to_owned(),
            ));
        }
        Ok(())
    }

    fn save(&self, report: &mut Report<M::Outcome>) -> Result<(), Error> {
        let from_environment =
            std::env::var_os(SAVE_VARIABLE).is_some_and(|v| !v.is_empty() && v != "0");
        let dir = match &self.save_regressions {
            Some(dir) => dir.clone(),
            None if from_environment => PathBuf::from(crate::regression::DIRECTORY),
            None => return Ok(()),
        };
        // A replay saves too (a shrunk proptest case, say); one whose schedule is already on
        // file is found there and not written twice.
        let Verdict::Violated(cx) = &report.verdict else {
            return Ok(());
        };
        if !cx.is_recorded() {
            // Nothing to replay (an explicit directory is refused before the run).
            return Ok(());
        }
        let Some(id) = self.model.catalogue_id() else {
            if self.save_regressions.is_some() {
                return Err(Error::InvalidParameter(format!(
                    "cannot save a regression for `{}`: the model has no catalogue id \
                     (implement `Model::catalogue_id`)",
                    self.model.name()
                )));
            }
            return Ok(());
        };
        let (path, _) = crate::regression::save(&dir, id, &self.engine, cx)?;
        report.saved = Some(path);
        Ok(())
    }

    /// One search with `engine`: stops at the first counterexample (or, after a race that
    /// left the property intact, `race_grace` executions later if nothing broke meanwhile).
    pub(crate) fn search(
        &self,
        engine: &Engine,
        race_grace: u64,
        time_limit: Option<Duration>,
        keep_going: bool,
    ) -> Result<Report<M::Outcome>, Error> {
        self.search_probing(engine, race_grace, time_limit, keep_going, false)
    }

    /// [`Explorer::search`], with or without loom's probes (see
    /// [`Execution::loom_probes`]). Without them, a loom search stops at the first
    /// execution that needed one (a `try_lock`, a print, a sleep) and, unless it found a
    /// counterexample (a real execution, whatever loom left unexplored), runs again with
    /// them.
    fn search_probing(
        &self,
        engine: &Engine,
        race_grace: u64,
        time_limit: Option<Duration>,
        keep_going: bool,
        loom_probes: bool,
    ) -> Result<Report<M::Outcome>, Error> {
        if let Some(problem) = &engine.misconfigured {
            return Err(Error::InvalidEngine(problem.clone()));
        }
        let started = Instant::now();
        let run = Arc::new(Run {
            model: Arc::clone(&self.model),
            max_steps: self.max_steps,
            max_iterations: engine.max_iterations_limit(),
            time_limit,
            stated_time_limit: self.time_limit,
            keep_going,
            race_grace,
            progress: self.progress.clone(),
            echo_output: self.echo_output,
            assertions_are_invariants: self.assertions_are_invariants,
            every_access_is_a_point: engine.reduction_applied().every_access_is_a_point(),
            loom_probes,
            started,
            // Under loom and shuttle the search runs on this OS thread alone: no lock.
            state: TurnCell::new(
                State::default(),
                !matches!(engine.kind, EngineKind::Std { .. }),
            ),
        });
        let driven = {
            let _exploring = context::ExploringGuard::new();
            let driven = engine.drive(Arc::clone(&run) as Arc<dyn Job>);
            context::uninstall();
            driven
        };
        let elapsed = started.elapsed();
        let mut state = run.state();
        if let Err(payload) = driven {
            run.settle_engine_failure(&mut state, payload.as_ref());
        }
        if let Some(error) = state.error.take() {
            return Err(error);
        }
        let executions = state.executions;
        let verdict = if let Some(cx) = state.counterexample.take() {
            Verdict::Violated(Box::new(cx))
        } else if let Some(reason) = state.budget.take() {
            // A sampler that ran nothing has found nothing, not passed: no execution is no
            // evidence.
            if engine.is_exhaustive() || state.interrupted || executions == 0 {
                Verdict::Incomplete { executions, reason }
            } else {
                Verdict::Passed { executions }
            }
        } else {
            match engine.kind {
                EngineKind::Loom {
                    preemption_bound: Some(preemptions),
                    ..
                } => Verdict::ProvedWithinBound {
                    preemptions,
                    executions,
                },
                EngineKind::Loom { .. } | EngineKind::Dfs { .. } => Verdict::Proved { executions },
                _ => Verdict::Passed { executions },
            }
        };
        let violated = matches!(verdict, Verdict::Violated(_));
        if run.needs_probes(&state) && !violated {
            drop(state);
            let remaining = time_limit.map(|limit| limit.saturating_sub(elapsed));
            let mut report =
                self.search_probing(engine, race_grace, remaining, keep_going, true)?;
            report.elapsed += elapsed;
            return Ok(report);
        }
        let raced = matches!(&verdict, Verdict::Violated(cx) if cx.raced);
        if raced && engine.reduction_applied() == Reduction::SyncPoints {
            // The reduced search cannot show what a race does: search again without it.
            drop(state);
            if matches!(engine.kind, EngineKind::Probe { .. }) {
                // The estimate is of the search that will run: the unreduced one.
                crate::engine::take_probes();
            }
            let remaining = time_limit.map(|limit| limit.saturating_sub(elapsed));
            let mut unreduced = engine.clone();
            unreduced.reduction = Reduction::Off;
            let mut report =
                self.search_probing(&unreduced, race_grace, remaining, keep_going, loom_probes)?;
            report.engine = engine.to_string();
            report.elapsed += elapsed;
            return Ok(report);
        }
        // loom keeps no events (its executions are race-checked but untraced, as sampling
        // runs are): a counterexample is shown from its executions run again traced.
        let verdict = match verdict {
            Verdict::Violated(cx)
                if !cx.is_recorded() && !cx.not_repeated && engine.is_exhaustive() =>
            {
                Verdict::Violated(self.traced_again(
                    engine,
                    race_grace,
                    keep_going,
                    loom_probes,
                    cx,
                )?)
            }
            verdict => verdict,
        };
        let replayed = match engine.kind {
            EngineKind::Replay { .. } => state.last.as_ref().map(|e| e.log().trace()),
            _ => None,
        };
        Ok(Report {
            model: self.model.name(),
            engine: engine.to_string(),
            verdict,
            outcomes: std::mem::take(&mut state.outcomes),
            violating: std::mem::take(&mut state.violating),
            executions,
            elapsed,
            replayed,
            saved: None,
            shard: None,
            explored: state.explored,
            deferred_yields: state.yielded && engine.defers_yields(),
        })
    }

    pub(crate) fn model_name(&self) -> String {
        self.model.name()
    }

    pub(crate) fn engine_ref(&self) -> &Engine {
        &self.engine
    }

    pub(crate) fn settings(&self) -> (usize, Option<(usize, usize)>, Option<Duration>) {
        (self.jobs, self.shard, self.time_limit)
    }

    pub(crate) fn keeps_going(&self) -> bool {
        self.keep_going
    }

    /// Estimates how many executions an exhaustive DFS of the model takes without its
    /// partial-order reduction, from `samples` random probes of its tree (Knuth's estimator:
    /// the mean, over random paths, of the product of the number of choices along the
    /// path). The DFS's and loom's partial-order reductions explore at most that many,
    /// usually far fewer. Cheap next to the search itself: use it to decide
    /// whether to wait for a proof or to sample with PCT.
    pub fn estimate(&self, samples: u64) -> Result<Estimate, Error> {
        self.check_settings()?;
        if samples == 0 {
            return Err(Error::InvalidParameter(
                "an estimate from 0 samples: take at least 1".to_owned(),
            ));
        }
        crate::panic_hook::install();
        let engine = Engine::of(EngineKind::Probe {
            samples,
            seed: crate::engine::DEFAULT_SEED,
        });
        let started = Instant::now();
        self.search(&engine, u64::MAX, None, true)?;
        let probes = crate::engine::take_probes();
        let executions = if probes.is_empty() {
            1.0
        } else {
            probes.iter().sum::<f64>() / probes.len() as f64
        };
        Ok(Estimate {
            executions,
            probes: probes.len().max(1) as u64,
            elapsed: started.elapsed(),
        })
    }

    /// `cx`, found by a run of `engine` that kept no trace, shown from the same executions
    /// run again traced: recording adds no scheduling point, and a sampler's seed, or
    /// loom's own order, makes the same executions each time. A model that behaves
    /// differently the second time keeps the untraced counterexample, marked so; an engine
    /// whose runs cannot be repeated (std) keeps it as it is.
    fn traced_again(
        &self,
        engine: &Engine,
        race_grace: u64,
        keep_going: bool,
        loom_probes: bool,
        cx: Box<Counterexample>,
    ) -> Result<Box<Counterexample>, Error> {
        let Some(traced) = engine.recorded_twin(cx.execution()) else {
            return Ok(cx);
        };
        let again = self.search_probing(&traced, race_grace, None, keep_going, loom_probes)?;
        Ok(match again.verdict {
            Verdict::Violated(shown) if shown.is_recorded() => shown,
            _ => Box::new(Counterexample {
                not_repeated: true,
                ..*cx
            }),
        })
    }

    /// The search with the explorer's own engine and budget.
    pub(crate) fn main_search(
        &self,
        engine: &Engine,
        time_limit: Option<Duration>,
    ) -> Result<Report<M::Outcome>, Error> {
        let mut report = self.search(engine, RACE_GRACE, time_limit, self.keep_going)?;
        // A sampler's counterexample without a trace (loom's are traced in `search`); after
        // an unrecorded run, the traced run may show an earlier data race, which the
        // unrecorded one could not see.
        report.verdict = match report.verdict {
            Verdict::Violated(cx) if !cx.is_recorded() && !cx.not_repeated => Verdict::Violated(
                self.traced_again(engine, RACE_GRACE, self.keep_going, false, cx)?,
            ),
            verdict => verdict,
        };
        Ok(report)
    }
}

/// How big an exhaustive search of a model is, estimated by random probes
/// ([`Explorer::estimate`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Estimated executions of an exhaustive DFS.
    pub executions: f64,
    /// Probes the estimate is the mean of.
    pub probes: u64,
    /// Time the probes took.
    pub elapsed: Duration,
}

impl Estimate {
    /// Estimated time of the DFS at the probes' pace (an execution of a probe costs about
    /// what a DFS execution does).
    pub fn dfs_time(&self) -> Duration {
        let per = self.elapsed.as_secs_f64() / self.probes as f64;
        Duration::from_secs_f64((per * self.executions).min(1e12))
    }
}

impl std::fmt::Display for Estimate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "an exhaustive DFS without partial-order reduction takes about {} executions \
             ({} at this pace; estimated from {} random probes); the partial-order \
             reductions of DFS and loom need at most that many",
            crate::report::rough_count(self.executions),
            crate::report::rough_duration(self.dfs_time().as_secs_f64()),
            self.probes
        )
    }
}

/// Executions a search goes on for after a data race that left the property intact, looking
/// for an execution where the race visibly breaks it (a better counterexample to show).
const RACE_GRACE: u64 = 1_000;

/// One exploration in progress: the model, its budget and what has been seen so far.
struct Run<M: Model> {
    model: Arc<M>,
    max_steps: usize,
    max_iterations: Option<u64>,
    /// What is left of the time limit for this search (a chunk, a search again).
    time_limit: Option<Duration>,
    /// The time limit as the user gave it, for the report.
    stated_time_limit: Option<Duration>,
    keep_going: bool,
    race_grace: u64,
    progress: Option<Arc<Progress>>,
    assertions_are_invariants: bool,
    echo_output: bool,
    /// No reduction: `Shared` accesses are scheduling points.
    every_access_is_a_point: bool,
    /// Under loom, the engine objects that make scheduling points loom would not make by
    /// itself (see [`Execution::loom_probes`]).
    loom_probes: bool,
    started: Instant,
    /// Taken a few times in every execution: a lock only on real threads.
    state: TurnCell<State<M::Outcome>>,
}

struct State<O> {
    executions: u64,
    outcomes: BTreeMap<O, u64>,
    violating: BTreeMap<O, String>,
    counterexample: Option<Counterexample>,
    /// The execution count when the counterexample was found.
    found_at: u64,
    /// What the last execution's main thread returned, and the property's verdict on it.
    pending: Option<Pending<O>>,
    /// The last execution has been settled (an engine can end one without `finish`).
    settled: bool,
    /// A failure other than a broken property (panic, deadlock, ...) ended the exploration.
    stopped: bool,
    /// The exploration was asked to stop through its [`Progress`].
    interrupted: bool,
    /// The current execution belongs to another shard: not counted, not recorded.
    foreign: bool,
    /// Some execution under loom needed a probe that it did not have.
    unprobed: bool,
    /// A model thread yielded in some execution (see [`Report::deferred_yields`]).
    yielded: bool,
    /// Which budget ended the exploration, if one did.
    budget: Option<String>,
    /// The DFS's estimate of how much of its search tree it has covered.
    explored: Option<f64>,
    error: Option<Error>,
    last: Option<Arc<Execution>>,
}

/// Rendered only if the execution becomes the counterexample: most never do.
struct Pending<O> {
    outcome: O,
    broken: Option<String>,
}

impl<O> Default for State<O> {
    fn default() -> Self {
        State {
            executions: 0,
            outcomes: BTreeMap::new(),
            violating: BTreeMap::new(),
            counterexample: None,
            found_at: 0,
            pending: None,
            settled: true,
            stopped: false,
            interrupted: false,
            foreign: false,
            unprobed: false,
            yielded: false,
            budget: None,
            explored: None,
            error: None,
            last: None,
        }
    }
}

impl<M: Model> Run<M> {
    /// This search ran without loom's probes and an execution needed one: it is run again
    /// with them (see [`Explorer::search_probing`]).
    fn needs_probes(&self, state: &State<M::Outcome>) -> bool {
        state.unprobed && !self.loom_probes
    }

    /// What follows the model's main thread: its end recorded, its outcome checked and
    /// tallied. Out of line, so that its locals are not on the stack while the model runs
    /// (see [`run_model`]).
    #[inline(never)]
    fn settle_main(&self, execution: &Arc<Execution>, ran: std::thread::Result<M::Outcome>) {
        let outcome = match ran {
            Ok(outcome) => outcome,
            Err(payload) => {
                execution.record_panic(0, payload.as_ref());
                execution.set_status(0, context::Status::Finished);
                if execution.has_failed() && execution.backend == Backend::Shuttle {
                    execution.stop();
                }
                panic::resume_unwind(payload)
            }
        };
        execution.record(0, Op::Finish, context::no_object(), None);
        execution.set_status(0, context::Status::Finished);
        if self.state().foreign {
            return;
        }
        let checked = panic::catch_unwind(AssertUnwindSafe(|| self.model.check(&outcome)));
        let broken = match checked {
            Ok(Ok(())) => None,
            Ok(Err(message)) => Some(message),
            Err(payload) => {
                execution.fail(
                    FailureKind::Model(CounterexampleKind::Panic),
                    format!(
                        "the model's `check` panicked: {}",
                        crate::panic_hook::message_of(payload.as_ref())
                    ),
                );
                None
            }
        };
        let mut state = self.state();
        // Most executions repeat an outcome already in the table: no copy for those.
        match state.outcomes.get_mut(&outcome) {
            Some(count) => *count += 1,
            None => {
                state.outcomes.insert(outcome.clone(), 1);
            }
        }
        if let Some(message) = &broken {
            if !state.violating.contains_key(&outcome) {
                state.violating.insert(outcome.clone(), message.clone());
            }
        }
        state.pending = Some(Pending { outcome, broken });
    }

    fn state(&self) -> TurnGuard<'_, State<M::Outcome>> {
        self.state.lock()
    }

    /// True when the search has what it looks for, or must stop.
    fn satisfied(&self, state: &State<M::Outcome>) -> bool {
        if state.error.is_some() || state.budget.is_some() || state.stopped {
            return true;
        }
        // The search runs again with probes: going on without them would be wasted.
        if self.needs_probes(state) && state.counterexample.is_none() {
            return true;
        }
        match &state.counterexample {
            None => false,
            Some(_) if self.keep_going => false,
            Some(cx) if cx.failure().is_some() => true,
            Some(_) => state.executions.saturating_sub(state.found_at) >= self.race_grace,
        }
    }

    /// Turns what the last execution recorded into a counterexample or an error.
    fn settle(&self, state: &mut State<M::Outcome>, execution: &Execution) {
        state.settled = true;
        let pending = state.pending.take();
        let log = execution.log();
        let failure = log.failure.clone();
        state.stopped |= failure.is_some();
        let raced = !log.happens_before.races().is_empty();
        drop(log);
        let (kind, broken) = match failure {
            Some(failure) => match failure.kind {
                FailureKind::Misuse => {
                    state.error.get_or_insert(Error::Misuse(failure.message));
                    return;
                }
                FailureKind::EngineLimit => {
                    state
                        .error
                        .get_or_insert(Error::EngineLimit(failure.message));
                    return;
                }
                FailureKind::Model(kind) => {
                    let kind = if kind == CounterexampleKind::Panic
                        && self.assertions_are_invariants
                        && failure.assertion
                    {
                        CounterexampleKind::Invariant
                    } else {
                        kind
                    };
                    (kind, Some(failure.message))
                }
            },
            None => match pending.as_ref().and_then(|p| p.broken.clone()) {
                Some(message) => (CounterexampleKind::Invariant, Some(message)),
                None if raced => (CounterexampleKind::DataRace, None),
                None => return,
            },
        };
        // A broken property with a race behind it is shown as the race: the bug's class.
        let kind = if kind == CounterexampleKind::Invariant && raced {
            CounterexampleKind::DataRace
        } else {
            kind
        };
        // The first counterexample stays, unless this one shows the failure and it did not.
        let better = match &state.counterexample {
            None => true,
            Some(best) => best.failure().is_none() && broken.is_some(),
        };
        if better {
            let trace = execution.log().trace();
            let mut cx = Counterexample::new(
                kind,
                broken,
                pending.map(|p| format!("{:?}", p.outcome)),
                trace,
                state.executions,
            );
            // Only a traced execution has the trace (and schedule) a counterexample shows.
            cx.recorded = execution.recorded && execution.log().traced;
            cx.raced = raced;
            state.counterexample = Some(cx);
            state.found_at = state.executions;
        }
    }
    /// The engine stopped with a panic: find out from our own records what it was.
    fn settle_engine_failure(
        &self,
        state: &mut State<M::Outcome>,
        payload: &(dyn std::any::Any + Send),
    ) {
        let Some(last) = state.last.clone() else {
            // Our own stop before any execution: the budget ran out first (a time limit
            // shorter than the engine's start-up). The report says so; nothing failed.
            if payload.is::<Stop>() {
                return;
            }
            state.error.get_or_insert_with(|| {
                Error::Internal(format!(
                    "the engine failed before the first execution: {}",
                    crate::panic_hook::message_of(payload)
                ))
            });
            return;
        };
        let recorded = last.log().failure.is_some();
        if !recorded && !payload.is::<Stop>() {
            if last.log().all_waiting() {
                // shuttle detects a deadlock in its scheduler, outside any model thread.
                let message = last.deadlock_message();
                last.fail(FailureKind::Model(CounterexampleKind::Deadlock), message);
            } else {
                last.fail(
                    FailureKind::Model(CounterexampleKind::Panic),
                    format!(
                        "the engine stopped the execution: {}",
                        crate::panic_hook::message_of(payload)
                    ),
                );
            }
        }
        if last.log().failure.is_some() {
            self.settle(state, &last);
        }
        // Our own stop, for a search run again with loom's probes, is no failure either.
        if state.counterexample.is_none()
            && state.error.is_none()
            && state.budget.is_none()
            && !self.needs_probes(state)
        {
            state.error = Some(Error::Internal(format!(
                "the engine stopped without a recorded reason: {}",
                crate::panic_hook::message_of(payload)
            )));
        }
    }
}

impl<M: Model> Job for Run<M> {
    fn more(&self) -> bool {
        let mut state = self.state();
        if self.satisfied(&state) {
            return false;
        }
        if self.progress.as_ref().is_some_and(|p| p.stop_requested()) {
            state.budget = Some("interrupted".to_owned());
            state.interrupted = true;
            return false;
        }
        if let Some(cap) = self.max_iterations {
            if state.executions >= cap {
                state.budget = Some(format!("iteration cap of {cap} executions reached"));
                return false;
            }
        }
        if let Some(limit) = self.time_limit {
            if self.started.elapsed() >= limit {
                let stated = self.stated_time_limit.unwrap_or(limit);
                state.budget = Some(format!("time limit of {stated:?} reached"));
                return false;
            }
        }
        true
    }

    fn begin(
        &self,
        backend: Backend,
        chaos: Option<Chaos>,
        recording: Recording,
    ) -> Arc<Execution> {
        let mut state = self.state();
        if !state.foreign {
            state.executions += 1;
            if let Some(progress) = &self.progress {
                progress.count_execution();
            }
        }
        state.pending = None;
        state.settled = state.foreign;
        let execution = Execution::new(
            backend,
            self.max_steps,
            chaos,
            self.echo_output,
            self.every_access_is_a_point,
            self.loom_probes,
            recording,
        );
        // Executions of one model are about as long as each other: room for as many events
        // as the last one saves growing the log step by step.
        if let Some(last) = &state.last {
            execution.expect_events(last.log().events.len());
        }
        state.last = Some(Arc::clone(&execution));
        execution
    }

    fn run_main(&self, execution: &Arc<Execution>) {
        let ran = run_model(&*self.model);
        self.settle_main(execution, ran);
    }

    fn settle_pending(&self) {
        let mut state = self.state();
        if !state.settled {
            if let Some(last) = state.last.clone() {
                self.settle(&mut state, &last);
            }
        }
    }

    fn set_foreign(&self, foreign: bool) {
        self.state().foreign = foreign;
    }

    fn last_execution(&self) -> Option<Arc<Execution>> {
        self.state().last.clone()
    }

    fn note_explored_fraction(&self, fraction: f64) {
        self.state().explored = Some(fraction);
        if let Some(progress) = &self.progress {
            progress.note_explored_fraction(fraction);
        }
    }

    fn finish(&self, execution: &Arc<Execution>) -> bool {
        let mut state = self.state();
        if state.foreign {
            return true;
        }
        state.unprobed |= execution
            .unprobed
            .load(std::sync::atomic::Ordering::Relaxed);
        state.yielded |= execution.yielded.load(std::sync::atomic::Ordering::Relaxed);
        self.settle(&mut state, execution);
        // An error or a failure (panic, deadlock, ...) has made the search satisfied.
        !self.satisfied(&state)
    }

    fn max_steps(&self) -> usize {
        self.max_steps
    }
}

/// Runs the model's main thread, catching its panic. Out of line and with nothing else in
/// its frame: under loom every execution's main thread runs on a newly mapped stack, and
/// each page of it that the model's deepest call reaches costs a page fault (measured:
/// one more page per execution slowed raw loom down by about 4 %).
#[inline(never)]
fn run_model<M: Model>(model: &M) -> std::thread::Result<M::Outcome> {
    panic::catch_unwind(AssertUnwindSafe(|| model.run()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{Counter, CounterGuard};

    fn run() -> Run<Counter> {
        Run {
            model: Arc::new(Counter::new(CounterGuard::Mutex)),
            max_steps: 100,
            max_iterations: None,
            time_limit: None,
            stated_time_limit: None,
            keep_going: false,
            race_grace: 0,
            progress: None,
            assertions_are_invariants: false,
            echo_output: false,
            every_access_is_a_point: false,
            loom_probes: false,
            started: Instant::now(),
            state: TurnCell::locked(State::default()),
        }
    }

    /// An engine that panics on its own (not in a model thread) leaves a reason to find.
    fn engine_failure(
        last: Option<Arc<Execution>>,
        payload: &(dyn std::any::Any + Send),
    ) -> State<<Counter as Model>::Outcome> {
        let run = run();
        let mut state = State {
            last,
            ..State::default()
        };
        run.settle_engine_failure(&mut state, payload);
        state
    }

    fn execution() -> Arc<Execution> {
        Execution::new(
            Backend::Shuttle,
            100,
            None,
            false,
            false,
            false,
            crate::context::Recording::Full,
        )
    }

    #[test]
    fn an_engine_panic_while_every_thread_waits_is_the_deadlock() {
        let last = execution();
        let worker = last.add_thread(0, Some("worker"));
        let join = |target| context::Status::Waiting {
            op: Op::Join,
            target,
        };
        last.set_status(0, join(worker));
        last.set_status(worker, join(0));
        let state = engine_failure(Some(last), &"the engine's own deadlock check");
        let cx = state.counterexample.expect("a counterexample");
        assert_eq!(cx.kind(), CounterexampleKind::Deadlock);
        assert!(cx.message().contains("main waits to join worker"), "{cx:?}");
        assert!(state.error.is_none());
    }

    #[test]
    fn an_engine_panic_while_threads_run_is_reported_with_its_message() {
        let state = engine_failure(Some(execution()), &"loom gave up");
        let cx = state.counterexample.expect("a counterexample");
        assert_eq!(cx.kind(), CounterexampleKind::Panic);
        assert!(
            cx.message()
                .contains("the engine stopped the execution: loom gave up"),
            "{cx:?}"
        );
    }

    #[test]
    fn an_engine_panic_keeps_the_failure_already_recorded() {
        let last = execution();
        last.fail(
            FailureKind::Model(CounterexampleKind::StepLimit),
            "too many steps".into(),
        );
        let state = engine_failure(Some(last), &"and then the engine panicked");
        let cx = state.counterexample.expect("a counterexample");
        assert_eq!(cx.kind(), CounterexampleKind::StepLimit);
        assert!(cx.message().contains("too many steps"), "{cx:?}");
    }

    #[test]
    fn an_engine_stop_without_a_reason_is_an_internal_error() {
        let state = engine_failure(Some(execution()), &Stop);
        assert!(state.counterexample.is_none());
        let error = state.error.expect("an error").to_string();
        assert!(error.contains("without a recorded reason"), "{error}");
        let state = engine_failure(None, &"at once");
        let error = state.error.expect("an error").to_string();
        assert!(error.contains("before the first execution"), "{error}");
    }
}
