//! Dynamic partial-order reduction for the DFS engine, after Flanagan and Godefroid (POPL
//! 2005), computed from the facade's own event log.
//!
//! A *transition* is what one thread does between two scheduling decisions of the DFS: the
//! events the log gained meanwhile. Two transitions of different threads are *dependent*
//! when they touch the same object and one of them writes it (locks, unlocks, atomic
//! writes, `Shared` writes and reads, prints and reads of the output; a thread's spawn, end
//! and join all touch the thread). Once an execution has ended, every transition `k` is
//! checked against the transitions before it: the last one, `j`, that is dependent on `k`,
//! belongs to another thread and is ordered before `k` by nothing but that dependence, is a
//! race whose other order has to be explored. So the decision made before `j` gets `k`'s
//! thread added to the choices it must try (every choice, if that thread could not run
//! there). Decisions explore only the choices races gave them; the search still reaches
//! every order of dependent transitions, hence every outcome, deadlock and race, with far
//! fewer executions when threads mostly touch different objects or wait for one another.
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

    /// The thread that ran it.
    pub(crate) fn thread(&self) -> usize {
        self.thread
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
    let thread_key = |label: &str| format!("\u{0}thread {label}");
    let to = to.unwrap_or(log.events.len()).min(log.events.len());
    let mut transition = Transition {
        thread,
        ..Transition::default()
    };
    let events = log.events.get(from..to).unwrap_or_default();
    transition.recorded = events.len();
    for event in events {
        match event.op {
            // Notes and scheduling hints: nothing another thread can see.
            Op::Block | Op::Yield | Op::Sleep => {}
            Op::Get | Op::Load => {
                transition.reads.insert(event.object.clone());
            }
            Op::Finish => {
                transition
                    .writes
                    .insert(thread_key(&log.threads[event.thread].label));
            }
            Op::Spawn | Op::Join => {
                transition.writes.insert(thread_key(&event.object));
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
                transition.writes.insert(event.object.clone());
                transition.writes.insert(released_key(&event.object));
            }
            _ => {
                transition.writes.insert(event.object.clone());
            }
        }
    }
    // Side notes carry the number of the decision they followed.
    if log.output_reads.contains(&index) {
        transition.reads.insert("\u{0}stdout".into());
        transition.recorded += 1;
    }
    for (_, lock) in log.releases.iter().filter(|(at, _)| *at == index) {
        transition.writes.insert(released_key(lock));
        transition.recorded += 1;
    }
    transition
}

fn released_key(lock: &str) -> String {
    format!("\u{0}released {lock}")
}

/// For each transition, the last earlier one it races with: `(j, k)` pairs.
pub(crate) fn races(transitions: &[Transition]) -> Vec<(usize, usize)> {
    let n = transitions.len();
    let words = n.div_ceil(64);
    // before[k]: the transitions that happen before k (itself included), through program
    // order and dependence.
    let mut before: Vec<Vec<u64>> = Vec::with_capacity(n);
    for k in 0..n {
        let mut set = vec![0u64; words];
        set[k / 64] |= 1 << (k % 64);
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
        // dependent on k and not in there.
        let mut reach = vec![0u64; words];
        for j in (0..k).rev() {
            let contains = reach[j / 64] & (1 << (j % 64)) != 0;
            if !contains
                && transitions[j].thread != transitions[k].thread
                && transitions[j].dependent(&transitions[k])
            {
                races.push((j, k));
                break;
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

/// `m` comes before `k` in `k`'s history: same thread, or dependent.
fn ordered(m: &Transition, k: &Transition) -> bool {
    m.thread == k.thread || m.dependent(k)
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
        }
    }

    #[test]
    fn independent_transitions_do_not_race_and_dependent_ones_do() {
        let ts = [
            transition(1, &[], &["x"]),
            transition(2, &[], &["y"]),
            transition(2, &["x"], &[]),
        ];
        assert_eq!(races(&ts), [(0, 2)]);
        let reads = [transition(1, &["x"], &[]), transition(2, &["x"], &[])];
        assert!(races(&reads).is_empty());
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
        assert_eq!(races(&ts), [(0, 1), (1, 2)]);
    }
}
