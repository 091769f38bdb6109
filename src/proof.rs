//! Proof files: one saved exploration result each, re-run to show it still holds.
//!
//! A file names its model by catalogue id and parameters, the engine and its bounds, and
//! what the exploration showed: the verdict, the number of executions and the set of
//! distinct outcomes. Re-running it must give exactly the same; any difference fails with a
//! diff, and `INTERLEAVINGS_UPDATE=1` rewrites the file instead (the way snapshot tools
//! work).
//!
//! ```toml
//! format = 1
//! model = "counter"
//! verdict = "proved"
//! executions = 105
//! outcomes = ["109"]
//!
//! [params]
//! guard = "mutex"
//!
//! [engine]
//! name = "loom"
//! ```

use crate::engine::EngineSpec;
use crate::error::Error;
use crate::explore::ModelId;
use crate::files;
use crate::models::{self, Options};
use crate::report::{Rendered, Report, Style, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Where `cargo test` looks for proof files, relative to the package root.
pub const DIRECTORY: &str = "models/proofs";

/// Set to anything but `0` to rewrite proof files whose result changed instead of failing.
pub const UPDATE_VARIABLE: &str = "INTERLEAVINGS_UPDATE";

/// One saved exploration result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proof {
    /// The model, by catalogue id and parameters.
    pub model: ModelId,
    /// The engine and its bounds.
    pub engine: EngineSpec,
    /// Whether the exploration went on past violations.
    pub keep_going: bool,
    /// The verdict, as [`Verdict::name`] words, with the counterexample's kind if violated.
    pub verdict: String,
    /// Executions the exploration ran.
    pub executions: u64,
    /// Every distinct outcome, rendered with `Debug`, sorted.
    pub outcomes: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    format: u32,
    model: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    keep_going: bool,
    verdict: String,
    executions: u64,
    distinct_outcomes: usize,
    outcomes: Vec<String>,
    #[serde(default)]
    params: BTreeMap<String, String>,
    engine: EngineSpec,
}

/// What checking a proof file found.
#[derive(Debug, PartialEq, Eq)]
pub enum Checked {
    /// The exploration gave exactly the saved result.
    Same,
    /// It differed and the file was rewritten (`INTERLEAVINGS_UPDATE`): the differences.
    Updated(Vec<String>),
}

impl Proof {
    /// Explores `model` with `engine` and records the result, with the report it came from.
    pub fn run(
        model: ModelId,
        engine: EngineSpec,
        keep_going: bool,
    ) -> Result<(Proof, Report<Rendered>), Error> {
        let report = explore(
            models::build(&model)?.as_ref(),
            &engine_of(&engine)?,
            keep_going,
        )?;
        Ok((Proof::record(model, engine, keep_going, &report), report))
    }

    fn record(
        model: ModelId,
        engine: EngineSpec,
        keep_going: bool,
        report: &Report<Rendered>,
    ) -> Proof {
        let verdict = match report.verdict() {
            Verdict::Violated(cx) => format!("violated ({})", cx.kind()),
            other => other.name().to_owned(),
        };
        Proof {
            model,
            engine,
            keep_going,
            verdict,
            executions: report.executions(),
            outcomes: report.outcomes().keys().map(|o| o.0.clone()).collect(),
        }
    }

