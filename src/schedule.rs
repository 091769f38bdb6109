//! Schedules: the order in which threads acted in one execution.

use crate::trace::Trace;
use std::fmt;

/// The thread that acted at each step of an execution (0 is the main thread).
///
/// Rendered as the thread indices separated by spaces, e.g. `0 0 1 2 1 2 0`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Schedule {
    steps: Vec<usize>,
}

impl Schedule {
    /// A schedule from the thread indices of its steps.
    pub fn new(steps: Vec<usize>) -> Self {
        Schedule { steps }
    }

    /// The schedule an execution followed.
    pub fn from_trace(trace: &Trace) -> Self {
        Schedule {
            steps: trace.thread_order(),
        }
    }

    /// The thread index of each step.
    pub fn steps(&self) -> &[usize] {
        &self.steps
    }

    /// Number of steps.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// True if the schedule has no steps.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
