//! An engine as plain data, for files: `name = "loom"`, `preemption_bound = 2`, ...

use super::{Engine, EngineKind, Reduction};
use serde::{Deserialize, Serialize};

/// An engine and its settings, as regression and proof files record them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineSpec {
    /// `loom`, `dfs`, `random`, `pct`, `std` or `replay`.
    pub name: String,
    /// loom's preemption bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preemption_bound: Option<usize>,
    /// The iteration cap of an exhaustive engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_iterations: Option<u64>,
    /// Executions of a sampling engine (random, PCT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iterations: Option<u64>,
    /// PCT's bug depth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth: Option<usize>,
    /// The seed of a sampling engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Runs of the std engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs: Option<u64>,
    /// The std engine's chaos seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chaos: Option<u64>,
    /// A sampling engine (std, random, PCT) ran unrecorded ([`Engine::unrecorded`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unrecorded: bool,
    /// An exhaustive engine's reduction, when not the default ([`Reduction::name`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reduction: Option<String>,
}

impl EngineSpec {
    /// The settings of `engine`.
    pub fn of(engine: &Engine) -> Self {
        let mut spec = Self::of_kind(engine);
        if engine.is_exhaustive() && engine.reduction != Reduction::default() {
            spec.reduction = Some(engine.reduction.name().to_owned());
        }
        spec
    }

    fn of_kind(engine: &Engine) -> Self {
        let name = engine.name().to_owned();
        match &engine.kind {
            EngineKind::Std {
                runs,
                chaos,
                recorded,
            } => EngineSpec {
                name,
                runs: Some(*runs),
                chaos: *chaos,
                unrecorded: !recorded,
                ..EngineSpec::default()
            },
            EngineKind::Loom {
                preemption_bound,
                max_iterations,
                ..
            } => EngineSpec {
                name,
                preemption_bound: *preemption_bound,
                max_iterations: *max_iterations,
                ..EngineSpec::default()
            },
            EngineKind::Dfs { max_iterations, .. } => EngineSpec {
                name,
                max_iterations: *max_iterations,
                ..EngineSpec::default()
            },
            EngineKind::Random {
                iterations,
                seed,
                recorded,
                ..
            } => EngineSpec {
                name,
                iterations: Some(*iterations),
                seed: Some(*seed),
                unrecorded: !recorded,
                ..EngineSpec::default()
            },
            EngineKind::Pct {
                iterations,
                depth,
                seed,
                recorded,
                ..
            } => EngineSpec {
                name,
                iterations: Some(*iterations),
                depth: Some(*depth),
                seed: Some(*seed),
                unrecorded: !recorded,
                ..EngineSpec::default()
            },
            EngineKind::Replay { .. } | EngineKind::Probe { .. } => EngineSpec {
                name,
                ..EngineSpec::default()
            },
        }
    }

    /// The engine these settings describe; `Err` names what does not fit.
    pub fn engine(&self) -> Result<Engine, String> {
        let needs = |value: Option<u64>, what: &str| {
            value.ok_or_else(|| format!("engine `{}` needs `{what}`", self.name))
        };
        let mut engine = match self.name.as_str() {
            "loom" => Engine::loom(),
            "dfs" => Engine::dfs(),
            "random" => Engine::random(needs(self.iterations, "iterations")?),
            "pct" => Engine::pct(
                needs(self.iterations, "iterations")?,
                self.depth.unwrap_or(3),
            ),
            "std" => Engine::std(),
            // A counterexample found by replaying a schedule (a proptest case, say).
            "replay" => Engine::schedule(crate::schedule::Schedule::default()),
            other => {
                return Err(format!(
                    "unknown engine `{other}` (known: loom, dfs, random, pct, std, replay)"
                ));
            }
        };
        if let Some(k) = self.preemption_bound {
            engine = engine.preemption_bound(k);
        }
        if let Some(n) = self.max_iterations {
            engine = engine.max_iterations(n);
        }
        if self.depth.is_some() && self.name != "pct" {
            engine.misconfigure("depth");
        }
        if self.iterations.is_some() && !matches!(self.name.as_str(), "random" | "pct") {
            engine.misconfigure("iterations");
        }
        if let Some(s) = self.seed {
            engine = engine.seed(s);
        }
        if let Some(n) = self.runs {
            engine = engine.runs(n);
        }
        if let Some(s) = self.chaos {
            engine = engine.chaos(s);
        }
        if self.unrecorded {
            engine = engine.unrecorded();
        }
        if let Some(name) = &self.reduction {
            let reduction = Reduction::from_name(name).ok_or_else(|| {
                format!("unknown reduction `{name}` (known: off, sync-points, sync-points-only)")
            })?;
            engine = engine.reduction(reduction);
        }
        match &engine.misconfigured {
            Some(problem) => Err(problem.clone()),
            None => Ok(engine),
        }
    }
}