    /// Reads a proof file. Every problem is an [`Error::File`] naming the file and, where
    /// it can, the line.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let (file, text): (FileFormat, String) = files::read(path)?;
        let at =
            |key: &str, message: String| files::error(path, files::line_of(&text, key), message);
        files::check_format(path, &text, file.format)?;
        if file.distinct_outcomes != file.outcomes.len() {
            return Err(at(
                "distinct_outcomes",
                format!(
                    "says {} but `outcomes` lists {}",
                    file.distinct_outcomes,
                    file.outcomes.len()
                ),
            ));
        }
        let model = ModelId {
            id: file.model,
            params: file.params,
        };
        models::build(&model).map_err(|e| at("model", files::plain(&e)))?;
        if let Err(problem) = file.engine.engine() {
            return Err(at("name", format!("[engine]: {problem}")));
        }
        Ok(Proof {
            model,
            engine: file.engine,
            keep_going: file.keep_going,
            verdict: file.verdict,
            executions: file.executions,
            outcomes: file.outcomes,
        })
    }

    /// The file's text: a comment for humans, then the fields.
    pub fn to_toml(&self, outcome_table: &str) -> String {
        let file = FileFormat {
            format: files::FORMAT,
            model: self.model.id.clone(),
            keep_going: self.keep_going,
            verdict: self.verdict.clone(),
            executions: self.executions,
            distinct_outcomes: self.outcomes.len(),
            outcomes: self.outcomes.clone(),
            params: self.model.params.clone(),
            engine: self.engine.clone(),
        };
        let body = toml::to_string(&file).expect("a proof always serialises");
        format!(
            "{}#\n{}\n{body}",
            files::comment(
                "An exploration result saved by interleavings. `cargo test` explores the model \
                 again and\nfails on any difference; `INTERLEAVINGS_UPDATE=1 cargo test` \
                 rewrites this file."
            ),
            files::comment(outcome_table).trim_end_matches('\n'),
        )
    }

    /// Writes the file atomically.
    pub fn save(&self, path: &Path, outcome_table: &str) -> Result<(), Error> {
        files::write_atomically(path, &self.to_toml(outcome_table))
    }

    /// The differences from `saved` to `self`, one line each (empty if none).
    pub fn diff(&self, saved: &Proof) -> Vec<String> {
        let mut lines = Vec::new();
        if self.verdict != saved.verdict {
            lines.push(format!("verdict: {} -> {}", saved.verdict, self.verdict));
        }
        if self.executions != saved.executions {
            lines.push(format!(
                "executions: {} -> {}",
                saved.executions, self.executions
            ));
        }
        for gone in saved.outcomes.iter().filter(|o| !self.outcomes.contains(o)) {
            lines.push(format!("outcome no longer reached: {gone}"));
        }
        for new in self.outcomes.iter().filter(|o| !saved.outcomes.contains(o)) {
            lines.push(format!("new outcome: {new}"));
        }
        lines
    }

    /// Explores again and compares with the file at `path`. A difference is
    /// [`Error::Stale`] with the diff, unless `update`, which rewrites the file.
    pub fn check(path: &Path, update: bool) -> Result<Checked, Error> {
        let saved = Proof::load(path)?;
        let report = explore(
            models::build(&saved.model)?.as_ref(),
            &engine_of(&saved.engine)?,
            saved.keep_going,
        )?;
        let now = Proof::record(
            saved.model.clone(),
            saved.engine.clone(),
            saved.keep_going,
            &report,
        );
        let diff = now.diff(&saved);
        if diff.is_empty() {
            return Ok(Checked::Same);
        }
        if update {
            now.save(path, &report.outcome_table(&Style::plain()))?;
            return Ok(Checked::Updated(diff));
        }
        Err(Error::Stale {
            path: path.display().to_string(),
            message: format!(
                "the exploration result changed (`{UPDATE_VARIABLE}=1 cargo test` rewrites the \
                 file if the change is intended):\n  {}",
                diff.join("\n  ")
            ),
        })
    }
}

/// Checks every proof file in `dir`; `update` rewrites those that changed.
pub fn check_all(dir: &Path, update: bool) -> Result<files::Checks<Checked>, Error> {
    Ok(files::toml_files(dir)?
        .into_iter()
        .map(|path| {
            let checked = Proof::check(&path, update);
            (path, checked)
        })
        .collect())
}

/// True when `INTERLEAVINGS_UPDATE` asks for files to be rewritten.
pub fn update_requested() -> bool {
    std::env::var_os(UPDATE_VARIABLE).is_some_and(|v| !v.is_empty() && v != "0")
}

fn explore(
    model: &dyn models::Explorable,
    engine: &crate::Engine,
    keep_going: bool,
) -> Result<Report<Rendered>, Error> {
    let options = Options {
        keep_going,
        ..Options::default()
    };
    model.explore(engine.clone(), &options)
}

fn engine_of(spec: &EngineSpec) -> Result<crate::Engine, Error> {
    spec.engine().map_err(Error::InvalidEngine)
}
