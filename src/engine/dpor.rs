//! Dynamic partial-order reduction for the DFS engine: source-DPOR with sleep sets (Abdulla,
//! Aronis, Jonsson and Sagonas, POPL 2014), computed from the facade's own event log.
//!
//! A *transition* is what one thread does between two scheduling decisions of the DFS: the
//! events the log gained meanwhile. Two transitions of different threads are *dependent*
//! when they touch the same object and one of them writes it (takings of a lock, atomic
//! writes, `Shared` writes and reads, prints and reads of the output). Some pairs are
//! *ordered* without being dependent: a spawn comes before every step of the child, and a
//! thread's end before its join. Such a pair can never run the other way round, so it is
//! no race, but it carries the order on: a step of the child after the spawn is not in a
//! race with what the parent did before the spawn.
//!
//! Once an execution has ended, every transition `k` is checked against the transitions
//! before it: each `j` of another thread that `k` depends on, and that nothing between them
//! orders before `k`, is a race whose other order has to be explored (a write races with
//! every read of the value it overwrites, not only the last). The decision before `j` must
//! then try a thread that can start the other order: one of the *initials* of the
//! transitions after `j` that do not depend on it, followed by `k`. If one is already among
//! its choices, nothing is added. Sleep sets keep a decision from trying a thread whose next
//! transition was explored from an earlier decision and commutes with everything since.
//!
//! Transitions that record nothing (a thread running up to its first operation, or finding
//! a lock whose release is still pending) are not events: they neither race nor start an
//! order. So that choosing a thread means choosing what it does next, a thread that did
//! nothing visible at a decision goes on at the next one without a choice (unless another
//! thread became runnable meanwhile); races are then charged to the decision before.
//!
//! A *quiet* critical section is one in which the holder does nothing but read and write
//! `Shared` variables (no other facade operation, hence no scheduling point, between its
//! `lock` and `unlock`) and never reaches the mutex's content, whose changes no event
//! shows: the whole section is one transition, and its `lock` *reads* the lock instead of
//! writing it. Two quiet sections of one lock run one after the other whichever goes first,
//! and leave the same state unless their accesses conflict, which their `Shared` keys show;
//! so they race only then. Every other taking of the lock (a section that does more, a
//! `try_lock`) writes it as before, and races with every taking. (With data races this
//! would not hold; but the reduction that makes `Shared` accesses non-points is only trusted
//! for race-free programs, see [`super::reduction`].)
//!
//! The search reaches every order of dependent transitions, hence every outcome, deadlock
//! and race, and on the models measured it runs exactly one execution per such order
//! (source-DPOR may run a few more elsewhere): the counter's two threads of three locked
//! increments take 20 executions, one per order of the six increments (each reaches the
//! mutex's content), and the locked ticket office with S sellers and T tickets takes S^T,
//! one per order of the sales (the sellers' final looks at the empty count are quiet
//! reads, whose S! orders are one). Checked against the unreduced search and loom in
//! `tests/reduction.rs` and on random programs in `tests/random_programs.rs`.
//!
//! What the log does not show cannot be analysed: a search whose executions start processes
//! (their liveness and termination are not events) explores without it.

use crate::context::Log;
use crate::trace::Op;
use std::collections::HashMap;
use std::sync::Arc;

/// Something a transition touches (an object, a thread's start or end, standard output,
/// a lock's release), as a number. The numbers are the search's: transitions kept from
/// earlier executions (sleep sets) are compared with new ones, so a key keeps its number
/// for the whole search.
type Key = u32;

/// The kinds of keys; each names its key by a label (an object's or a thread's name).
#[derive(Clone, Copy)]
enum Kind {
    Object,
    Start,
    End,
    /// A thread whose name another thread shares: its spawns, ends and joins are plain
    /// writes of one key (see [`transition`]).
    SharedThread,
    Released,
    Stdout,
}

/// Numbers the keys of one search.
#[derive(Default)]
pub(crate) struct Keys {
    numbers: [HashMap<Arc<str>, Key>; 6],
    next: Key,
}

impl Keys {
    fn key(&mut self, kind: Kind, label: &Arc<str>) -> Key {
        let numbers = &mut self.numbers[kind as usize];
        if let Some(&key) = numbers.get(&**label) {
            return key;
        }
        let key = self.next;
        self.next += 1;
        numbers.insert(Arc::clone(label), key);
        key
    }
}

