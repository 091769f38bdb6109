//! Depth-first search over every runnable choice, on shuttle's `Scheduler` trait.
//!
//! At each decision it tries the runnable tasks in order, deepest decision first. Under the
//! default [`Reduction`](super::Reduction) it tries only the choices that races ask for
//! (dynamic partial-order reduction, see [`super::dpor`]) and skips tasks in the decision's
//! sleep set; with `Reduction::Off`, or in a sharded search, it tries every choice, as
//! shuttle's own DFS does. Unlike shuttle's, a task that yields is not chosen again while
//! another can run, so spin loops that yield end, and its tree can be split into shards.
//! The subtrees below the first [`SPLIT`] branching decisions are numbered in the order the
//! search meets them; every shard walks the decisions above that depth, and explores a
//! subtree below it only if the subtree's number falls to it (`number % count == index - 1`).
//! An execution in another shard's subtree is stopped as soon as it reaches that depth (or,
//! if it ends above it, run but not counted), so the shards are disjoint and together
//! complete: their executions add up to the unsharded search's.

use super::Job;
use super::dpor::{Analysis, Keys, Transition};
use crate::context::Execution;
use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};
use std::sync::Arc;

/// Branching decisions above the split into shards.
const SPLIT: usize = 6;

struct Level {
    taken: TaskId,
    /// The tasks that could be chosen here.
    options: Vec<TaskId>,
    /// The choices to explore here: all options, or under the reduction those that races
    /// asked for (see [`super::dpor`]).
    backtrack: Vec<TaskId>,
    /// The choices explored here so far, `taken` included.
    done: Vec<TaskId>,
    /// The length of the execution's event log when the decision was made.
    events_from: usize,
    /// Under the reduction, the sleep set on arrival: tasks whose next transition (as
    /// explored from an earlier state) is independent of everything done since; running
    /// them here would only repeat an order of independent transitions.
    sleep: Vec<(TaskId, Transition)>,
    /// The transitions of the choices explored here so far (those that made progress).
    explored: Vec<(TaskId, Transition)>,
    /// The thread chosen at the decision before did nothing visible there (it only got to
    /// its first operation): under the reduction it goes on here, with no other choice, so
    /// that choosing a thread means choosing what it does next.
    forced: bool,
}

impl Level {
    fn new(
        taken: TaskId,
        options: Vec<TaskId>,
        events_from: usize,
        sleep: Vec<(TaskId, Transition)>,
    ) -> Self {
        Level {
            taken,
            options,
            backtrack: vec![taken],
            done: vec![taken],
            events_from,
            sleep,
            explored: Vec::new(),
            forced: false,
        }
    }

    fn asleep(&self, task: TaskId) -> bool {
        self.sleep.iter().any(|(t, _)| *t == task)
    }

    /// More than one task could run here.
    fn branching(&self) -> bool {
        self.options.len() > 1
    }

    /// The next choice to explore here, in the order of the options.
    fn next(&self) -> Option<TaskId> {
        self.options
            .iter()
            .copied()
            .find(|&t| self.backtrack.contains(&t) && !self.done.contains(&t) && !self.asleep(t))
    }

    fn want(&mut self, task: TaskId) {
        if !self.backtrack.contains(&task) {
            self.backtrack.push(task);
        }
    }

    fn want_all(&mut self) {
        for task in self.options.clone() {
            self.want(task);
        }
    }

    /// The choices this decision explores as far as is known now, and how many of them
    /// are finished once the one taken now is (a sleeping choice is never taken).
    fn choices_known(&self) -> (usize, usize) {
        let wanted = self
            .backtrack
            .iter()
            .filter(|&&t| self.done.contains(&t) || !self.asleep(t))
            .count();
        (wanted, self.done.len())
    }
}

