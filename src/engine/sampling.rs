//! The sampling schedulers, random and probabilistic concurrency testing (PCT), on
//! shuttle's `Scheduler` trait.
//!
//! Their algorithms and random choices are those of shuttle's own `RandomScheduler` and
//! `PctScheduler` (the PCT variant from Coyote that learns the number of steps from its
//! executions), draw for draw: the same seed gives the same schedules. What differs:
//! - PCT's priorities: shuttle keeps them in a `HashMap` and hashes a task id for every
//!   runnable task at every decision, about a fifth of a raw PCT run's instructions on the
//!   ticket office. Task ids are small dense numbers (model thread `i` is task `i`), so
//!   here they index a vector.
//! - The environment: shuttle's schedulers take their seed from `SHUTTLE_RANDOM_SEED` when
//!   it is set, and its random scheduler reads `SHUTTLE_ALWAYS_PERSIST_SEED` before every
//!   execution and prints a "failing seed" when dropped early. Here the seed is the one the
//!   engine was given (a report must not depend on a variable the user may not know is
//!   set), and nothing is read or printed.

use rand::seq::{SliceRandom, index::sample};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use shuttle::scheduler::{DataSource, RandomDataSource, Schedule, Scheduler, Task, TaskId};

/// Tasks given a priority before any is seen (shuttle's `DEFAULT_INLINE_TASKS`: the first
/// draws depend on it).
const FIRST_TASKS: usize = 16;

/// PCT with `depth - 1` priority change points per execution, for `iterations` executions.
#[derive(Debug)]
pub(crate) struct Pct {
    iterations: usize,
    depth: usize,
    started: usize,
    /// `priorities[task]`: lower runs first. Every task seen so far has one, all distinct.
    priorities: Vec<usize>,
    /// The priority the next demoted or new task gets: below every other.
    next_priority: usize,
    /// The decisions (counted among those with a choice) at which the running task is
    /// demoted; `depth - 1` of them at most.
    change_points: Vec<usize>,
    /// The most decisions with a choice seen in one execution so far.
    max_steps: usize,
    /// Decisions with a choice in this execution so far.
    steps: usize,
    rng: Pcg64Mcg,
    data: RandomDataSource,
}

impl Pct {
    pub(crate) fn new(seed: u64, depth: usize, iterations: usize) -> Self {
        assert!(depth > 0, "PCT needs a depth of at least 1");
        Pct {
            iterations,
            depth,
            started: 0,
            priorities: (0..FIRST_TASKS).collect(),
            next_priority: FIRST_TASKS,
            change_points: Vec::new(),
            max_steps: 0,
            steps: 0,
            rng: Pcg64Mcg::seed_from_u64(seed),
            data: RandomDataSource::initialize(seed),
        }
    }

    /// Gives each task seen for the first time a priority, by taking that of a random
    /// known task (or the lowest), which then gets the lowest: every priority stays distinct
    /// and a new task may get any rank.
    fn admit_new_tasks(&mut self, runnable: &[&Task]) {
        let highest = runnable
            .iter()
            .map(|t| usize::from(t.id()))
            .max()
            .expect("shuttle asks only when a task can run");
        for new in self.priorities.len()..=highest {
            let target = self.rng.gen_range(0..self.priorities.len()) + 1;
            let priority = if target == new {
                self.next_priority
            } else {
                std::mem::replace(&mut self.priorities[target], self.next_priority)
            };
            self.priorities.push(priority);
            self.next_priority += 1;
        }
    }
}

impl Scheduler for Pct {
    fn new_execution(&mut self) -> Option<Schedule> {
        if self.started >= self.iterations {
            return None;
        }
        self.steps = 0;
        // The first execution runs oldest task first and measures how many decisions an
        // execution has; from then on, priorities are shuffled and change points drawn
        // among the decisions seen so far.
        if self.started > 0 {
            // Reshuffled in place: the same draws as shuffling a fresh `0..len`.
            for (task, priority) in self.priorities.iter_mut().enumerate() {
                *priority = task;
            }
            self.priorities.shuffle(&mut self.rng);
            self.next_priority = self.priorities.len();
            let points = (self.depth - 1).min(self.max_steps.saturating_sub(1));
            self.change_points = sample(&mut self.rng, self.max_steps.saturating_sub(1), points)
                .iter()
                .map(|step| step + 1)
                .collect();
        }
        self.started += 1;
        Some(Schedule::new(self.data.reinitialize()))
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        self.admit_new_tasks(runnable);
        // Only decisions with a choice count as steps and can be change points.
        if runnable.len() > 1 {
            if is_yielding || self.change_points.contains(&self.steps) {
                let current = current.expect("a task has run before a change point");
                self.priorities[usize::from(current)] = self.next_priority;
                self.next_priority += 1;
            }
            self.steps += 1;
            self.max_steps = self.max_steps.max(self.steps);
        }
        runnable
            .iter()
            .map(|t| t.id())
            .min_by_key(|&id| self.priorities[usize::from(id)])
    }

    fn next_u64(&mut self) -> u64 {
        self.data.next_u64()
    }
}

