//! The report for machines: a versioned JSON document, and the merge of shard reports.
//!
//! Schema version 1 (`"schema": 1`). Fields are only ever added within a version; a field
//! that changes meaning gets a new version.
//!
//! ```text
//! {
//!   "schema": 1,
//!   "model": "tickets(sellers=3, tickets=3, guard=none)",
//!   "engine": "shuttle pct (10000 iterations, depth 3, seed 508436133)",
//!   "shard": null | { "index": 1, "count": 3, "part_complete": true },
//!   "verdict": {
//!     "name": "violated" | "proved" | "proved within bound" | "passed" | "incomplete",
//!     "text": "VIOLATED (data race)",          // the human wording
//!     "executions": 2,
//!     "preemption_bound": null | 2,            // for "proved within bound"
//!     "reason": null | "time limit of 20s reached"   // for "incomplete"
//!   },
//!   "executions": 2,
//!   "elapsed_seconds": 0.001,
//!   "executions_per_second": 2000.0,
//!   "outcomes": [ { "outcome": "sold 3 of 3, left 0", "count": 1, "holds": true }, ... ],
//!   "counterexample": null | {
//!     "kind": "data race", "message": "...", "failure": null | "...",
//!     "summary": null | "lost update: ...", "outcome": null | "...",
//!     "recorded": true,                        // false: an unrecorded run's, no trace
//!     "preemptions": 1, "minimality": null | "...", "execution": 2,
//!     "schedule": [0, 0, 1, ...], "marked_events": [14, 16],
//!     "race": null | { "first": 14, "second": 16 },
//!     "trace": { "threads": ["main", ...],
//!                "events": [ { "step": 1, "thread": 0, "op": "spawn", "object": "one",
//!                              "value": null }, ... ] },
//!     "rendered": "data race: ..."            // the plain-text rendering
//!   },
//!   "saved_to": null | "models/regressions/....toml"
//! }
//! ```

use crate::report::{DEFERRED_YIELDS, Report, Shard, Style, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The schema version this build writes and reads.
pub const SCHEMA: u32 = 1;

/// A report as JSON data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JsonReport {
    /// [`SCHEMA`].
    pub schema: u32,
    /// The model's name with its parameters.
    pub model: String,
    /// The engine and its budget, in words.
    pub engine: String,
    /// Which part of a sharded search this is.
    pub shard: Option<Shard>,
    /// What was shown.
    pub verdict: JsonVerdict,
    /// Executions run.
    pub executions: u64,
    /// Wall time.
    pub elapsed_seconds: f64,
    /// Executions per second of wall time.
    pub executions_per_second: f64,
    /// Every distinct outcome, most frequent first.
    pub outcomes: Vec<JsonOutcome>,
    /// The counterexample, if the property was violated.
    pub counterexample: Option<JsonCounterexample>,
    /// The regression file the counterexample was saved to.
    pub saved_to: Option<String>,
    /// [`Report::deferred_yields`]: a thread yielded under an engine that never ran it on at
    /// once. Absent from reports written before it was added: false.
    #[serde(default)]
    pub deferred_yields: bool,
}

/// The verdict as data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonVerdict {
    /// [`Verdict::name`].
    pub name: String,
    /// The verdict as the human report words it.
    pub text: String,
    /// Executions the verdict covers.
    pub executions: u64,
    /// The preemption bound of a bounded proof.
    pub preemption_bound: Option<usize>,
    /// Why an exploration is incomplete.
    pub reason: Option<String>,
}

/// One row of the outcome table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonOutcome {
    /// The outcome, rendered with `Debug`.
    pub outcome: String,
    /// Executions that reached it.
    pub count: u64,
    /// Whether it satisfies the property.
    pub holds: bool,
}

/// A counterexample as data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonCounterexample {
    /// [`CounterexampleKind::describe`](crate::CounterexampleKind::describe).
    pub kind: String,
    /// What went wrong.
    pub message: String,
    /// What visibly broke, if something did.
    pub failure: Option<String>,
    /// A one-line diagnosis.
    pub summary: Option<String>,
    /// The outcome, if the execution got as far.
    pub outcome: Option<String>,
    /// False for an unrecorded run's: then trace and schedule are empty.
    #[serde(default = "recorded_by_default")]
    pub recorded: bool,
    /// Preemptions in the execution.
    pub preemptions: usize,
    /// How the preemption count was made small.
    pub minimality: Option<String>,
    /// Which execution of the search failed (from 1).
    pub execution: u64,
    /// The thread of every event: replays it with `Engine::schedule`.
    pub schedule: Vec<usize>,
    /// Indices of the marked events.
    pub marked_events: Vec<usize>,
    /// The race, as indices into the events.
    pub race: Option<crate::race::Race>,
    /// Every event.
    pub trace: JsonTrace,
    /// The plain-text rendering.
    pub rendered: String,
}