/// A small set of keys: a transition touches a handful at most, kept inline.
#[derive(Clone, Debug, Default)]
struct KeySet(smallvec::SmallVec<[Key; 4]>);

impl KeySet {
    fn insert(&mut self, key: Key) {
        if !self.0.contains(&key) {
            self.0.push(key);
        }
    }

    fn contains(&self, key: Key) -> bool {
        self.0.contains(&key)
    }

    fn meets(&self, other: &KeySet) -> bool {
        self.0.iter().any(|&key| other.contains(key))
    }

    fn extend(&mut self, other: &KeySet) {
        for &key in &other.0 {
            self.insert(key);
        }
    }
}

/// What one transition touched.
#[derive(Clone, Debug, Default)]
pub(crate) struct Transition {
    /// The model thread that ran it.
    thread: usize,
    reads: KeySet,
    writes: KeySet,
    /// Orderings it starts: a thread's start (by its spawn) or end (by its last step).
    marks: KeySet,
    /// Orderings it must follow: its own thread's start, the end of a thread it joins.
    /// Such pairs are ordered but never race: the later one cannot run before the other.
    follows: KeySet,
    /// Events and side notes recorded: none when the thread only blocked (a lock not yet
    /// released, a join of a running thread) or only got to its first operation.
    recorded: usize,
}

impl Transition {
    /// True if the two touch an object that one of them writes.
    pub(crate) fn dependent(&self, other: &Transition) -> bool {
        self.writes.meets(&other.writes)
            || self.writes.meets(&other.reads)
            || other.writes.meets(&self.reads)
    }

    /// This transition followed by `next`, a later one of the same thread, as one.
    pub(crate) fn merge(&mut self, next: &Transition) {
        self.reads.extend(&next.reads);
        self.writes.extend(&next.writes);
        self.marks.extend(&next.marks);
        self.follows.extend(&next.follows);
        self.recorded += next.recorded;
    }

    /// True if it recorded anything. A thread that recorded nothing may not have moved (it
    /// blocked), so its next transition is not known from this one.
    pub(crate) fn made_progress(&self) -> bool {
        self.recorded > 0
    }
}

/// A finished execution's transitions and how they are ordered: what the races are
/// computed from. The DFS keeps it for the next execution, which repeats this one's
/// decisions up to the one where it leaves it: that much is reused, not recomputed.
pub(crate) struct Analysis {
    transitions: Vec<Transition>,
    before: Before,
}

impl Analysis {
    /// Analyses an execution: `decisions` gives, in order, the thread chosen at each
    /// decision and the log's length when it was made. `earlier` is the analysis of an
    /// execution whose first `same` decisions this one repeated.
    pub(crate) fn new(
        log: &Log,
        keys: &mut Keys,
        decisions: &[(usize, usize)],
        earlier: Option<Analysis>,
        same: usize,
    ) -> Analysis {
        let (mut transitions, before) = match earlier {
            Some(earlier) => (earlier.transitions, Some(earlier.before)),
            None => (Vec::new(), None),
        };
        let same = same.min(transitions.len()).min(decisions.len());
        transitions.truncate(same);
        let shared_names = shared_names(log);
        for index in same..decisions.len() {
            let (thread, from) = decisions[index];
            let to = decisions.get(index + 1).map(|&(_, next)| next);
            let transition = transition_in(log, keys, &shared_names, index, thread, from, to);
            transitions.push(transition);
        }
        let before = Before::new(&transitions, before, same);
        Analysis {
            transitions,
            before,
        }
    }

    pub(crate) fn transitions(&self) -> &[Transition] {
        &self.transitions
    }

    /// The races of the execution: each transition from `from` on against each earlier
    /// one of another thread that it depends on directly, with nothing in between ordering
    /// the two. (The DFS passes the decision where the execution left the one before: the
    /// races of the transitions before it were found then.)
    pub(crate) fn races(&self, from: usize) -> Vec<Race> {
        races_in(&self.transitions, &self.before, from)
    }
}

/// What `thread` did after decision `index`: the log's events from `from` to `to` (to the
/// end, if `None`) and the side notes of that decision.
pub(crate) fn transition(
    log: &Log,
    keys: &mut Keys,
    index: usize,
    thread: usize,
    from: usize,
    to: Option<usize>,
) -> Transition {
    transition_in(log, keys, &shared_names(log), index, thread, from, to)
}