pub(crate) struct Dfs {
    levels: Vec<Level>,
    step: usize,
    /// The level to move to its next choice in this execution.
    advance: Option<usize>,
    /// The first decision at which this execution differs from the one before it: the
    /// transitions before it are the same as then, and so are their races.
    diverged_at: usize,
    started: bool,
    shard: Option<(usize, usize)>,
    subtree: u64,
    foreign: bool,
    /// Every choice is explored: no reduction asked for, a sharded search (whose parts
    /// cannot see each other's races), or executions the log cannot fully describe.
    exhaustive_choices: bool,
    /// The numbers of what transitions touch, for the whole search.
    keys: Keys,
    /// The last execution's analysis, which the next one starts from.
    analysis: Option<Analysis>,
    /// For each number of runnable tasks, the finished decisions that had that many: how
    /// many, and the choices they explored, summed. See [`Dfs::explored_fraction`].
    finished_choices: Vec<(u64, u64)>,
    job: Arc<dyn Job>,
}

impl Dfs {
    pub(crate) fn new(shard: Option<(usize, usize)>, job: Arc<dyn Job>) -> Self {
        Dfs {
            levels: Vec::new(),
            step: 0,
            advance: None,
            diverged_at: 0,
            started: false,
            shard,
            subtree: 0,
            foreign: false,
            exhaustive_choices: shard.is_some(),
            keys: Keys::default(),
            analysis: None,
            finished_choices: Vec::new(),
            job,
        }
    }

    /// How much of the search tree the executions so far have covered, read as a number
    /// in mixed radix: each decision's finished choices (the one taken now included)
    /// over the choices it explores, each subtree taken to weigh the same as its siblings.
    /// The reduction adds choices to a decision as races turn up below it, so a decision
    /// near the root may know of two choices where it will end with ten: an open decision
    /// counts as many as the finished ones with as many runnable tasks explored on average,
    /// if that is more than it knows of. An estimate all the same (subtrees differ).
    fn explored_fraction(&self) -> f64 {
        let mut fraction = 0.0;
        let mut weight = 1.0;
        for level in &self.levels {
            let (wanted, finished) = level.choices_known();
            let likely = match self.finished_choices.get(level.options.len()) {
                Some(&(decisions, explored)) if decisions > 0 => explored as f64 / decisions as f64,
                _ => 0.0,
            };
            let wanted = (wanted.max(finished) as f64).max(likely);
            // The choices before the one taken now are finished: whole subtrees.
            fraction += weight * (finished - 1) as f64 / wanted;
            weight /= wanted;
        }
        // The execution that just ended is the taken path's last leaf.
        (fraction + weight).min(1.0)
    }

    /// The decisions from `depth` on are finished: what they explored is final.
    fn note_finished(&mut self, depth: usize) {
        for level in &self.levels[depth..] {
            let options = level.options.len();
            if self.finished_choices.len() <= options {
                self.finished_choices.resize(options + 1, (0, 0));
            }
            self.finished_choices[options].0 += 1;
            self.finished_choices[options].1 += level.done.len() as u64;
        }
    }

    fn branching_depth(&self, upto: usize) -> usize {
        self.levels[..upto].iter().filter(|l| l.branching()).count()
    }

    /// True if the partial-order reduction applies to `execution`'s search: the log
    /// describes it fully and the search is not split into shards.
    fn reduces(&self, execution: &Execution) -> bool {
        !self.exhaustive_choices && !execution.every_access_is_a_point && !execution.has_processes()
    }

