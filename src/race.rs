//! Happens-before, kept with vector clocks, and data races on [`Shared`](crate::Shared).
//!
//! Every event carries an [`Effect`]: what it does to the order between threads. A spawn
//! orders the parent's past before the child; a join orders the child's whole life before
//! the joiner's future; an unlock orders the holder's past before the next lock; a release
//! store (or read-modify-write) orders the writer's past before an acquire load that reads
//! it. Two accesses to one `Shared`, at least one a write, that no chain of such edges
//! orders are a data race — whatever value the execution happened to end with.
//!
//! The clocks are updated while the event is recorded, in the log's order, so detection adds
//! no scheduling point and is deterministic under the model-checking engines.

/// Identity of a facade object within one execution (0: made outside any exploration).
pub(crate) type ObjectId = usize;

/// What one event does to the happens-before order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Nothing: a relaxed load, a failed `try_lock`, a yield.
    Plain,
    /// Reads a `Shared`.
    Read(ObjectId),
    /// Writes a `Shared`.
    Write(ObjectId),
    /// Takes the object's clock: a lock, an acquire load.
    Acquire(ObjectId),
    /// Leaves the thread's clock in the object, replacing what was there: an unlock, a
    /// release store.
    Release(ObjectId),
    /// A read-modify-write: acquires and releases as its ordering says, and continues the
    /// object's release sequence either way.
    Update {
        object: ObjectId,
        acquire: bool,
        release: bool,
    },
    /// A relaxed store: ends the object's release sequence.
    Overwrite(ObjectId),
    /// Spawns the given thread.
    Spawn(usize),
    /// Joins the given (finished) thread.
    Join(usize),
}

/// Two conflicting accesses to a `Shared` that happens-before does not order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Race {
    /// Index in the trace's events of the earlier access.
    pub first: usize,
    /// Index in the trace's events of the later access.
    pub second: usize,
}

/// Races kept per execution; the first few tell the story.
const MAX_RACES: usize = 16;

#[derive(Clone, Debug, Default)]
struct Clock(Vec<u32>);

impl Clock {
    fn get(&self, thread: usize) -> u32 {
        self.0.get(thread).copied().unwrap_or(0)
    }

    fn set(&mut self, thread: usize, value: u32) {
        if self.0.len() <= thread {
            self.0.resize(thread + 1, 0);
        }
        self.0[thread] = value;
    }

    fn tick(&mut self, thread: usize) {
        let next = self.get(thread) + 1;
        self.set(thread, next);
    }

    fn join(&mut self, other: &Clock) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            *mine = (*mine).max(*theirs);
        }
    }
}

/// One access to a `Shared`: who, at which point of their own clock, and which event.
#[derive(Clone, Copy, Debug)]
struct Access {
    thread: usize,
    epoch: u32,
    event: usize,
}

#[derive(Debug, Default)]
struct History {
    write: Option<Access>,
    /// The latest read of each thread since the last write.
    reads: Vec<Access>,
}

/// The happens-before state of one execution.
#[derive(Debug)]
pub(crate) struct HappensBefore {
    threads: Vec<Clock>,
    /// By object id (ids are small and dense: a vector beats a hash map here).
    objects: Vec<Option<Clock>>,
    shared: Vec<History>,
    races: Vec<Race>,
}

impl Default for HappensBefore {
    fn default() -> Self {
        let mut main = Clock::default();
        main.set(0, 1);
        HappensBefore {
            threads: vec![main],
            objects: Vec::new(),
            shared: Vec::new(),
            races: Vec::new(),
        }
    }
}

impl HappensBefore {
    /// The races found so far, in the order they happened.
    pub(crate) fn races(&self) -> &[Race] {
        &self.races
    }

