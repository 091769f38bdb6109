//! Making a counterexample small: first one where the failure shows, then the fewest
//! preemptions, then the fewest steps.
//!
//! Under loom the search is run again with preemption bounds 0, 1, ... below the count found:
//! the first bound that fails gives the fewest preemptions loom can find. The other engines
//! shrink the failing schedule instead: each candidate (cut the schedule at a preemption and
//! let the running thread go on; or move the preempted thread's next stretch up to where it
//! was preempted) is replayed, and kept if it still fails and ranks better. Both spend a
//! bounded budget and say what they did in the counterexample.

use crate::engine::{Engine, EngineKind};
use crate::explore::{Explorer, Model};
use crate::report::{Counterexample, Verdict};
use crate::schedule::Schedule;
use std::time::{Duration, Instant};

/// Executions the loom bound searches may spend together.
const LOOM_BUDGET: u64 = 50_000;
/// Schedules the shrinker may replay.
const REPLAY_BUDGET: u64 = 1_000;
/// Wall time minimisation may take, whatever the budgets.
const TIME_BUDGET: Duration = Duration::from_secs(20);

pub(crate) fn minimize<M: Model>(explorer: &Explorer<M>, cx: Counterexample) -> Counterexample {
    match explorer.engine_ref().kind {
        EngineKind::Loom { .. } => by_bounds(explorer, cx),
        EngineKind::Replay { .. } => cx,
        _ => by_replay(explorer, cx),
    }
}

fn by_bounds<M: Model>(explorer: &Explorer<M>, mut best: Counterexample) -> Counterexample {
    let started = Instant::now();
    let execution = best.execution;
    let found = best.preemptions;
    let mut spent = 0;
    let mut note = None;
    let mut bound = 0;
    while bound < best.preemptions {
        let remaining = LOOM_BUDGET.saturating_sub(spent);
        let time_left = TIME_BUDGET.saturating_sub(started.elapsed());
        if remaining == 0 || time_left.is_zero() {
            note = Some(format!(
                "fewer may exist: the minimisation budget ran out at preemption bound {bound}"
            ));
            break;
        }
        let engine = Engine::loom()
            .preemption_bound(bound)
            .max_iterations(remaining);
        // Look for a failure as visible as the one we have; a race alone will do only if
        // that is all we have.
        let grace = if best.failure().is_some() {
            u64::MAX
        } else {
            0
        };
        let Ok(report) = explorer.search(&engine, grace, Some(time_left), false) else {
            break;
        };
        spent += report.executions;
        match report.verdict {
            Verdict::Violated(smaller) if smaller.rank() < best.rank() => {
                best = *smaller;
            }
            Verdict::Incomplete { .. } => {
                note = Some(format!(
                    "fewer may exist: preemption bound {bound} was not explored to the end"
                ));
                break;
            }
            _ => {}
        }
        bound += 1;
    }
    let note = note.unwrap_or_else(|| {
        if best.preemptions == 0 {
            "the fewest possible".to_owned()
        } else {
            let down = if found > best.preemptions {
                format!("; down from {found}")
            } else {
                String::new()
            };
            format!(
                "the fewest loom finds: no failure within preemption bound {}, {}{down}",
                best.preemptions - 1,
                crate::report::count(spent, "execution")
            )
        }
    });
    best.minimality = Some(note);
    // Keep the number of the execution that first failed in the search the report is about.
    best.execution = execution;
    best
}

fn by_replay<M: Model>(explorer: &Explorer<M>, mut best: Counterexample) -> Counterexample {
    let started = Instant::now();
    let execution = best.execution;
    let found = best.preemptions;
    let mut replays = 0;
    let mut exhausted = false;
    'shrink: loop {
        for candidate in candidates(&best) {
            if replays >= REPLAY_BUDGET || started.elapsed() >= TIME_BUDGET {
                exhausted = true;
                break 'shrink;
            }
            replays += 1;
            let Ok(report) = explorer.search(&Engine::schedule(candidate), 0, None, false) else {
                continue;
            };
            if let Verdict::Violated(smaller) = report.verdict {
                if smaller.rank() < best.rank() {
                    best = *smaller;
                    continue 'shrink;
                }
            }
        }
        break;
    }
    let mut note = if best.preemptions == 0 {
        "the fewest possible".to_owned()
    } else {
        "shrunk by replay: no single cut or move of a preemption still fails".to_owned()
    };
    if found > best.preemptions {
        note.push_str(&format!("; down from {found}"));
    }
    if exhausted {
        note = format!("fewer may exist: the shrinking budget ran out after {replays} replays");
    }
    best.minimality = Some(note);
    best.execution = execution;
    best
}

/// Schedules one change away from the counterexample's, most promising first: cuts at each
/// preemption (earliest first: they remove the most), then, at each preemption, the
/// preempted thread's next stretch moved up to where it stopped, or the preempting thread's
/// stretch moved before the preempted one's.
fn candidates(cx: &Counterexample) -> Vec<Schedule> {
    let order = cx.schedule().steps();
    let points = cx.trace().preemption_points();
    let mut out: Vec<Schedule> = points
        .iter()
        .map(|&i| Schedule::new(order[..i].to_vec()))
        .collect();
    for &i in &points {
        let preempted = order[i - 1];
        let Some(resume) = (i..order.len()).find(|&j| order[j] == preempted) else {
            continue;
        };
        let stretch = order[resume..]
            .iter()
            .take_while(|&&t| t == preempted)
            .count();
        out.push(Schedule::new(swapped(order, i, resume, resume + stretch)));
    }
    for &i in &points {
        let preempted = order[i - 1];
        let start = order[..i]
            .iter()
            .rposition(|&t| t != preempted)
            .map_or(0, |j| j + 1);
        let preempting = order[i];
        let stretch = order[i..].iter().take_while(|&&t| t == preempting).count();
        out.push(Schedule::new(swapped(order, start, i, i + stretch)));
    }
    out
}

/// `order` with `order[middle..end]` moved before `order[start..middle]`.
fn swapped(order: &[usize], start: usize, middle: usize, end: usize) -> Vec<usize> {
    let mut out = order[..start].to_vec();
    out.extend_from_slice(&order[middle..end]);
    out.extend_from_slice(&order[start..middle]);
    out.extend_from_slice(&order[end..]);
    out
}