/// Runs a task chosen uniformly among the runnable ones at every decision, for
/// `iterations` executions.
#[derive(Debug)]
pub(crate) struct Random {
    iterations: usize,
    started: usize,
    rng: Pcg64Mcg,
    data: RandomDataSource,
}

impl Random {
    pub(crate) fn new(seed: u64, iterations: usize) -> Self {
        Random {
            iterations,
            started: 0,
            rng: Pcg64Mcg::seed_from_u64(seed),
            data: RandomDataSource::initialize(seed),
        }
    }
}

impl Scheduler for Random {
    fn new_execution(&mut self) -> Option<Schedule> {
        if self.started >= self.iterations {
            return None;
        }
        self.started += 1;
        // Each execution draws from its own seed, taken from the sequence the first seeds.
        let seed = self.data.reinitialize();
        self.rng = Pcg64Mcg::seed_from_u64(seed);
        Some(Schedule::new(seed))
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        _current: Option<TaskId>,
        _is_yielding: bool,
    ) -> Option<TaskId> {
        runnable.choose(&mut self.rng).map(|task| task.id())
    }

    fn next_u64(&mut self) -> u64 {
        self.data.next_u64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shuttle::scheduler::{PctScheduler, RandomScheduler};
    use std::sync::{Arc, Mutex};

    /// Passes every decision on to `inner` and writes down what it chose.
    struct Recording<S> {
        inner: S,
        choices: Arc<Mutex<Vec<Option<TaskId>>>>,
    }

    impl<S: Scheduler> Scheduler for Recording<S> {
        fn new_execution(&mut self) -> Option<Schedule> {
            self.inner.new_execution()
        }

        fn next_task(
            &mut self,
            runnable: &[&Task],
            current: Option<TaskId>,
            is_yielding: bool,
        ) -> Option<TaskId> {
            let choice = self.inner.next_task(runnable, current, is_yielding);
            self.choices.lock().unwrap().push(choice);
            choice
        }

        fn next_u64(&mut self) -> u64 {
            self.inner.next_u64()
        }
    }

    /// Every choice of `scheduler` over 200 executions of a model whose 20 threads (more
    /// than the priorities made up front) spawn threads, yield, lock, touch atomics and draw
    /// random numbers, so that tasks are admitted mid-execution and executions differ in
    /// length.
    fn choices(scheduler: impl Scheduler + 'static) -> Vec<Option<TaskId>> {
        let choices = Arc::new(Mutex::new(Vec::new()));
        let recording = Recording {
            inner: scheduler,
            choices: Arc::clone(&choices),
        };
        let mut config = shuttle::Config::new();
        config.failure_persistence = shuttle::FailurePersistence::None;
        shuttle::Runner::new(recording, config).run(|| {
            use shuttle::sync::atomic::{AtomicUsize, Ordering};
            let lock = Arc::new(shuttle::sync::Mutex::new(0));
            let count = Arc::new(AtomicUsize::new(0));
            let handles: Vec<_> = (0..18)
                .map(|i| {
                    let (lock, count) = (Arc::clone(&lock), Arc::clone(&count));
                    shuttle::thread::spawn(move || {
                        for _ in 0..=i % 3 {
                            *lock.lock().unwrap() += 1;
                            if count.fetch_add(1, Ordering::SeqCst) % 2 == 0 {
                                shuttle::thread::yield_now();
                            }
                        }
                        // A random draw of the model's own comes from the scheduler too,
                        // and steers what follows.
                        use rand::RngCore;
                        if shuttle::rand::thread_rng().next_u64() % 3 == 0 {
                            shuttle::thread::yield_now();
                        }
                        if i == 0 {
                            let count = Arc::clone(&count);
                            shuttle::thread::spawn(move || count.load(Ordering::SeqCst))
                                .join()
                                .unwrap();
                        }
                    })
                })
                .collect();
            for handle in handles {
                handle.join().unwrap();
            }
        });
        Arc::try_unwrap(choices).unwrap().into_inner().unwrap()
    }

    #[test]
    fn pct_chooses_as_shuttles_pct_scheduler_does_for_the_same_seed() {
        for (seed, depth) in [(1, 1), (1, 3), (7, 2), (12_345, 5)] {
            let ours = choices(Pct::new(seed, depth, 200));
            let shuttles = choices(PctScheduler::new_from_seed(seed, depth, 200));
            assert!(ours.len() > 10_000, "{} decisions", ours.len());
            assert_eq!(ours, shuttles, "seed {seed}, depth {depth}");
        }
    }

    #[test]
    fn random_chooses_as_shuttles_random_scheduler_does_for_the_same_seed() {
        for seed in [0, 1, 7, 12_345] {
            let ours = choices(Random::new(seed, 200));
            let shuttles = choices(RandomScheduler::new_from_seed(seed, 200));
            assert!(ours.len() > 10_000, "{} decisions", ours.len());
            assert_eq!(ours, shuttles, "seed {seed}");
        }
    }

    #[test]
    fn different_seeds_choose_differently() {
        assert_ne!(choices(Pct::new(1, 3, 200)), choices(Pct::new(2, 3, 200)));
        assert_ne!(choices(Random::new(1, 200)), choices(Random::new(2, 200)));
    }
}