/// The thread names that more than one thread has.
fn shared_names(log: &Log) -> Vec<&Arc<str>> {
    let mut names: Vec<&Arc<str>> = log.threads.iter().map(|t| &t.label).collect();
    names.sort_unstable();
    names
        .windows(2)
        .filter(|pair| pair[0] == pair[1])
        .map(|pair| pair[0])
        .collect()
}

fn transition_in(
    log: &Log,
    keys: &mut Keys,
    shared_names: &[&Arc<str>],
    index: usize,
    thread: usize,
    from: usize,
    to: Option<usize>,
) -> Transition {
    // The log names threads by label. Two threads of the same name cannot be told apart,
    // and an order carried through the wrong one would hide races: their spawns, ends and
    // joins are then plain writes of one key, dependent on each other (more races, never
    // fewer).
    let unique = |label: &Arc<str>| !shared_names.contains(&label);
    let to = to.unwrap_or(log.events.len()).min(log.events.len());
    let mut transition = Transition {
        thread,
        ..Transition::default()
    };
    if let Some(own) = log.threads.get(thread).filter(|own| unique(&own.label)) {
        transition.follows.insert(keys.key(Kind::Start, &own.label));
    }
    let events = log.events.range(from..to);
    transition.recorded = events.len();
    for (at, event) in (from..).zip(events) {
        match event.op {
            // Notes and scheduling hints: nothing another thread can see.
            Op::Block | Op::Yield | Op::Sleep => {}
            Op::Get | Op::Load => {
                transition
                    .reads
                    .insert(keys.key(Kind::Object, event.object));
            }
            Op::Spawn | Op::Join | Op::Finish => {
                let label = if event.op == Op::Finish {
                    &log.threads[event.thread].label
                } else {
                    event.object
                };
                if !unique(label) {
                    transition
                        .writes
                        .insert(keys.key(Kind::SharedThread, label));
                } else if event.op == Op::Spawn {
                    transition.marks.insert(keys.key(Kind::Start, label));
                } else if event.op == Op::Join {
                    transition.follows.insert(keys.key(Kind::End, label));
                } else {
                    transition.marks.insert(keys.key(Kind::End, label));
                }
            }
            Op::Print => {
                transition.writes.insert(keys.key(Kind::Stdout, no_label()));
            }
            // The unlock step only announces the release, which the engine performs after
            // its next scheduling point (see `Log::releases`). A lock cannot be taken before
            // the release that frees it, so the two never race: a lock's races are with the
            // other takings of it. A `try_lock` also races with the release (it finds the
            // lock busy or free).
            Op::Unlock => {}
            // A quiet critical section (nothing but `Shared` accesses, all in this
            // transition) only reads the lock: two of them commute unless their accesses
            // conflict, which their own keys show. Any other taking of the lock (a section
            // that does more, a `try_lock`) writes it, and races with every taking.
            Op::Lock if log.quiet_sections.binary_search(&at).is_ok() => {
                transition
                    .reads
                    .insert(keys.key(Kind::Object, event.object));
            }
            Op::TryLock => {
                transition
                    .writes
                    .insert(keys.key(Kind::Object, event.object));
                transition
                    .writes
                    .insert(keys.key(Kind::Released, event.object));
            }
            _ => {
                transition
                    .writes
                    .insert(keys.key(Kind::Object, event.object));
            }
        }
    }
    // Side notes carry the number of the decision they followed.
    if log.output_reads.contains(&index) {
        transition.reads.insert(keys.key(Kind::Stdout, no_label()));
        transition.recorded += 1;
    }
    // A release conflicts with a `try_lock` (which writes the key), not with another
    // release: those are ordered by the takings of the lock in between.
    for (_, lock) in log.releases.iter().filter(|(at, _)| *at == index) {
        transition.reads.insert(keys.key(Kind::Released, lock));
        transition.recorded += 1;
    }
    transition
}

/// The label of a key that needs none (standard output).
fn no_label() -> &'static Arc<str> {
    crate::context::no_object()
}