    /// After an execution: which choices the decisions it made must still try.
    fn add_choices(&mut self) {
        let execution = self.job.last_execution();
        if let Some(execution) = &execution {
            if execution.every_access_is_a_point || execution.has_processes() {
                self.exhaustive_choices = true;
            }
        }
        let Some(execution) = execution.filter(|_| !self.exhaustive_choices) else {
            self.levels.iter_mut().for_each(Level::want_all);
            return;
        };
        let log = execution.log();
        let decisions: Vec<(usize, usize)> = self
            .levels
            .iter()
            .map(|l| (usize::from(l.taken), l.events_from))
            .collect();
        let analysis = Analysis::new(
            &log,
            &mut self.keys,
            &decisions,
            self.analysis.take(),
            self.diverged_at,
        );
        let transitions = analysis.transitions();
        // The choice made at each level has now been explored: it sleeps for its siblings,
        // with what it did up to its next free decision.
        for index in 0..self.levels.len() {
            let taken = self.levels[index].taken;
            if self.levels[index].explored.iter().any(|(t, _)| *t == taken) {
                continue;
            }
            let mut transition = transitions[index].clone();
            let mut next = index + 1;
            while self.levels.get(next).is_some_and(|l| l.forced) {
                transition.merge(&transitions[next]);
                next += 1;
            }
            if transition.made_progress() {
                self.levels[index].explored.push((taken, transition));
            }
        }
        // Each race asks the decision before its earlier transition (before the empty step
        // that led to it, if any) for a thread that can start the reversed order, unless
        // one already is among the choices to try there. If none could run there, every
        // choice.
        for race in analysis.races(self.diverged_at) {
            let mut at = race.earlier;
            while at > 0 && self.levels[at].forced {
                at -= 1;
            }
            let level = &mut self.levels[at];
            let initials: Vec<TaskId> = race
                .initials
                .iter()
                .map(|&thread| TaskId::from(thread))
                .filter(|task| level.options.contains(task))
                .collect();
            if initials.iter().any(|task| level.backtrack.contains(task)) {
                continue;
            }
            // Any initial will do, even a sleeping one: a sleeper's orders are explored
            // from an earlier decision.
            match initials.first() {
                Some(&task) => level.want(task),
                None => level.want_all(),
            }
        }
        self.analysis = Some(analysis);
    }

    /// The sleep set of a new level at `step`: the previous level's sleepers and explored
    /// choices whose transitions are independent of the one just taken there.
    fn sleep_on_arrival(
        &mut self,
        step: usize,
        execution: Option<&Execution>,
    ) -> Vec<(TaskId, Transition)> {
        let Some(execution) = execution.filter(|e| step > 0 && self.reduces(e)) else {
            return Vec::new();
        };
        let previous = &self.levels[step - 1];
        let log = execution.log();
        let taken = super::dpor::transition(
            &log,
            &mut self.keys,
            step - 1,
            usize::from(previous.taken),
            previous.events_from,
            None,
        );
        previous
            .sleep
            .iter()
            .chain(&previous.explored)
            .filter(|(task, transition)| *task != previous.taken && !transition.dependent(&taken))
            .cloned()
            .collect()
    }

    /// Under the reduction, the thread that must go on at the new decision `step`: the one
    /// chosen at the decision before, if it recorded nothing since, can still run, and no
    /// other thread became runnable.
    fn goes_on(
        &self,
        step: usize,
        execution: Option<&Execution>,
        options: &[TaskId],
    ) -> Option<TaskId> {
        let execution = execution.filter(|e| step > 0 && self.reduces(e))?;
        let previous = &self.levels[step - 1];
        // A thread that became runnable meanwhile (a child whose spawn just took effect)
        // is a new choice: the decision is a real one.
        if !options.contains(&previous.taken)
            || options.iter().any(|task| !previous.options.contains(task))
        {
            return None;
        }
        let log = execution.log();
        let quiet = log.events.len() == previous.events_from
            && !log.output_reads.contains(&(step - 1))
            && !log.releases.iter().any(|(at, _)| *at == step - 1);
        quiet.then_some(previous.taken)
    }
}

/// The length of the running execution's event log (0 before it is installed).
fn events_so_far(execution: Option<&Execution>) -> usize {
    execution.map_or(0, |execution| execution.log().events.len())
}

