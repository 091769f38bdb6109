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

/// Entries a clock starts with: as many threads as most models have, a power of two and
/// a whole number of [`LANES`].
const INITIAL_WIDTH: usize = 8;

/// The happens-before state of one execution.
///
/// The vector clocks live in two flat tables, a row of `width` entries each: one row per
/// thread and one per object. A clock per thread and per object, each its own vector, cost
/// a pointer chase, a bounds check and a length comparison on every access, and joins
/// that could not be unrolled; a row is found with one multiplication and joined or copied
/// with a loop over adjacent memory of a length the whole table shares.
#[derive(Debug)]
pub(crate) struct HappensBefore {
    /// Entries in every row: more than the highest thread index seen (a power of two).
    width: usize,
    /// Each thread's clock: thread `t`'s row is `threads[t * width..][..width]`.
    threads: Vec<u32>,
    /// Each object's released clock, by id, laid out as `threads`. A zero row (or none)
    /// is nothing to acquire: no release yet, or a relaxed store ended it.
    objects: Vec<u32>,
    shared: Vec<History>,
    races: Vec<Race>,
}

impl Default for HappensBefore {
    /// The state before the first event, which allocates nothing (a log's defaults are
    /// made and dropped for every execution): the main thread's row is made with its
    /// first event.
    fn default() -> Self {
        HappensBefore {
            width: INITIAL_WIDTH,
            threads: Vec::new(),
            objects: Vec::new(),
            shared: Vec::new(),
            races: Vec::new(),
        }
    }
}

/// `table`'s rows of `old` entries, each widened to `new` with zeros.
fn widened(table: &[u32], old: usize, new: usize) -> Vec<u32> {
    let mut wider = vec![0; table.len() / old * new];
    for (row, old_row) in wider.chunks_exact_mut(new).zip(table.chunks_exact(old)) {
        row[..old].copy_from_slice(old_row);
    }
    wider
}

/// Entries joined at a time: rows are a whole number of such blocks.
const LANES: usize = 8;

/// Joins `theirs` into `mine`, entry by entry.
///
/// A block at a time, each read whole before any is written: a plain loop over the two
/// rows was left unvectorized for a row of 16 (the compiler's vector loop needs more
/// entries to pay for its check that the rows do not overlap).
#[inline]
fn join_into(mine: &mut [u32], theirs: &[u32]) {
    for (mine, theirs) in mine.chunks_exact_mut(LANES).zip(theirs.chunks_exact(LANES)) {
        let theirs: [u32; LANES] = theirs.try_into().expect("a whole block");
        let block: &mut [u32; LANES] = mine.try_into().expect("a whole block");
        let mut joined = *block;
        for (entry, their) in joined.iter_mut().zip(theirs) {
            *entry = (*entry).max(their);
        }
        *block = joined;
    }
}

impl HappensBefore {
    /// The races found so far, in the order they happened.
    pub(crate) fn races(&self) -> &[Race] {
        &self.races
    }

    /// Empties this state for a new execution, keeping its buffers and width: each thread
    /// in its first epoch, having seen nothing of the others, and an object's zero row no
    /// release.
    pub(crate) fn reset(&mut self) {
        self.threads.fill(0);
        self.objects.fill(0);
        for history in &mut self.shared {
            history.write = None;
            history.reads.clear();
        }
        self.races.clear();
        self.begin_epochs(0);
    }

    /// Puts every thread from row `first` on in its first epoch. A spawn overwrites its
    /// child's row; a thread that had none when the clocks began (they begin with the first
    /// `Shared`: see `Log::races_checked`) keeps this one. Its own entry must not stay 0,
    /// which its accesses would carry as their epoch, and which no later access could ever
    /// find unordered.
    fn begin_epochs(&mut self, first: usize) {
        let rows = self.threads.len() / self.width;
        for thread in first..rows {
            self.threads[thread * self.width + thread] = 1;
        }
    }

    /// Makes room for `thread`'s row, and for its entry in every row.
    #[inline]
    fn fit_thread(&mut self, thread: usize) {
        if thread >= self.width {
            self.widen(thread + 1);
        }
        let end = (thread + 1) * self.width;
        if self.threads.len() < end {
            self.grow_threads(end);
        }
    }

    #[cold]
    fn grow_threads(&mut self, end: usize) {
        let rows = self.threads.len() / self.width;
        self.threads.resize(end, 0);
        self.begin_epochs(rows);
    }

    #[cold]
    fn widen(&mut self, threads: usize) {
        let width = threads.next_power_of_two();
        self.threads = widened(&self.threads, self.width, width);
        self.objects = widened(&self.objects, self.width, width);
        self.width = width;
    }

    /// Makes room for `object`'s row.
    #[inline]
    fn fit_object(&mut self, object: ObjectId) {
        let end = (object + 1) * self.width;
        if self.objects.len() < end {
            self.objects.resize(end, 0);
        }
    }

    /// Applies the effect of event number `event`, done by `thread`.
    #[inline]
    pub(crate) fn apply(&mut self, thread: usize, event: usize, effect: Effect) {
        match effect {
            Effect::Plain => {}
            Effect::Read(object) => self.read(thread, event, object),
            Effect::Write(object) => self.write(thread, event, object),
            Effect::Acquire(object) => self.acquire(thread, object),
            Effect::Release(object) => self.release(thread, object, false),
            Effect::Update {
                object,
                acquire,
                release,
            } => {
                if acquire {
                    self.acquire(thread, object);
                }
                if release {
                    self.release(thread, object, true);
                }
            }
            Effect::Overwrite(object) => {
                let width = self.width;
                if let Some(row) = self.objects.get_mut(object * width..(object + 1) * width) {
                    row.fill(0);
                }
            }
            Effect::Spawn(child) => self.spawn(thread, child),
            Effect::Join(child) => self.join(thread, child),
        }
    }