    /// Empties this state for a new execution, keeping its buffers: a zero clock stands
    /// for a missing one (reading one gives 0, joining one changes nothing), and an object's
    /// zero clock for no release yet.
    pub(crate) fn reset(&mut self) {
        for clock in &mut self.threads {
            clock.0.fill(0);
        }
        for clock in self.objects.iter_mut().flatten() {
            clock.0.fill(0);
        }
        for history in &mut self.shared {
            history.write = None;
            history.reads.clear();
        }
        self.races.clear();
        self.clock(0).set(0, 1);
    }

    fn clock(&mut self, thread: usize) -> &mut Clock {
        if self.threads.len() <= thread {
            self.threads.resize(thread + 1, Clock::default());
        }
        &mut self.threads[thread]
    }

    /// Applies the effect of event number `event`, done by `thread`.
    pub(crate) fn apply(&mut self, thread: usize, event: usize, effect: Effect) {
        match effect {
            Effect::Plain => {}
            Effect::Read(object) => self.read(thread, event, object),
            Effect::Write(object) => self.write(thread, event, object),
            // Clocks are joined and copied in place: an execution makes thousands of these,
            // and allocating a clock for each showed in profiles.
            Effect::Acquire(object) => {
                self.clock(thread);
                if let Some(Some(released)) = self.objects.get(object) {
                    self.threads[thread].join(released);
                }
            }
            Effect::Release(object) => {
                self.clock(thread);
                self.object(object);
                let mine = &self.threads[thread];
                match &mut self.objects[object] {
                    Some(kept) => kept.0.clone_from(&mine.0),
                    empty => *empty = Some(mine.clone()),
                }
                self.threads[thread].tick(thread);
            }
            Effect::Update {
                object,
                acquire,
                release,
            } => {
                if acquire {
                    self.apply(thread, event, Effect::Acquire(object));
                }
                if release {
                    self.clock(thread);
                    self.object(object);
                    let mine = &self.threads[thread];
                    self.objects[object]
                        .get_or_insert_with(Clock::default)
                        .join(mine);
                    self.threads[thread].tick(thread);
                }
            }
            Effect::Overwrite(object) => {
                *self.object(object) = None;
            }
            // Copied and joined in place too, through a clock taken out for the while: a
            // reused state keeps its clocks' buffers (see `reset`).
            Effect::Spawn(child) => {
                self.clock(child);
                let parent = std::mem::take(self.clock(thread));
                self.threads[child].0.clone_from(&parent.0);
                self.threads[child].set(child, 1);
                self.threads[thread] = parent;
                self.threads[thread].tick(thread);
            }
            Effect::Join(child) => {
                self.clock(thread);
                let finished = std::mem::take(self.clock(child));
                self.threads[thread].join(&finished);
                self.threads[child] = finished;
            }
        }
    }

    /// True if `access` happens before everything `thread` does from now on.
    fn ordered(&mut self, access: Access, thread: usize) -> bool {
        access.thread == thread || access.epoch <= self.clock(thread).get(access.thread)
    }

    fn race(&mut self, earlier: Access, event: usize) {
        self.races.push(Race {
            first: earlier.event,
            second: event,
        });
    }

    /// Puts the races found since `found` in event order and keeps the first
    /// [`MAX_RACES`] of the execution.
    fn keep_first_races(&mut self, found: usize) {
        self.races[found..].sort_by_key(|race| race.first);
        self.races.truncate(MAX_RACES);
    }

    fn read(&mut self, thread: usize, event: usize, object: ObjectId) {
        let epoch = self.clock(thread).get(thread);
        let write = self.shared.get(object).and_then(|h| h.write);
        if let Some(write) = write {
            if !self.ordered(write, thread) {
                let found = self.races.len();
                self.race(write, event);
                self.keep_first_races(found);
            }
        }
        let history = self.history(object);
        let access = Access {
            thread,
            epoch,
            event,
        };
        match history.reads.iter_mut().find(|r| r.thread == thread) {
            Some(read) => *read = access,
            None => history.reads.push(access),
        }
    }