impl Scheduler for Dfs {
    fn new_execution(&mut self) -> Option<Schedule> {
        if self.started {
            self.add_choices();
            if self.shard.is_none() {
                self.job.note_explored_fraction(self.explored_fraction());
            }
            let deepest = self.levels.iter().rposition(|l| l.next().is_some())?;
            if self.branching_depth(deepest) < SPLIT {
                self.subtree += 1;
            }
            self.note_finished(deepest + 1);
            self.levels.truncate(deepest + 1);
            self.advance = Some(deepest);
            self.diverged_at = deepest;
        }
        self.started = true;
        self.step = 0;
        self.foreign = self
            .shard
            .is_some_and(|(index, count)| self.subtree % count as u64 != index as u64 - 1);
        self.job.set_foreign(self.foreign);
        Some(Schedule::new(0))
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        let options = choices(runnable, current, is_yielding);
        let execution = crate::context::current();
        let execution = execution.as_deref();
        let step = self.step;
        let next = if step < self.levels.len() {
            if self.advance == Some(step) {
                self.advance = None;
                let level = &mut self.levels[step];
                let next = level.next()?;
                if !options.contains(&next) {
                    return None;
                }
                level.taken = next;
                level.done.push(next);
                level.events_from = events_so_far(execution);
                next
            } else {
                self.levels[step].taken
            }
        } else {
            let sleep = self.sleep_on_arrival(step, execution);
            let forced = self.goes_on(step, execution, &options);
            let options = forced.map_or(options, |task| vec![task]);
            let awake = options
                .iter()
                .copied()
                .find(|t| !sleep.iter().any(|(s, _)| s == t));
            // Everyone asleep: this order only repeats others; finish it all the same.
            let next = awake.or_else(|| options.first().copied())?;
            let mut level = Level::new(next, options, events_so_far(execution), sleep);
            level.forced = forced.is_some();
            self.levels.push(level);
            next
        };
        self.step += 1;
        if let Some(execution) = execution {
            execution
                .decision
                .store(step, std::sync::atomic::Ordering::Relaxed);
        }
        if self.foreign && self.levels[step].branching() && self.branching_depth(step + 1) == SPLIT
        {
            // Another shard's subtree: stop here; the search goes on from this decision.
            self.levels.truncate(step + 1);
            return None;
        }
        Some(next)
    }

    fn next_u64(&mut self) -> u64 {
        0
    }
}

/// The tasks a decision chooses from: a thread that yields (a spin loop waiting for
/// another) lets the others go first, so that waiting loops end; it runs again only if
/// nobody else can.
fn choices(runnable: &[&Task], current: Option<TaskId>, is_yielding: bool) -> Vec<TaskId> {
    runnable
        .iter()
        .map(|t| t.id())
        .filter(|&id| !(is_yielding && runnable.len() > 1 && Some(id) == current))
        .collect()
}

std::thread_local! {
    /// The products of branching factors of the probes run on this OS thread.
    static PROBES: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Random walks down the same tree as [`Dfs`] (the same choices, yielding threads last),
/// each recording the product of the number of choices along its path: the mean of those
/// products estimates the number of executions of the full search (Knuth's estimator).
pub(crate) struct Probe {
    samples: u64,
    started: u64,
    state: u64,
    product: f64,
}

impl Probe {
    pub(crate) fn new(samples: u64, seed: u64) -> Self {
        PROBES.with(|p| p.borrow_mut().clear());
        Probe {
            samples,
            started: 0,
            state: seed | 1,
            product: 1.0,
        }
    }

    fn next_random(&mut self) -> u64 {
        // xorshift64*: deterministic for a seed, good enough to pick a branch.
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// The products recorded by the last probe run on this OS thread.
pub(crate) fn take_probes() -> Vec<f64> {
    PROBES.with(|p| std::mem::take(&mut *p.borrow_mut()))
}

impl Scheduler for Probe {
    fn new_execution(&mut self) -> Option<Schedule> {
        if self.started > 0 {
            let product = self.product;
            PROBES.with(|p| p.borrow_mut().push(product));
        }
        if self.started >= self.samples {
            return None;
        }
        self.started += 1;
        self.product = 1.0;
        Some(Schedule::new(0))
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        let options = choices(runnable, current, is_yielding);
        self.product *= options.len() as f64;
        let pick = (self.next_random() % options.len().max(1) as u64) as usize;
        options.get(pick).copied()
    }

    fn next_u64(&mut self) -> u64 {
        0
    }
}
