//! Processes do not share memory: parent and child start from the same value (100), the
//! child adds 1 three times. In a child process the parent still sees 100 after the join,
//! while the child saw 103; with a thread and a shared variable the parent sees 103 too.
//! The child's parent id is the parent's id; the two ids differ.

use crate::process::{self, Process};
use crate::sync::Arc;
use crate::thread;
use crate::{Model, ModelId, Shared, io};

/// The child's line: what it saw and who it is.
fn report(value: i64) {
    io::println!(
        "child pid {} parent {} saw {value}",
        process::id(),
        process::parent_id()
    );
}

/// Reads back a line printed by [`report`].
fn parse_report(line: &str) -> Option<(i64, u32, u32)> {
    let words: Vec<&str> = line.split(' ').collect();
    match words[..] {
        ["child", "pid", pid, "parent", parent, "saw", value] => {
            Some((value.parse().ok()?, pid.parse().ok()?, parent.parse().ok()?))
        }
        _ => None,
    }
}

/// How the child is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForkWith {
    /// A child process: its own memory.
    Process,
    /// A thread sharing the parent's variable.
    Thread,
}

impl ForkWith {
    /// As the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            ForkWith::Process => "process",
            ForkWith::Thread => "thread",
        }
    }
}

/// The fork/isolation model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fork {
    /// Process or thread.
    pub with: ForkWith,
}

/// What parent and child saw.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ForkOutcome {
    /// The parent's value after the join.
    pub parent_sees: i64,
    /// The child's value at its end.
    pub child_saw: i64,
    /// The child ran in another process than the parent.
    pub other_process: bool,
    /// The child's parent id is the parent's id.
    pub parent_id_matches: bool,
}

impl Model for Fork {
    type Outcome = ForkOutcome;

    fn name(&self) -> String {
        format!("fork(with={})", self.with.name())
    }

    fn catalogue_id(&self) -> Option<ModelId> {
        Some(ModelId::new(
            "fork",
            [("with", self.with.name().to_owned())],
        ))
    }

    fn run(&self) -> ForkOutcome {
        // The child reports what it saw on its output, as the tutorial's child prints it:
        // a process shares no memory, and its output reaches the parent on every engine.
        let parent = process::id();
        let parent_sees = match self.with {
            ForkWith::Process => {
                let value = 100;
                let mut child = Process::new(move || {
                    let mut value = value;
                    for _ in 0..3 {
                        value += 1;
                        thread::yield_now();
                    }
                    report(value);
                })
                .name("child");
                child.start();
                child.join();
                value
            }
            ForkWith::Thread => {
                let value = Arc::new(Shared::new(100).named("value"));
                let shared = Arc::clone(&value);
                let child = thread::Builder::new()
                    .name("child".into())
                    .spawn(move || {
                        for _ in 0..3 {
                            shared.set(shared.get() + 1);
                        }
                        report(shared.get());
                    })
                    .expect("spawn");
                child.join().expect("the child panicked");
                value.get()
            }
        };
        let (child_saw, child_pid, child_parent) = io::output()
            .iter()
            .find_map(|line| parse_report(line))
            .unwrap_or((0, 0, 0));
        crate::io::narrate!(
            "parent pid {parent} sees {parent_sees}; child pid {child_pid} (parent {child_parent}) saw {child_saw}"
        );
        ForkOutcome {
            parent_sees,
            child_saw,
            other_process: child_pid != parent,
            parent_id_matches: child_parent == parent,
        }
    }

    fn check(&self, outcome: &ForkOutcome) -> Result<(), String> {
        if outcome.parent_sees != 100 {
            return Err(format!(
                "the parent sees the child's changes ({}): their memory is shared",
                outcome.parent_sees
            ));
        }
        if outcome.child_saw != 103 || !outcome.other_process || !outcome.parent_id_matches {
            return Err(format!(
                "the child is not an isolated child process: {outcome:?}"
            ));
        }
        Ok(())
    }
}
