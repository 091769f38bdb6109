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
//! The search reaches every order of dependent transitions, hence every outcome, deadlock
//! and race, and on the models measured it runs exactly one execution per such order
//! (source-DPOR may run a few more elsewhere): the counter's two threads of three locked
//! increments take 20 executions, one per order of the six increments, and the locked
//! ticket office with S sellers and T tickets takes S^T · S! executions, one per order in
//! which the sellers take the lock (checked against the unreduced search and loom in `tests/reduction.rs`
//! and on random programs in `tests/random_programs.rs`).
//!
//! What the log does not show cannot be analysed: a search whose executions start processes
//! (their liveness and termination are not events) explores without it.

use crate::context::Log;
use crate::trace::Op;
use std::collections::BTreeSet;

/// What one transition touched.
#[derive(Clone, Debug, Default)]
pub(crate) struct Transition {
    /// The model thread that ran it.
    thread: usize,
    reads: BTreeSet<String>,
    writes: BTreeSet<String>,
    /// Orderings it starts: a thread's start (by its spawn) or end (by its last step).
    marks: BTreeSet<String>,
    /// Orderings it must follow: its own thread's start, the end of a thread it joins.
    /// Such pairs are ordered but never race: the later one cannot run before the other.
    follows: BTreeSet<String>,
    /// Events and side notes recorded: none when the thread only blocked (a lock not yet
    /// released, a join of a running thread) or only got to its first operation.
    recorded: usize,
}

impl Transition {
    /// True if the two touch an object that one of them writes.
    pub(crate) fn dependent(&self, other: &Transition) -> bool {
        self.writes
            .iter()
            .any(|key| other.writes.contains(key) || other.reads.contains(key))
            || other.writes.iter().any(|key| self.reads.contains(key))
    }

    /// This transition followed by `next`, a later one of the same thread, as one.
    pub(crate) fn merge(&mut self, next: &Transition) {
        self.reads.extend(next.reads.iter().cloned());
        self.writes.extend(next.writes.iter().cloned());
        self.marks.extend(next.marks.iter().cloned());
        self.follows.extend(next.follows.iter().cloned());
        self.recorded += next.recorded;
    }

    /// True if it recorded anything. A thread that recorded nothing may not have moved (it
    /// blocked), so its next transition is not known from this one.
    pub(crate) fn made_progress(&self) -> bool {
        self.recorded > 0
    }
}

/// The transitions of a finished execution: `decisions` gives, in order, the thread chosen
/// at each decision and the log's length when it was made.
pub(crate) fn transitions(
    log: &Log,
    decisions: impl IntoIterator<Item = (usize, usize)>,
) -> Vec<Transition> {
    let decisions: Vec<(usize, usize)> = decisions.into_iter().collect();
    (0..decisions.len())
        .map(|index| {
            let (thread, from) = decisions[index];
            let to = decisions.get(index + 1).map(|&(_, next)| next);
            transition(log, index, thread, from, to)
        })
        .collect()
}

/// What `thread` did after decision `index`: the log's events from `from` to `to` (to the
/// end, if `None`) and the side notes of that decision.
pub(crate) fn transition(
    log: &Log,
    index: usize,
    thread: usize,
    from: usize,
    to: Option<usize>,
) -> Transition {
    let start = |label: &str| format!("start {label}");
    let end = |label: &str| format!("end {label}");
    // The log names threads by label. Two threads of the same name cannot be told apart,
    // and an order carried through the wrong one would hide races: their spawns, ends and
    // joins are then plain writes of one key, dependent on each other (more races, never
    // fewer).
    let unique = |label: &str| log.threads.iter().filter(|t| &*t.label == label).count() == 1;
    let shared_key = |label: &str| format!("\u{0}thread {label}");
    let to = to.unwrap_or(log.events.len()).min(log.events.len());
    let mut transition = Transition {
        thread,
        ..Transition::default()
    };
    if let Some(own) = log.threads.get(thread).filter(|own| unique(&own.label)) {
        transition.follows.insert(start(&own.label));
    }
    let events = log.events.get(from..to).unwrap_or_default();
    transition.recorded = events.len();
    for event in events {
        match event.op {
            // Notes and scheduling hints: nothing another thread can see.
            Op::Block | Op::Yield | Op::Sleep => {}
            Op::Get | Op::Load => {
                transition.reads.insert(event.object.to_string());
            }
            Op::Spawn | Op::Join | Op::Finish => {
                let label = if event.op == Op::Finish {
                    &log.threads[event.thread].label
                } else {
                    &event.object
                };
                if !unique(label) {
                    transition.writes.insert(shared_key(label));
                } else if event.op == Op::Spawn {
                    transition.marks.insert(start(label));
                } else if event.op == Op::Join {
                    transition.follows.insert(end(label));
                } else {
                    transition.marks.insert(end(label));
                }
            }
            Op::Print => {
                transition.writes.insert("\u{0}stdout".into());
            }
            // The unlock step only announces the release, which the engine performs after
            // its next scheduling point (see `Log::releases`). A lock cannot be taken before
            // the release that frees it, so the two never race: a lock's races are with the
            // other takings of it. A `try_lock` also races with the release (it finds the
            // lock busy or free).
            Op::Unlock => {}
            Op::TryLock => {
                transition.writes.insert(event.object.to_string());
                transition.writes.insert(released_key(&event.object));
            }
            _ => {
                transition.writes.insert(event.object.to_string());
            }
        }
    }
    // Side notes carry the number of the decision they followed.
    if log.output_reads.contains(&index) {
        transition.reads.insert("\u{0}stdout".into());
        transition.recorded += 1;
    }
    // A release conflicts with a `try_lock` (which writes the key), not with another
    // release: those are ordered by the takings of the lock in between.
    for (_, lock) in log.releases.iter().filter(|(at, _)| *at == index) {
        transition.reads.insert(released_key(lock));
        transition.recorded += 1;
    }
    transition
}

