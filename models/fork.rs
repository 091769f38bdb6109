//! Processes do not share memory: parent and child start from the same value (100), the
//! child adds 1 three times. In a child process the parent still sees 100 after the join,
//! while the child saw 103; with a thread and a shared variable the parent sees 103 too.
//! The child's parent id is the parent's id; the two ids differ.

use crate::process::{self, Process};
use crate::sync::{Arc, Mutex};
use crate::thread;
use crate::{Model, ModelId, Shared};

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
        // What the child reports back travels through a lock made to be shared, as a
        // pipe would carry it.
        let report = Arc::new(Mutex::new((0, 0, 0)).named("pipe"));
        let back = Arc::clone(&report);
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
                    *back.lock().expect("pipe") = (value, process::id(), process::parent_id());
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
                        *back.lock().expect("pipe") =
                            (shared.get(), process::id(), process::parent_id());
                    })
                    .expect("spawn");
                child.join().expect("the child panicked");
                value.get()
            }
        };
        let (child_saw, child_pid, child_parent) = *report.lock().expect("pipe");
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