    /// Takes `object`'s released clock into `thread`'s.
    fn acquire(&mut self, thread: usize, object: ObjectId) {
        self.fit_thread(thread);
        let width = self.width;
        if let Some(released) = self.objects.get(object * width..(object + 1) * width) {
            join_into(&mut self.threads[thread * width..][..width], released);
        }
    }

    /// Leaves `thread`'s clock in `object`: in place of what was there, or (`continued`, a
    /// read-modify-write continuing a release sequence) joined with it. Then the thread
    /// moves on to a new epoch.
    fn release(&mut self, thread: usize, object: ObjectId, continued: bool) {
        self.fit_thread(thread);
        self.fit_object(object);
        let width = self.width;
        let mine = &self.threads[thread * width..][..width];
        let kept = &mut self.objects[object * width..][..width];
        if continued {
            join_into(kept, mine);
        } else {
            kept.copy_from_slice(mine);
        }
        self.threads[thread * width + thread] += 1;
    }

    /// The parent's past happens before the child; the parent moves on to a new epoch.
    fn spawn(&mut self, parent: usize, child: usize) {
        self.fit_thread(parent.max(child));
        let width = self.width;
        self.threads
            .copy_within(parent * width..(parent + 1) * width, child * width);
        self.threads[child * width + child] = 1;
        self.threads[parent * width + parent] += 1;
    }

    /// The child's whole life happens before the joiner's future.
    fn join(&mut self, joiner: usize, child: usize) {
        if joiner == child {
            return;
        }
        self.fit_thread(joiner.max(child));
        let width = self.width;
        let (low, high) = self.threads.split_at_mut(joiner.max(child) * width);
        let (mine, theirs) = if joiner < child {
            (&mut low[joiner * width..][..width], &high[..width])
        } else {
            (&mut high[..width], &low[child * width..][..width])
        };
        join_into(mine, theirs);
    }

    /// Puts the races found since `found` in event order and keeps the first
    /// [`MAX_RACES`] of the execution.
    fn keep_first_races(races: &mut Vec<Race>, found: usize) {
        if races.len() > found {
            races[found..].sort_by_key(|race| race.first);
            races.truncate(MAX_RACES);
        }
    }

    /// Makes room for `object`'s history.
    fn fit_history(&mut self, object: ObjectId) {
        if self.shared.len() <= object {
            self.shared.resize_with(object + 1, History::default);
        }
    }

    fn read(&mut self, thread: usize, event: usize, object: ObjectId) {
        self.fit_thread(thread);
        self.fit_history(object);
        let clock = &self.threads[thread * self.width..][..self.width];
        let history = &mut self.shared[object];
        if let Some(write) = history.write {
            if write.thread != thread && write.epoch > clock[write.thread] {
                let found = self.races.len();
                self.races.push(Race {
                    first: write.event,
                    second: event,
                });
                Self::keep_first_races(&mut self.races, found);
            }
        }
        let access = Access {
            thread,
            epoch: clock[thread],
            event,
        };
        match history.reads.iter_mut().find(|r| r.thread == thread) {
            Some(read) => *read = access,
            None => history.reads.push(access),
        }
    }

    fn write(&mut self, thread: usize, event: usize, object: ObjectId) {
        self.fit_thread(thread);
        self.fit_history(object);
        let clock = &self.threads[thread * self.width..][..self.width];
        let history = &mut self.shared[object];
        // Racing accesses go straight into `races`, then are put in event order.
        let found = self.races.len();
        let earlier = history.write.iter().chain(&history.reads);
        for access in earlier {
            if access.thread != thread && access.epoch > clock[access.thread] {
                self.races.push(Race {
                    first: access.event,
                    second: event,
                });
            }
        }
        Self::keep_first_races(&mut self.races, found);
        history.write = Some(Access {
            thread,
            epoch: clock[thread],
            event,
        });
        history.reads.clear();
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
    fn clocks_kept_before_the_table_widened_still_order() {
        // Thread 1 releases the lock while clocks have room for 8 threads; thread 12,
        // spawned after they grew, acquires it.
        let mut hb = spawned(3);
        hb.apply(1, 3, Effect::Write(9));
        hb.apply(1, 4, Effect::Release(5));
        for child in 4..=12 {
            hb.apply(0, child + 1, Effect::Spawn(child));
        }
        hb.apply(12, 14, Effect::Acquire(5));
        hb.apply(12, 15, Effect::Write(9));
        assert!(hb.races().is_empty(), "{:?}", hb.races());
        // Thread 11 took no lock: its read races with thread 12's write.
        hb.apply(11, 16, Effect::Read(9));
        assert_eq!(
            hb.races(),
            &[Race {
                first: 15,
                second: 16
            }]
        );
        // Emptied, the widened state finds what a fresh one finds.
        hb.reset();
        let effects = [
            (0, Effect::Spawn(1)),
            (1, Effect::Write(9)),
            (1, Effect::Release(5)),
            (0, Effect::Spawn(2)),
            (2, Effect::Read(9)),
            (0, Effect::Acquire(5)),
            (0, Effect::Read(9)),
        ];
        let races = applied(hb, &effects);
        assert_eq!(races, applied(HappensBefore::default(), &effects));
        assert_eq!(
            races,
            [Race {
                first: 1,
                second: 4
            }]
        );
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