fn released_key(lock: &str) -> String {
    format!("\u{0}released {lock}")
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

/// Every race of the execution: each transition against each earlier one of another
/// thread that it depends on directly, with nothing in between ordering the two.
pub(crate) fn races(transitions: &[Transition]) -> Vec<Race> {
    let n = transitions.len();
    let words = n.div_ceil(64);
    let has = |set: &[u64], i: usize| set[i / 64] & (1 << (i % 64)) != 0;
    let add = |set: &mut [u64], i: usize| set[i / 64] |= 1 << (i % 64);
    // before[k]: the transitions that happen before k (itself included), through program
    // order and dependence.
    let mut before: Vec<Vec<u64>> = Vec::with_capacity(n);
    for k in 0..n {
        let mut set = vec![0u64; words];
        add(&mut set, k);
        for m in 0..k {
            if ordered(&transitions[m], &transitions[k]) {
                for (word, bits) in set.iter_mut().zip(&before[m]) {
                    *word |= bits;
                }
            }
        }
        before.push(set);
    }
    let mut races = Vec::new();
    for k in 0..n {
        // What reaches k through transitions between j and k; j races with k if it is
        // dependent on k and not in there. Not only the last such j: with several, each
        // order has to be reversed (two reads of a value that k writes, say).
        let mut reach = vec![0u64; words];
        for j in (0..k).rev() {
            if !has(&reach, j)
                && transitions[j].thread != transitions[k].thread
                && transitions[j].dependent(&transitions[k])
            {
                races.push(Race {
                    earlier: j,
                    later: k,
                    initials: initials(transitions, &before, j, k),
                });
            }
            if ordered(&transitions[j], &transitions[k]) {
                for (word, bits) in reach.iter_mut().zip(&before[j]) {
                    *word |= bits;
                }
            }
        }
    }
    races
}

/// The threads that can run first in the reversed order of the race `j`, `k`: the
/// transitions between them that do not happen after `j`, then `k`, and of those, the
/// threads whose first transition there has nothing among them before it.
fn initials(transitions: &[Transition], before: &[Vec<u64>], j: usize, k: usize) -> Vec<usize> {
    let has = |set: &[u64], i: usize| set[i / 64] & (1 << (i % 64)) != 0;
    // A transition that recorded nothing (a thread reaching its first operation, or
    // finding a lock still held) is no event: it neither races nor starts an order.
    let reversed: Vec<usize> = (j + 1..k)
        .filter(|&m| transitions[m].made_progress() && !has(&before[m], j))
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
            .any(|&other| other != m && has(&before[m], other));
        if !preceded {
            threads.push(thread);
        }
    }
    threads
}

/// `m` comes before `k` in `k`'s history: same thread, dependent, or `k` follows what `m`
/// marks (a spawn before the child's steps, a thread's end before its join).
fn ordered(m: &Transition, k: &Transition) -> bool {
    m.thread == k.thread || m.dependent(k) || m.marks.iter().any(|key| k.follows.contains(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transition(thread: usize, reads: &[&str], writes: &[&str]) -> Transition {
        Transition {
            thread,
            reads: reads.iter().map(|s| s.to_string()).collect(),
            writes: writes.iter().map(|s| s.to_string()).collect(),
            recorded: 1,
            ..Transition::default()
        }
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
