//! A process's life: not alive before `start`, `join_timeout` that may return before the
//! child ends, not alive after `join`, exit code 0. The careless variant takes a returned
//! `join_timeout` for the end of the child.

use crate::process::{EXIT_OK, Process};
use crate::{Model, ModelId, io};
use std::time::Duration;

/// The lifecycle model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lifecycle {
    /// After a `join_timeout` that timed out, join again (the careful variant).
    pub join_after_timeout: bool,
}

/// What the parent saw of the child's life.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LifecycleOutcome {
    /// `is_alive` before `start`.
    pub alive_before_start: bool,
    /// `join_timeout` returned with the child ended.
    pub ended_in_time: bool,
    /// `is_alive` at the end.
    pub alive_at_end: bool,
    /// The exit code at the end.
    pub exit_code: Option<i32>,
}

impl Model for Lifecycle {
    type Outcome = LifecycleOutcome;

    fn name(&self) -> String {
        format!("lifecycle(after_timeout={})", self.variant())
    }

    fn catalogue_id(&self) -> Option<ModelId> {
        Some(ModelId::new(
            "lifecycle",
            [("after_timeout", self.variant().to_owned())],
        ))
    }

    fn run(&self) -> LifecycleOutcome {
        let mut child = Process::new(|| {
            io::println!("working");
            io::println!("done");
        })
        .name("worker");
        let alive_before_start = child.is_alive();
        child.start();
        let ended_in_time = child.join_timeout(Duration::from_millis(1));
        if !ended_in_time && self.join_after_timeout {
            child.join();
        }
        LifecycleOutcome {
            alive_before_start,
            ended_in_time,
            alive_at_end: child.is_alive(),
            exit_code: child.exit_code(),
        }
    }

    fn check(&self, outcome: &LifecycleOutcome) -> Result<(), String> {
        if outcome.alive_before_start {
            return Err("alive before start".into());
        }
        if outcome.alive_at_end || outcome.exit_code != Some(EXIT_OK) {
            return Err(format!(
                "the parent went on after `join_timeout` returned with the child still \
                 running: alive {}, exit code {:?}",
                outcome.alive_at_end, outcome.exit_code
            ));
        }
        Ok(())
    }
}

impl Lifecycle {
    fn variant(&self) -> &'static str {
        if self.join_after_timeout {
            "join"
        } else {
            "assume-done"
        }
    }
}