fn recorded_by_default() -> bool {
    true
}

/// A trace as data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonTrace {
    /// Thread labels by index.
    pub threads: Vec<String>,
    /// Events in order.
    pub events: Vec<JsonEvent>,
}

/// One event as data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonEvent {
    /// Step number.
    pub step: usize,
    /// Thread index.
    pub thread: usize,
    /// Operation name.
    pub op: String,
    /// Object name.
    pub object: String,
    /// Value read or written.
    pub value: Option<String>,
}

impl<O: Ord + std::fmt::Debug> Report<O> {
    /// The report as JSON data ([`JsonReport`], schema [`SCHEMA`]).
    pub fn to_json(&self) -> JsonReport {
        let mut outcomes: Vec<JsonOutcome> = self
            .outcomes
            .iter()
            .map(|(outcome, &count)| JsonOutcome {
                outcome: format!("{outcome:?}"),
                count,
                holds: !self.violating.contains_key(outcome),
            })
            .collect();
        outcomes.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.outcome.cmp(&b.outcome))
        });
        let counterexample = self.counterexample().map(|cx| JsonCounterexample {
            kind: cx.kind().describe().to_owned(),
            message: cx.message().to_owned(),
            failure: cx.failure().map(str::to_owned),
            summary: cx.summary().map(str::to_owned),
            outcome: cx.outcome().map(str::to_owned),
            recorded: cx.is_recorded(),
            preemptions: cx.preemptions(),
            minimality: cx.minimality().map(str::to_owned),
            execution: cx.execution(),
            schedule: cx.schedule().steps().to_vec(),
            marked_events: cx.marked_events().to_vec(),
            race: cx.race(),
            trace: JsonTrace {
                threads: cx.trace().threads.clone(),
                events: cx
                    .trace()
                    .events
                    .iter()
                    .map(|e| JsonEvent {
                        step: e.step,
                        thread: e.thread,
                        op: e.op.name().to_owned(),
                        object: e.object.to_string(),
                        value: e.value.as_ref().map(|v| v.to_string()),
                    })
                    .collect(),
            },
            rendered: cx.render(&Style::plain()),
        });
        JsonReport {
            schema: SCHEMA,
            model: self.model.clone(),
            engine: self.engine.clone(),
            shard: self.shard,
            verdict: JsonVerdict::of(&self.verdict),
            executions: self.executions,
            elapsed_seconds: self.elapsed.as_secs_f64(),
            executions_per_second: self.executions_per_second(),
            outcomes,
            counterexample,
            saved_to: self.saved.as_ref().map(|p| p.display().to_string()),
            deferred_yields: self.deferred_yields,
        }
    }
}

impl JsonVerdict {
    fn of(verdict: &Verdict) -> Self {
        let (executions, preemption_bound, reason) = match verdict {
            Verdict::Violated(_) => (0, None, None),
            Verdict::Proved { executions } | Verdict::Passed { executions } => {
                (*executions, None, None)
            }
            Verdict::ProvedWithinBound {
                preemptions,
                executions,
            } => (*executions, Some(*preemptions), None),
            Verdict::Incomplete { executions, reason } => (*executions, None, Some(reason.clone())),
        };
        JsonVerdict {
            name: verdict.name().to_owned(),
            text: verdict.to_string(),
            executions,
            preemption_bound,
            reason,
        }
    }
}

