//! Regression files: one saved counterexample each, replayed to show the bug is still there.
//!
//! A file names its model by catalogue id and parameters, the engine that found the
//! counterexample, its kind and message, and the schedule: the thread that acted at each
//! recorded event. Replaying runs that schedule on a deterministic scheduler
//! ([`Engine::schedule`]), whichever engine found it. The rendered trace is kept as a
//! comment for humans; it is not read back.
//!
//! ```toml
//! format = 1
//! model = "counter"
//! kind = "data race"
//! message = "`two` writes num (step 14) and `one` writes it (step 15) are not ordered by happens-before"
//! failure = "num ended at 103, expected 109: increments worth 6 were lost"
//! schedule = [0, 0, 0, 1, 1, ...]
//!
//! [params]
//! guard = "none"
//!
//! [found_by]
//! name = "loom"
//! ```

use crate::engine::{Engine, EngineSpec};
use crate::error::Error;
use crate::explore::ModelId;
use crate::files;
use crate::models::{self, Options};
use crate::report::{Counterexample, CounterexampleKind, Rendered, Report, Style};
use crate::schedule::Schedule;
use crate::trace::{Op, Trace};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where `cargo test` looks for regression files, relative to the package root.
pub const DIRECTORY: &str = "models/regressions";

/// One saved counterexample.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Regression {
    /// The model, by catalogue id and parameters.
    pub model: ModelId,
    /// The engine that found it.
    pub found_by: EngineSpec,
    /// The kind of failure.
    pub kind: CounterexampleKind,
    /// The counterexample's message, which a replay must reproduce exactly.
    pub message: String,
    /// What visibly broke, if something did.
    pub failure: Option<String>,
    /// The thread of every recorded event.
    pub schedule: Schedule,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    format: u32,
    model: String,
    kind: String,
    message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    failure: Option<String>,
    schedule: Vec<usize>,
    #[serde(default)]
    params: BTreeMap<String, String>,
    found_by: EngineSpec,
}

/// A schedule replayed against a model: the report, and where the schedule stopped
/// applying, if it did.
#[derive(Debug)]
pub struct Replay {
    /// The replay's report: one execution.
    pub report: Report<Rendered>,
    /// Why the execution did not follow the schedule exactly, if it did not.
    pub divergence: Option<String>,
}

impl Regression {
    /// A regression for a counterexample of `model` found by `engine`.
    pub fn of(model: ModelId, engine: &Engine, counterexample: &Counterexample) -> Self {
        Regression {
            model,
            found_by: EngineSpec::of(engine),
            kind: counterexample.kind(),
            message: counterexample.message().to_owned(),
            failure: counterexample.failure().map(str::to_owned),
            schedule: counterexample.schedule().clone(),
        }
    }