    fn write(&mut self, thread: usize, event: usize, object: ObjectId) {
        let epoch = self.clock(thread).get(thread);
        let mut history = std::mem::take(self.history(object));
        // Racing accesses go straight into `races`, then are put in event order; the reads'
        // vector is kept for the next reads (no allocation per write).
        let found = self.races.len();
        let earlier = history.write.iter().chain(&history.reads);
        for &access in earlier.filter(|a| a.thread != thread) {
            if !self.ordered(access, thread) {
                self.race(access, event);
            }
        }
        self.keep_first_races(found);
        history.write = Some(Access {
            thread,
            epoch,
            event,
        });
        history.reads.clear();
        *self.history(object) = history;
    }

    fn object(&mut self, object: ObjectId) -> &mut Option<Clock> {
        if self.objects.len() <= object {
            self.objects.resize(object + 1, None);
        }
        &mut self.objects[object]
    }

    fn history(&mut self, object: ObjectId) -> &mut History {
        if self.shared.len() <= object {
            self.shared.resize_with(object + 1, History::default);
        }
        &mut self.shared[object]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Happens-before after the main thread spawned threads 1 to `threads` (events 0 on).
    fn spawned(threads: usize) -> HappensBefore {
        let mut hb = HappensBefore::default();
        for child in 1..=threads {
            hb.apply(0, child - 1, Effect::Spawn(child));
        }
        hb
    }

    /// Effects as `(thread, effect)`, applied as events 0, 1, ...
    fn applied(mut hb: HappensBefore, effects: &[(usize, Effect)]) -> Vec<Race> {
        for (event, &(thread, effect)) in effects.iter().enumerate() {
            hb.apply(thread, event, effect);
        }
        hb.races().to_vec()
    }

    #[test]
    fn a_reset_state_finds_what_a_fresh_one_finds() {
        // The last execution left clocks, a released lock and written variables behind.
        let dirty = || {
            let mut hb = spawned(3);
            let effects = [
                (1, Effect::Acquire(5)),
                (1, Effect::Write(9)),
                (1, Effect::Release(5)),
                (2, Effect::Read(9)),
                (3, Effect::Write(8)),
                (3, Effect::Release(6)),
                (0, Effect::Join(3)),
                (0, Effect::Join(1)),
            ];
            for (event, (thread, effect)) in effects.into_iter().enumerate() {
                hb.apply(thread, 3 + event, effect);
            }
            assert!(!hb.races().is_empty());
            hb
        };
        let spawn = |n| (0, Effect::Spawn(n));
        let runs: [&[(usize, Effect)]; 5] = [
            // Nor joined: the main thread reads without waiting for its child's write.
            &[spawn(1), (1, Effect::Write(9)), (0, Effect::Read(9))],
            // A lock released last time orders nothing now: thread 2 races with thread 1.
            &[
                spawn(1),
                spawn(2),
                (1, Effect::Write(9)),
                (2, Effect::Acquire(5)),
                (2, Effect::Read(9)),
            ],
            // Variables written last time were not written now: no race.
            &[
                spawn(1),
                spawn(2),
                (2, Effect::Read(9)),
                (1, Effect::Read(8)),
            ],
            // Nor read: a write after them races with nothing.
            &[
                spawn(1),
                (1, Effect::Write(9)),
                (0, Effect::Join(1)),
                (0, Effect::Write(9)),
            ],
            // Clocks start again: the main thread's write before the spawn is ordered.
            &[
                (0, Effect::Write(8)),
                spawn(1),
                (1, Effect::Write(8)),
                spawn(2),
                (2, Effect::Write(8)),
            ],
        ];
        for effects in runs {
            let mut reused = dirty();
            reused.reset();
            assert_eq!(
                applied(reused, effects),
                applied(HappensBefore::default(), effects),
                "{effects:?}"
            );
        }
    }

    #[test]
    fn unordered_writes_race_and_a_lock_orders_them() {
        let mut hb = HappensBefore::default();
        hb.apply(0, 0, Effect::Spawn(1));
        hb.apply(0, 1, Effect::Spawn(2));
        hb.apply(1, 2, Effect::Write(9));
        hb.apply(2, 3, Effect::Write(9));
        assert_eq!(
            hb.races(),
            &[Race {
                first: 2,
                second: 3
            }]
        );

        let mut hb = HappensBefore::default();
        hb.apply(0, 0, Effect::Spawn(1));
        hb.apply(0, 1, Effect::Spawn(2));
        hb.apply(1, 2, Effect::Acquire(5));
        hb.apply(1, 3, Effect::Write(9));
        hb.apply(1, 4, Effect::Release(5));
        hb.apply(2, 5, Effect::Acquire(5));
        hb.apply(2, 6, Effect::Read(9));
        hb.apply(2, 7, Effect::Write(9));
        assert!(hb.races().is_empty());
    }

    #[test]
    fn spawn_and_join_order_the_parent_and_child() {
        let mut hb = HappensBefore::default();
        hb.apply(0, 0, Effect::Write(9));
        hb.apply(0, 1, Effect::Spawn(1));
        hb.apply(1, 2, Effect::Read(9));
        hb.apply(1, 3, Effect::Write(9));
        hb.apply(0, 4, Effect::Join(1));
        hb.apply(0, 5, Effect::Read(9));
        assert!(hb.races().is_empty());
    }

    #[test]
    fn a_write_races_with_every_unordered_read_before_it_in_event_order() {
        // Thread 1's read is unordered with thread 3's write; thread 2's read is ordered
        // before it by the lock. Thread 2 reading later must not hide thread 1's read.
        let mut hb = spawned(3);
        hb.apply(1, 3, Effect::Read(9));
        hb.apply(2, 4, Effect::Read(9));
        hb.apply(2, 5, Effect::Release(5));
        hb.apply(3, 6, Effect::Acquire(5));
        hb.apply(3, 7, Effect::Write(9));
        assert_eq!(
            hb.races(),
            &[Race {
                first: 3,
                second: 7
            }]
        );
        // Both reads unordered: both races, the earlier first.
        let mut hb = spawned(3);
        hb.apply(2, 3, Effect::Read(9));
        hb.apply(1, 4, Effect::Read(9));
        hb.apply(3, 5, Effect::Write(9));
        let firsts: Vec<usize> = hb.races().iter().map(|r| r.first).collect();
        assert_eq!(firsts, [3, 4]);
    }

    #[test]
    fn an_execution_keeps_its_first_races_only() {
        let threads = MAX_RACES + 4;
        let mut hb = spawned(threads);
        for child in 1..=threads {
            hb.apply(child, threads + child, Effect::Write(9));
        }
        let seconds: Vec<usize> = hb.races().iter().map(|r| r.second).collect();
        let expected: Vec<usize> = (threads + 2..).take(MAX_RACES).collect();
        assert_eq!(seconds, expected);
        // The same for reads, each racing with one earlier write.
        let mut hb = spawned(threads);
        hb.apply(1, threads + 1, Effect::Write(9));
        for child in 2..=threads {
            hb.apply(child, threads + child, Effect::Read(9));
        }
        let seconds: Vec<usize> = hb.races().iter().map(|r| r.second).collect();
        assert_eq!(seconds, expected);
    }

    #[test]
    fn a_relaxed_flag_does_not_order_but_a_release_acquire_pair_does() {
        for (store, load, races) in [
            (Effect::Overwrite(7), Effect::Plain, 1),
            (Effect::Release(7), Effect::Acquire(7), 0),
        ] {
            let mut hb = HappensBefore::default();
            hb.apply(0, 0, Effect::Spawn(1));
            hb.apply(1, 1, Effect::Write(9));
            hb.apply(1, 2, store);
            hb.apply(0, 3, load);
            hb.apply(0, 4, Effect::Read(9));
            assert_eq!(hb.races().len(), races, "{store:?} then {load:?}");
        }
    }
}