/// A race between transitions `earlier` and `later` of two threads: the order of the two
/// must be reversed in some other execution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Race {
    /// The transition that ran first.
    pub(crate) earlier: usize,
    /// The transition that ran second.
    pub(crate) later: usize,
    /// The threads that can start the reversed order at `earlier`'s decision: of the
    /// transitions after `earlier` that do not depend on it, followed by `later`, those
    /// that nothing among them has to precede (the *initials* of source-DPOR, Abdulla et
    /// al., POPL 2014), in the order they ran.
    pub(crate) initials: Vec<usize>,
}

fn races_in(transitions: &[Transition], before: &Before, from: usize) -> Vec<Race> {
    let n = transitions.len();
    let mut races = Vec::new();
    let mut reach = vec![0u64; before.words];
    for k in from..n {
        // What reaches k through transitions between j and k; j races with k if it is
        // dependent on k and not in there. Not only the last such j: with several, each
        // order has to be reversed (two reads of a value that k writes, say).
        // (A history is closed: once j is in `reach`, so is all that happens before j.)
        reach.fill(0);
        for j in (0..k).rev() {
            if has(&reach, j) {
                continue;
            }
            if has(before.conflicts(k), j) {
                races.push(Race {
                    earlier: j,
                    later: k,
                    initials: initials(transitions, before, j, k),
                });
            }
            if has(before.directly(k), j) {
                for (word, bits) in reach.iter_mut().zip(before.of(j)) {
                    *word |= bits;
                }
            }
        }
    }
    races
}

fn has(set: &[u64], i: usize) -> bool {
    set[i / 64] & (1 << (i % 64)) != 0
}

/// For each transition `k`, bit sets over the transitions before it: those that happen
/// before it (itself included) through program order and dependence; those ordered before
/// it directly; and those of other threads that it depends on (its possible races).
struct Before {
    words: usize,
    history: Vec<u64>,
    direct: Vec<u64>,
    conflicts: Vec<u64>,
}

impl Before {
    /// The sets of `transitions`; those of the first `same` are taken from `earlier` (made
    /// for transitions that began the same way) when its rows are as wide.
    fn new(transitions: &[Transition], earlier: Option<Before>, same: usize) -> Self {
        let n = transitions.len();
        let words = n.div_ceil(64);
        let (mut before, same) = match earlier {
            Some(earlier) if earlier.words == words => (earlier, same),
            _ => (
                Before {
                    words,
                    history: Vec::new(),
                    direct: Vec::new(),
                    conflicts: Vec::new(),
                },
                0,
            ),
        };
        for rows in [
            &mut before.history,
            &mut before.direct,
            &mut before.conflicts,
        ] {
            rows.truncate(same * words);
            rows.resize(n * words, 0);
        }
        for k in same..n {
            let row = k * words..(k + 1) * words;
            for m in 0..k {
                let (earlier, later) = (&transitions[m], &transitions[k]);
                let other_thread = earlier.thread != later.thread;
                let dependent = earlier.dependent(later);
                if other_thread && dependent {
                    before.conflicts[row.start + m / 64] |= 1 << (m % 64);
                }
                // Directly ordered: same thread, dependent, or `k` follows what `m` marks (a
                // spawn before the child's steps, a thread's end before its join).
                if !other_thread || dependent || earlier.marks.meets(&later.follows) {
                    before.direct[row.start + m / 64] |= 1 << (m % 64);
                }
            }
            let (earlier, rest) = before.history.split_at_mut(row.start);
            let set = &mut rest[..words];
            set[k / 64] |= 1 << (k % 64);
            // Latest first: a history already in the set brings all of its own.
            for m in (0..k).rev() {
                if !has(set, m) && has(&before.direct[row.clone()], m) {
                    let of_m = &earlier[m * words..(m + 1) * words];
                    for (word, bits) in set.iter_mut().zip(of_m) {
                        *word |= bits;
                    }
                }
            }
        }
        before
    }

    fn of(&self, k: usize) -> &[u64] {
        &self.history[k * self.words..(k + 1) * self.words]
    }

    fn directly(&self, k: usize) -> &[u64] {
        &self.direct[k * self.words..(k + 1) * self.words]
    }

    fn conflicts(&self, k: usize) -> &[u64] {
        &self.conflicts[k * self.words..(k + 1) * self.words]
    }
}

