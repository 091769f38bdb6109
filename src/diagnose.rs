//! Reading a failing trace for its story: which race, which update was lost, which steps to
//! mark.

use crate::race::Race;
use crate::report::CounterexampleKind;
use crate::trace::{Event, Op, Trace};

/// What a failing trace shows, worked out from its events alone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Diagnosis {
    /// The race that explains the failure best.
    pub(crate) race: Option<Race>,
    /// One line for a human: "lost update: ...".
    pub(crate) summary: Option<String>,
    /// Events to mark in the rendered trace, by index.
    pub(crate) marks: Vec<usize>,
    /// Events that lead up to the marked ones and must stay visible (the reads of a lost
    /// update).
    pub(crate) context: Vec<usize>,
}

/// A thread acting on a value it read after another thread had changed it: a lost update
/// when the action is a write, a check-then-act when it is a second read.
struct Stale {
    /// The acting thread's earlier read.
    read: usize,
    /// The other thread's write in between (the last one).
    changed: usize,
    /// The acting thread's next access.
    access: usize,
}

pub(crate) fn diagnose(trace: &Trace, kind: CounterexampleKind) -> Diagnosis {
    let last = trace.events.iter().rposition(|e| e.op != Op::Finish);
    match kind {
        CounterexampleKind::DataRace => {
            let stale = stale_access(trace, Op::Set).or_else(|| stale_access(trace, Op::Get));
            let race = stale
                .as_ref()
                .and_then(|l| {
                    trace
                        .races
                        .iter()
                        .filter(|r| r.second == l.access)
                        .max_by_key(|r| r.first == l.changed)
                })
                .or(trace.races.first())
                .copied();
            match stale {
                Some(stale) => Diagnosis {
                    race,
                    summary: Some(describe_stale(trace, &stale)),
                    marks: vec![stale.changed, stale.access],
                    context: [Some(stale.read), victim_read(trace, &stale)]
                        .into_iter()
                        .flatten()
                        .collect(),
                },
                None => Diagnosis {
                    race,
                    summary: None,
                    marks: race.map(|r| vec![r.first, r.second]).unwrap_or_default(),
                    context: Vec::new(),
                },
            }
        }
        CounterexampleKind::Deadlock => Diagnosis {
            marks: stuck_threads(trace),
            ..Diagnosis::default()
        },
        _ => Diagnosis {
            marks: last.into_iter().collect(),
            ..Diagnosis::default()
        },
    }
}

/// Describes a race in one line: who did what, at which steps.
pub(crate) fn describe_race(trace: &Trace, race: Race) -> String {
    let first = &trace.events[race.first];
    let second = &trace.events[race.second];
    format!(
        "`{}` {} {} (step {}) and `{}` {} it (step {}) are not ordered by happens-before",
        trace.threads[first.thread],
        verb(first),
        first.object,
        first.step,
        trace.threads[second.thread],
        verb(second),
        second.step,
    )
}

fn verb(event: &Event) -> &'static str {
    match event.op {
        Op::Set => "writes",
        _ => "reads",
    }
}

/// The first access of kind `op` by a thread whose previous access to the same variable was
/// a read, with a write by another thread in between.
fn stale_access(trace: &Trace, op: Op) -> Option<Stale> {
    let events = &trace.events;
    events.iter().enumerate().find_map(|(access, event)| {
        if event.op != op {
            return None;
        }
        let read = events[..access]
            .iter()
            .rposition(|e| e.thread == event.thread && e.object == event.object)
            .filter(|&i| events[i].op == Op::Get)?;
        let changed = events[read + 1..access].iter().rposition(|e| {
            e.thread != event.thread && e.object == event.object && e.op == Op::Set
        })? + read
            + 1;
        Some(Stale {
            read,
            changed,
            access,
        })
    })
}

fn describe_stale(trace: &Trace, stale: &Stale) -> String {
    let events = &trace.events;
    let (read, changed, access) = (
        &events[stale.read],
        &events[stale.changed],
        &events[stale.access],
    );
    let actor = &trace.threads[access.thread];
    let other = &trace.threads[changed.thread];
    let object = &access.object;
    let seen = read.value.as_deref().unwrap_or("?");
    if access.op == Op::Get {
        return format!(
            "check-then-act: `{actor}` read {object} = {seen} (step {}), but `{other}` changed \
             it to {} (step {}) before `{actor}` read it again (step {})",
            read.step,
            changed.value.as_deref().unwrap_or("?"),
            changed.step,
            access.step
        );
    }
    let both_read_same = victim_read(trace, stale).is_some_and(|i| events[i].value == read.value);
    if both_read_same {
        format!(
            "lost update: `{other}` and `{actor}` both read {object} = {seen}; `{actor}`'s \
             write (step {}) overwrote `{other}`'s (step {})",
            access.step, changed.step
        )
    } else {
        format!(
            "lost update: `{actor}` read {object} = {seen} (step {}), `{other}` wrote it \
             (step {}), then `{actor}`'s write (step {}) overwrote that",
            read.step, changed.step, access.step
        )
    }
}

/// The read the other thread made before its write.
fn victim_read(trace: &Trace, stale: &Stale) -> Option<usize> {
    let write = &trace.events[stale.changed];
    trace.events[..stale.changed]
        .iter()
        .rposition(|e| e.thread == write.thread && e.object == write.object && e.op == Op::Get)
}

/// The last event of every thread that never finished: where each one got stuck.
fn stuck_threads(trace: &Trace) -> Vec<usize> {
    let mut marks: Vec<usize> = (0..trace.threads.len())
        .filter(|&t| {
            !trace
                .events
                .iter()
                .any(|e| e.thread == t && e.op == Op::Finish)
        })
        .filter_map(|t| trace.events.iter().rposition(|e| e.thread == t))
        .collect();
    marks.sort_unstable();
    marks
}
