//! Processes, like Python's `multiprocessing.Process` in the classic tutorial: start, join,
//! join with a timeout, is_alive, terminate, pid and exit code.
//!
//! Under loom and shuttle a process is a modelled thread with a virtual pid (the model's
//! main process is pid 1). Its memory is its own by construction: the target owns what was
//! moved into it. `join_timeout` is a scheduling point followed by a look at the child: the
//! engines explore both the interleaving where the child finished in time and the one where
//! it did not (time itself is not modelled). `terminate` stops the target at its next step
//! and runs no cleanup: a lock it holds stays locked, as the tutorial warns.
//!
//! The std engine cannot run a `Process` yet (it would need a real child process): starting
//! one there is an [`Error::EngineLimit`](crate::Error::EngineLimit), never a silent pass.
//! A [`Shared`](crate::Shared) variable is memory of the process that made it: another
//! process that touches it is a misuse error. Locks and atomics may be shared between
//! processes, as Python's `multiprocessing.Lock` and `Value` are.
//!
//! ```
//! use interleavings::{explore, Engine, process::{self, Process}};
//! let report = explore(|| {
//!     let mut child = Process::new(|| assert_eq!(process::parent_id(), 1)).name("child");
//!     child.start();
//!     child.join();
//!     assert_eq!(child.exit_code(), Some(0));
//!     assert_ne!(child.pid(), Some(process::id()));
//! })
//! .engine(Engine::loom())
//! .run();
//! assert!(report.is_proved(), "{report}");
//! ```

use crate::context::{self, FailureKind, Terminated};
use crate::shared::Point;
use crate::thread::{self, JoinHandle};
use crate::trace::Op;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

/// What a process runs: a closure, or a type with a `run` method (the tutorial's "subclass
/// `Process` and override `run`").
pub trait Target: Send + 'static {
    /// The process's work.
    fn run(self);
}

impl<F: FnOnce() + Send + 'static> Target for F {
    fn run(self) {
        self()
    }
}

/// Exit code of a process whose target returned.
pub const EXIT_OK: i32 = 0;
/// Exit code of a process whose target panicked.
pub const EXIT_PANICKED: i32 = 1;
/// Exit code of a terminated process (minus SIGTERM, as Python reports it).
pub const EXIT_TERMINATED: i32 = -15;

/// A process: created with a target, started, joined.
pub struct Process {
    name: Option<String>,
    target: Option<Box<dyn FnOnce() + Send>>,
    running: Option<Running>,
    exit_code: Option<i32>,
}

struct Running {
    handle: Option<JoinHandle<i32>>,
    pid: u32,
    /// The child touches it at each step and at its end; the parent touches it when it
    /// looks at the child or terminates it, so the engines order these against each other.
    life: Arc<Point>,
}

impl Process {
    /// A process that will run `target` once started.
    pub fn new(target: impl Target) -> Self {
        Process {
            name: None,
            target: Some(Box::new(move || target.run())),
            running: None,
            exit_code: None,
        }
    }

    /// Names the process (its first thread) in traces.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Starts the process. Panics if it was started before.
    pub fn start(&mut self) {
        let target = self
            .target
            .take()
            .expect("a process can be started only once");
        let Some(execution) = context::current() else {
            panic!(
                "interleavings: `Process::start` outside an exploration; processes run under the \
                 loom and shuttle engines"
            );
        };
        if execution.backend == context::Backend::Std {
            execution.fail_and_stop(
                FailureKind::EngineLimit,
                "the std engine cannot run a `Process` yet (it would need a real child \
                 process); explore process models with Engine::loom(), Engine::dfs(), \
                 Engine::pct(..) or Engine::random(..)"
                    .into(),
            );
        }
        let mut builder = thread::Builder::new().starting_a_process();
        if let Some(name) = &self.name {
            builder = builder.name(name.clone());
        }
        let life = Arc::new(Point::new(execution.backend));
        let child_life = Arc::clone(&life);
        let handle = builder
            .spawn(move || {
                if let Some((execution, me)) = context::current_thread() {
                    execution.set_life(me, Arc::clone(&child_life));
                }
                let code = match panic::catch_unwind(AssertUnwindSafe(target)) {
                    Ok(()) => EXIT_OK,
                    Err(payload) if payload.is::<Terminated>() => EXIT_TERMINATED,
                    Err(payload) if payload.is::<context::Stop>() => panic::resume_unwind(payload),
                    Err(_) => EXIT_PANICKED,
                };
                child_life.write();
                code
            })
            .expect("spawning a model thread does not fail");
        let index = handle.model_thread().expect("inside an exploration").1;
        let pid = execution.pids(index).0;
        self.running = Some(Running {
            handle: Some(handle),
            pid,
            life,
        });
    }

    /// Waits for the process to end.
    pub fn join(&mut self) {
        let Some(running) = &mut self.running else {
            panic!("interleavings: `join` of a process that was not started");
        };
        if let Some(handle) = running.handle.take() {
            self.exit_code = Some(handle.join().unwrap_or(EXIT_PANICKED));
        }
    }

    /// Waits at most `timeout` for the process to end; `true` if it did. Under the model
    /// checkers time is not modelled: both outcomes are explored.
    pub fn join_timeout(&mut self, timeout: Duration) -> bool {
        let _ = timeout;
        if !self.look() {
            return false;
        }
        self.join();
        true
    }

    /// True while the process is started and has not ended.
    pub fn is_alive(&self) -> bool {
        self.running.is_some() && !self.look()
    }

    /// Asks the process to stop at its next step. It runs no cleanup: locks it holds stay
    /// locked.
    pub fn terminate(&self) {
        let Some(running) = &self.running else {
            return;
        };
        if let Some((execution, index)) = running.handle.as_ref().and_then(|h| h.model_thread()) {
            if let Some((current, thread)) = context::current_thread() {
                context::step(&current, thread);
                running.life.write();
                current.record(thread, Op::Terminate, &current.thread_label(index), None);
            }
            execution.terminate(index);
        }
    }

    /// The process id, once started.
    pub fn pid(&self) -> Option<u32> {
        self.running.as_ref().map(|r| r.pid)
    }

    /// The exit code, once joined: [`EXIT_OK`], [`EXIT_PANICKED`] or [`EXIT_TERMINATED`].
    pub fn exit_code(&self) -> Option<i32> {
        self.exit_code
    }

    /// Looks at the child after a scheduling point: true if it has ended.
    fn look(&self) -> bool {
        let Some(running) = &self.running else {
            return false;
        };
        let Some((execution, index)) = running.handle.as_ref().and_then(|h| h.model_thread())
        else {
            return true;
        };
        if let Some((current, thread)) = context::current_thread() {
            context::step(&current, thread);
        }
        running.life.read();
        execution.has_finished(index)
    }
}

impl std::fmt::Debug for Process {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Process")
            .field("name", &self.name)
            .field("pid", &self.pid())
            .field("exit_code", &self.exit_code)
            .finish_non_exhaustive()
    }
}

/// The calling process's id (virtual under the model checkers; the main process is 1).
pub fn id() -> u32 {
    match context::current_thread() {
        Some((execution, thread)) => execution.pids(thread).0,
        None => std::process::id(),
    }
}

/// The id of the calling process's parent (0 for the model's main process).
pub fn parent_id() -> u32 {
    match context::current_thread() {
        Some((execution, thread)) => execution.pids(thread).1,
        None => 0,
    }
}