/// The threads that can run first in the reversed order of the race `j`, `k`: the
/// transitions between them that do not happen after `j`, then `k`, and of those, the
/// threads whose first transition there has nothing among them before it.
fn initials(transitions: &[Transition], before: &Before, j: usize, k: usize) -> Vec<usize> {
    // A transition that recorded nothing (a thread reaching its first operation, or
    // finding a lock still held) is no event: it neither races nor starts an order.
    let reversed: Vec<usize> = (j + 1..k)
        .filter(|&m| transitions[m].made_progress() && !has(before.of(m), j))
        .chain([k])
        .collect();
    let mut threads = Vec::new();
    let mut seen = Vec::new();
    for &m in &reversed {
        let thread = transitions[m].thread;
        if seen.contains(&thread) {
            continue;
        }
        seen.push(thread);
        let preceded = reversed
            .iter()
            .any(|&other| other != m && has(before.of(m), other));
        if !preceded {
            threads.push(thread);
        }
    }
    threads
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Objects are named by one letter: `x` is key 0, `y` key 1, and so on.
    fn transition(thread: usize, reads: &[&str], writes: &[&str]) -> Transition {
        let keys = |names: &[&str]| {
            KeySet(
                names
                    .iter()
                    .map(|n| Key::from(n.as_bytes()[0] - b'x'))
                    .collect(),
            )
        };
        Transition {
            thread,
            reads: keys(reads),
            writes: keys(writes),
            recorded: 1,
            ..Transition::default()
        }
    }

    fn races(ts: &[Transition]) -> Vec<Race> {
        races_in(ts, &Before::new(ts, None, 0), 0)
    }

    fn pairs(ts: &[Transition]) -> Vec<(usize, usize)> {
        races(ts).iter().map(|r| (r.earlier, r.later)).collect()
    }

    #[test]
    fn independent_transitions_do_not_race_and_dependent_ones_do() {
        let ts = [
            transition(1, &[], &["x"]),
            transition(2, &[], &["y"]),
            transition(2, &["x"], &[]),
        ];
        assert_eq!(pairs(&ts), [(0, 2)]);
        let reads = [transition(1, &["x"], &[]), transition(2, &["x"], &[])];
        assert!(pairs(&reads).is_empty());
    }

    #[test]
    fn a_race_ordered_through_a_third_transition_is_not_reported() {
        // 1 writes x, 2 reads x then writes y, 3 reads y then writes x: 0 reaches 3 through
        // 1 and 2, so only the direct neighbours race.
        let ts = [
            transition(1, &[], &["x"]),
            transition(2, &["x"], &["y"]),
            transition(3, &["y"], &["x"]),
        ];
        assert_eq!(pairs(&ts), [(0, 1), (1, 2)]);
    }

    #[test]
    fn races_are_found_alike_in_executions_of_more_than_64_transitions() {
        // The chain above, spread over two words of each bit set by a fourth thread that
        // works alone on z in between.
        let alone = |n| (0..n).map(|_| transition(4, &[], &["z"]));
        let ts: Vec<_> = [transition(1, &[], &["x"])]
            .into_iter()
            .chain(alone(69))
            .chain([transition(2, &["x"], &["y"])])
            .chain(alone(9))
            .chain([transition(3, &["y"], &["x"])])
            .collect();
        assert_eq!(pairs(&ts), [(0, 70), (70, 80)]);
    }

    #[test]
    fn a_race_reversed_must_start_with_an_initial() {
        // 1 writes x; 2 writes y; 3 reads y, then reads x: the race of 0 with 3 is reversed
        // by running 2 (whose write 3 reads first) at 0's decision; 3 cannot go first.
        let ts = [
            transition(1, &[], &["x"]),
            transition(2, &[], &["y"]),
            transition(3, &["y"], &[]),
            transition(3, &["x"], &[]),
        ];
        let race = races(&ts).into_iter().find(|r| r.later == 3).unwrap();
        assert_eq!(race.earlier, 0);
        assert_eq!(race.initials, [2]);
    }

    /// A log of `events` (thread, operation, object) by the main thread and a thread `a`,
    /// cut into transitions at `cuts` (each decision's thread and first event), with the
    /// side notes that `notes` adds.
    fn logged(
        events: &[(usize, Op, &str)],
        cuts: &[(usize, usize)],
        notes: impl FnOnce(&mut Log),
    ) -> Vec<Transition> {
        use crate::context::{Status, ThreadState};
        let thread = |label: &str| ThreadState::unspawned(label, Status::Finished);
        let mut log = Log::default();
        log.threads = vec![thread("main"), thread("a")];
        for (at, &(thread, op, object)) in events.iter().enumerate() {
            log.events.push(
                at + 1,
                thread,
                op,
                &Arc::from(object),
                crate::event_log::Logged::None,
            );
        }
        notes(&mut log);
        let mut keys = Keys::default();
        Analysis::new(&log, &mut keys, cuts, None, 0).transitions
    }

    #[test]
    fn a_spawn_orders_the_child_after_it_and_an_end_orders_the_join_after_it() {
        let ts = logged(
            &[
                (0, Op::Spawn, "a"),
                (1, Op::Set, "x"),
                (1, Op::Finish, ""),
                (0, Op::Join, "a"),
            ],
            &[(0, 0), (1, 1), (0, 3)],
            |_| {},
        );
        let (spawn, child, join) = (&ts[0], &ts[1], &ts[2]);
        assert!(spawn.marks.meets(&child.follows), "{spawn:?} {child:?}");
        assert!(child.marks.meets(&join.follows), "{child:?} {join:?}");
        assert!(!spawn.marks.meets(&join.follows), "{spawn:?} {join:?}");
        assert!(!child.marks.meets(&spawn.follows), "{child:?} {spawn:?}");
        assert!(!spawn.dependent(child) && !child.dependent(join));
    }

    #[test]
    fn waits_yields_and_sleeps_touch_nothing_another_thread_sees() {
        let ts = logged(
            &[
                (1, Op::Block, "lock"),
                (1, Op::Yield, ""),
                (1, Op::Sleep, "clock"),
                (0, Op::Block, "lock"),
                (0, Op::Yield, ""),
                (0, Op::Sleep, "clock"),
            ],
            &[(1, 0), (0, 3)],
            |_| {},
        );
        for t in &ts {
            assert!(t.reads.0.is_empty() && t.writes.0.is_empty(), "{t:?}");
            assert_eq!(t.recorded, 3);
        }
        assert!(!ts[0].dependent(&ts[1]));
    }

    #[test]
    fn a_print_and_a_read_of_the_output_depend_on_each_other() {
        let events = [(1, Op::Print, "stdout"), (0, Op::Get, "x")];
        let cuts = [(1, 0), (0, 1), (1, 2)];
        // The main thread reads the output after decision 1, and thread `a` after
        // decision 2, where it records nothing else: the read alone is its progress.
        let ts = logged(&events, &cuts, |log| log.output_reads = vec![1, 2]);
        assert!(ts[0].dependent(&ts[1]), "{ts:?}");
        assert_eq!((ts[1].recorded, ts[2].recorded), (2, 1));
        assert!(ts[2].made_progress());
        let quiet = logged(&events, &cuts, |_| {});
        assert!(!quiet[0].dependent(&quiet[1]), "{quiet:?}");
        assert!(!quiet[2].made_progress());
    }

    #[test]
    fn a_release_depends_on_a_try_lock_of_the_lock_not_on_another_release() {
        let events = [(1, Op::TryLock, "lock"), (0, Op::Get, "x")];
        let cuts = [(1, 0), (0, 1), (1, 2)];
        // The engine really released the lock after decisions 1 and 2.
        let ts = logged(&events, &cuts, |log| {
            log.releases = vec![(1, Arc::from("lock")), (2, Arc::from("lock"))]
        });
        assert!(ts[0].dependent(&ts[1]), "{ts:?}");
        assert!(!ts[1].dependent(&ts[2]), "{ts:?}");
        assert_eq!((ts[1].recorded, ts[2].recorded), (2, 1));
    }

    #[test]
    fn a_write_races_with_every_read_before_it_not_only_the_last() {
        // 1 and 2 read x, then 3 writes it: both reads race with the write.
        let ts = [
            transition(1, &["x"], &[]),
            transition(2, &["x"], &[]),
            transition(3, &[], &["x"]),
        ];
        assert_eq!(pairs(&ts), [(1, 2), (0, 2)]);
        let race = races(&ts).into_iter().find(|r| r.earlier == 0).unwrap();
        // The reversed order keeps 2's read before the write (that pair is a race of its
        // own), so it starts with 2's read.
        assert_eq!(race.initials, [2]);
    }
}
