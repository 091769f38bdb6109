//! Schedules: the order in which threads acted in one execution.

use crate::trace::Trace;
use std::fmt;

/// The thread that acted at each step of an execution (0 is the main thread).
///
/// Rendered as the thread indices separated by spaces, e.g. `0 0 1 2 1 2 0`. A schedule
/// can also be given as switch points ([`Schedule::from_switches`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Schedule {
    steps: Vec<usize>,
    switches: Vec<Switch>,
}

/// A switch point: once thread `thread` has taken `after` steps, thread `to` runs (if it
/// can). Between switch points the running thread goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Switch {
    /// The thread that is running.
    pub thread: usize,
    /// How many steps (recorded events) it has taken.
    pub after: usize,
    /// The thread to run instead.
    pub to: usize,
}

impl Schedule {
    /// A schedule from the thread indices of its steps.
    pub fn new(steps: Vec<usize>) -> Self {
        Schedule {
            steps,
            switches: Vec::new(),
        }
    }

    /// A schedule of switch points only: the running thread goes on until a switch point
    /// says otherwise. Unlike a thread per step, switch points name steps of one thread,
    /// so they keep their meaning when other threads take more or fewer steps (what makes
    /// them shrink well).
    pub fn from_switches(switches: Vec<Switch>) -> Self {
        Schedule {
            steps: Vec::new(),
            switches,
        }
    }

    /// The switch points of a schedule made by [`Schedule::from_switches`].
    pub fn switches(&self) -> &[Switch] {
        &self.switches
    }

    /// The schedule an execution followed.
    pub fn from_trace(trace: &Trace) -> Self {
        Schedule::new(trace.thread_order())
    }

    /// The thread index of each step.
    pub fn steps(&self) -> &[usize] {
        &self.steps
    }

    /// Number of steps (or of switch points).
    pub fn len(&self) -> usize {
        self.steps.len().max(self.switches.len())
    }

    /// True if the schedule has no steps and no switch points.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty() && self.switches.is_empty()
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.switches.is_empty() {
            let points: Vec<String> = self
                .switches
                .iter()
                .map(|s| {
                    format!(
                        "thread {} after {} steps: thread {}",
                        s.thread, s.after, s.to
                    )
                })
                .collect();
            return write!(f, "switch points [{}]", points.join("; "));
        }
        let mut first = true;
        for step in &self.steps {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            write!(f, "{step}")?;
        }
        Ok(())
    }
}