/// Combines the reports of all shards of one search into the report of the whole.
///
/// Every shard `1..=N` must be there exactly once, for the same model and engine. Counts
/// and outcomes add up; the counterexample is the lowest shard's that has one; the verdict
/// is `violated` if any part was, `proved` if every part of an exhaustive search was
/// explored to its end, `passed` for sampling parts, otherwise `incomplete`.
pub fn merge(mut parts: Vec<JsonReport>) -> Result<JsonReport, String> {
    let first = parts.first().ok_or("no reports to merge")?.clone();
    let count = first
        .shard
        .ok_or("the first report is not a shard (run with --shard I/N)")?
        .count;
    parts.sort_by_key(|p| p.shard.map(|s| s.index));
    let base = |engine: &str| engine.rsplit_once(", shard ").map(|(b, _)| b.to_owned());
    for (position, part) in parts.iter().enumerate() {
        if part.schema != SCHEMA {
            return Err(format!(
                "a report has schema {}, expected {SCHEMA}",
                part.schema
            ));
        }
        let shard = part.shard.ok_or("a report is not a shard")?;
        if shard.count != count {
            return Err(format!(
                "shard counts differ: {} and {}",
                count, shard.count
            ));
        }
        if shard.index != position + 1 {
            return Err(format!(
                "shard {} of {count} is missing or given twice",
                position + 1
            ));
        }
        if part.model != first.model || base(&part.engine) != base(&first.engine) {
            return Err(format!(
                "shard {} is of another search: {} on {}",
                shard.index, part.model, part.engine
            ));
        }
    }
    if parts.len() != count {
        return Err(format!(
            "{} of {count} shards given; shard {} is missing",
            parts.len(),
            parts.len() + 1
        ));
    }
    let executions: u64 = parts.iter().map(|p| p.executions).sum();
    let mut outcomes: BTreeMap<String, (u64, bool)> = BTreeMap::new();
    for part in &parts {
        for row in &part.outcomes {
            let entry = outcomes
                .entry(row.outcome.clone())
                .or_insert((0, row.holds));
            entry.0 += row.count;
        }
    }
    let mut rows: Vec<JsonOutcome> = outcomes
        .into_iter()
        .map(|(outcome, (count, holds))| JsonOutcome {
            outcome,
            count,
            holds,
        })
        .collect();
    rows.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.outcome.cmp(&b.outcome))
    });
    let counterexample = parts.iter().find_map(|p| p.counterexample.clone());
    let exhaustive = first.engine.contains("exhaustive");
    let all_complete = parts
        .iter()
        .all(|p| p.shard.is_some_and(|s| s.part_complete));
    let verdict = if let Some(cx) = &counterexample {
        JsonVerdict {
            name: "violated".into(),
            text: format!("VIOLATED ({})", cx.kind),
            executions: 0,
            preemption_bound: None,
            reason: None,
        }
    } else if exhaustive && all_complete {
        let verdict = Verdict::Proved { executions };
        JsonVerdict::of(&verdict)
    } else if !exhaustive && all_complete {
        JsonVerdict::of(&Verdict::Passed { executions })
    } else {
        JsonVerdict::of(&Verdict::Incomplete {
            executions,
            reason: "some shard did not explore its part to the end".into(),
        })
    };
    let elapsed: f64 = parts.iter().map(|p| p.elapsed_seconds).sum();
    Ok(JsonReport {
        schema: SCHEMA,
        model: first.model.clone(),
        engine: base(&first.engine).unwrap_or(first.engine.clone()),
        shard: None,
        verdict,
        executions,
        elapsed_seconds: elapsed,
        executions_per_second: if elapsed > 0.0 {
            executions as f64 / elapsed
        } else {
            0.0
        },
        outcomes: rows,
        counterexample,
        saved_to: None,
        deferred_yields: parts.iter().any(|p| p.deferred_yields),
    })
}

impl std::fmt::Display for JsonReport {
    /// A human rendering of a (merged) JSON report.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "model:   {}", self.model)?;
        writeln!(f, "engine:  {}", self.engine)?;
        writeln!(f, "verdict: {}", self.verdict.text)?;
        if self.deferred_yields {
            writeln!(f, "         {DEFERRED_YIELDS}")?;
        }
        if let Some(cx) = &self.counterexample {
            writeln!(f)?;
            write!(f, "{}", cx.rendered)?;
        }
        writeln!(f, "\noutcomes:")?;
        let total: u64 = self.outcomes.iter().map(|o| o.count).sum();
        for row in &self.outcomes {
            let share = row.count as f64 * 100.0 / total.max(1) as f64;
            let status = if row.holds { "ok" } else { "VIOLATES" };
            writeln!(
                f,
                "  {}  {:>9}  {share:>5.1}%  {status}",
                row.outcome, row.count
            )?;
        }
        writeln!(
            f,
            "{} executions, {} distinct outcomes",
            self.executions,
            self.outcomes.len()
        )
    }
}