    /// Reads a regression file. Every problem is an [`Error::File`] naming the file and,
    /// where it can, the line.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let (file, text): (FileFormat, String) = files::read(path)?;
        let at =
            |key: &str, message: String| files::error(path, files::line_of(&text, key), message);
        files::check_format(path, &text, file.format)?;
        let kind = CounterexampleKind::from_description(&file.kind).ok_or_else(|| {
            at(
                "kind",
                format!(
                    "unknown kind `{}` (known: invariant violated, data race, deadlock, panic, \
                     step limit)",
                    file.kind
                ),
            )
        })?;
        let model = ModelId {
            id: file.model,
            params: file.params,
        };
        models::build(&model).map_err(|e| at("model", files::plain(&e)))?;
        if let Err(problem) = file.found_by.engine() {
            return Err(at("name", format!("[found_by]: {problem}")));
        }
        Ok(Regression {
            model,
            found_by: file.found_by,
            kind,
            message: file.message,
            failure: file.failure,
            schedule: Schedule::new(file.schedule),
        })
    }

    /// The file's text: a comment for humans (what this is, and `rendered`, the trace),
    /// then the fields.
    pub fn to_toml(&self, rendered: &str) -> String {
        let file = FileFormat {
            format: files::FORMAT,
            model: self.model.id.clone(),
            kind: self.kind.describe().to_owned(),
            message: self.message.clone(),
            failure: self.failure.clone(),
            schedule: self.schedule.steps().to_vec(),
            params: self.model.params.clone(),
            found_by: self.found_by.clone(),
        };
        let body = toml::to_string(&file).expect("a regression always serialises");
        format!(
            "{}#\n{}\n{body}",
            files::comment(
                "A counterexample saved by interleavings. `cargo test` replays the schedule \
                 and expects the\nsame failure; delete this file once the bug is fixed and \
                 the model changed on purpose."
            ),
            files::comment(rendered).trim_end_matches('\n'),
        )
    }

    /// Saves it in `dir` under a name made of the model, its parameters and the engine,
    /// unless a file there already holds the same schedule for the same model. Returns the
    /// path, and whether a new file was written.
    pub fn save_in(&self, dir: &Path, rendered: &str) -> Result<(PathBuf, bool), Error> {
        let stem = self.model.file_stem(&self.found_by.name);
        for n in 1.. {
            let name = if n == 1 {
                format!("{stem}.toml")
            } else {
                format!("{stem}-{n}.toml")
            };
            let path = dir.join(name);
            if path.exists() {
                match Regression::load(&path) {
                    Ok(old) if old.model == self.model && old.schedule == self.schedule => {
                        return Ok((path, false));
                    }
                    _ => continue,
                }
            }
            files::write_atomically(&path, &self.to_toml(rendered))?;
            return Ok((path, true));
        }
        unreachable!("some numbered name is free")
    }

    /// Replays the schedule against `model` (this regression's own, or another, e.g. the
    /// fixed variant).
    pub fn replay(&self, model: &ModelId) -> Result<Replay, Error> {
        let built = models::build(model)?;
        let report = built.explore(Engine::schedule(self.schedule.clone()), &Options::default())?;
        let divergence = report
            .replayed_trace()
            .and_then(|trace| divergence(self.schedule.steps(), trace));
        Ok(Replay { report, divergence })
    }

    /// How `replay` differs from what was saved, in words; `None` if it followed the
    /// schedule exactly and failed the same way.
    pub fn compare(&self, replay: &Replay) -> Option<String> {
        if let Some(divergence) = &replay.divergence {
            return Some(divergence.clone());
        }
        let expected = format!("{}: {}", self.kind, self.message);
        match replay.report.counterexample() {
            None => Some(format!(
                "the model no longer fails: replaying the schedule gives {}; expected {expected}",
                replay.report.verdict()
            )),
            Some(cx) if cx.kind() != self.kind || cx.message() != self.message => Some(format!(
                "the model fails differently: expected {expected}\n  got {}: {}",
                cx.kind(),
                cx.message()
            )),
            Some(_) => None,
        }
    }

    /// Replays the schedule against its own model and checks that it fails exactly as
    /// saved: [`Error::Stale`] says what changed.
    pub fn check(&self, path: &Path) -> Result<Report<Rendered>, Error> {
        let replay = self.replay(&self.model)?;
        match self.compare(&replay) {
            None => Ok(replay.report),
            Some(message) => Err(Error::Stale {
                path: path.display().to_string(),
                message,
            }),
        }
    }
}

/// Checks every regression file in `dir`; the paths with what went wrong, if anything.
pub fn check_all(dir: &Path) -> Result<files::Checks<()>, Error> {
    Ok(files::toml_files(dir)?
        .into_iter()
        .map(|path| {
            let checked = Regression::load(&path).and_then(|r| r.check(&path).map(drop));
            (path, checked)
        })
        .collect())
}

/// Saves `counterexample` of `model` found by `engine` in `dir`, unless it is there.
pub(crate) fn save(
    dir: &Path,
    model: ModelId,
    engine: &Engine,
    counterexample: &Counterexample,
) -> Result<(PathBuf, bool), Error> {
    let rendered = counterexample.render(&Style::plain());
    Regression::of(model, engine, counterexample).save_in(dir, &rendered)
}

/// Where a replay stopped following `schedule`, and why, in words.
fn divergence(schedule: &[usize], trace: &Trace) -> Option<String> {
    let order = trace.thread_order();
    let i = order
        .iter()
        .zip(schedule)
        .position(|(ran, wanted)| ran != wanted)
        .unwrap_or(order.len().min(schedule.len()));
    if i == order.len() && i == schedule.len() {
        return None;
    }
    let step = |i: usize| trace.events.get(i).map_or(i + 1, |e| e.step);
    if i == order.len() {
        return Some(format!(
            "the schedule does not apply: it has {} events, but the execution ended after {i}",
            schedule.len()
        ));
    }
    if i == schedule.len() {
        return Some(format!(
            "the schedule does not apply: it ends after {i} events, but the execution went on \
             for {} more",
            order.len() - i
        ));
    }
    let wanted = schedule[i];
    let name = |t: usize| trace.threads.get(t).cloned().unwrap_or_default();
    let before = &trace.events[..i];
    let reason = if wanted >= trace.threads.len() {
        format!(
            "the model has no thread {wanted} (it has {})",
            trace.threads.len()
        )
    } else if before
        .iter()
        .any(|e| e.thread == wanted && e.op == Op::Finish)
    {
        format!("`{}` had finished", name(wanted))
    } else if let Some(last) = before.iter().rev().find(|e| e.thread == wanted) {
        if last.op == Op::Block {
            format!("`{}` was {last}", name(wanted))
        } else {
            format!("`{}` could not run there", name(wanted))
        }
    } else {
        format!("`{}` had not started", name(wanted))
    };
    Some(format!(
        "the schedule does not apply from step {}: it runs thread {wanted} there, but {reason}; \
         `{}` ran instead",
        step(i),
        name(order[i])
    ))
}
