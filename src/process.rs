//! Processes, like Python's `multiprocessing.Process` in the classic tutorial: start, join,
//! join with a timeout, is_alive, terminate, pid and exit code.
//!
//! Under loom and shuttle a process is a modelled thread with a virtual pid (the model's
//! main process is pid 1). Its memory is its own by construction: the target owns what was
//! moved into it. `join_timeout` is a scheduling point followed by a look at the child: the
//! engines explore both the interleaving where the child finished in time and the one where
//! it did not (time itself is not modelled). `terminate` stops the target at its next step
//! and runs no cleanup: a lock it holds stays locked, as the tutorial warns. Threads that
//! the target spawned belong to the process and stop with it, each at its next step. (On
//! the std engine the whole real process ends.)
//!
//! Under the std engine (on Linux) a process is a real OS process made by `fork`: a real pid,
//! real memory of its own, `terminate` sends `SIGTERM` and the exit code is the real one
//! (minus the signal for a killed child, as Python reports it). What the child prints with
//! [`io::println!`](crate::io::println) comes back to the parent through a pipe and is part
//! of the execution's output. The child acts as a program outside any exploration: its own
//! threads are plain threads, its steps are not recorded. A lock or atomic of the parent's
//! execution cannot be shared with a real child (the child has a copy): using one there is
//! an [`Error::EngineLimit`](crate::Error::EngineLimit) naming the object, never a silent
//! pass; so is starting a process on another operating system.
//!
//! A [`Shared`](crate::Shared) variable is memory of the process that made it: another
//! process that touches it is a misuse error, on every engine. Under loom and shuttle, locks
//! and atomics may be shared between processes, as Python's `multiprocessing.Lock` and
//! `Value` are.
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

use crate::context::{self, Execution, FailureKind, Terminated};
use crate::race::Effect;
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

enum Running {
    /// A modelled process: a model thread of loom or shuttle.
    Modelled {
        handle: Option<JoinHandle<i32>>,
        pid: u32,
        /// The child touches it at each step and at its end; the parent touches it when it
        /// looks at the child or terminates it, so the engines order these against each
        /// other.
        life: Arc<Point>,
    },
    /// A real child process, on the std engine.
    #[cfg(target_os = "linux")]
    Real {
        child: crate::engine::fork::Child,
        execution: Arc<Execution>,
        /// The child's column in the trace.
        index: usize,
    },
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
            #[cfg(target_os = "linux")]
            if crate::engine::fork::in_child() {
                crate::engine::fork::refuse("starting a `Process`");
            }
            panic!(
                "interleavings: `Process::start` outside an exploration; processes run under the \
                 loom and shuttle engines"
            );
        };
        if execution.backend == context::Backend::Std {
            return self.start_real(execution.to_arc(), target);
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
        self.running = Some(Running::Modelled {
            handle: Some(handle),
            pid,
            life,
        });
    }

    /// Starts the process as a real child process (std engine).
    #[cfg(target_os = "linux")]
    fn start_real(&mut self, execution: Arc<Execution>, target: Box<dyn FnOnce() + Send>) {
        let (_, thread) = context::current_thread().expect("inside an exploration");
        context::step(&execution, thread);
        let index = execution.add_thread(thread, self.name.as_deref());
        let label = execution.thread_label(index);
        execution.record_with(thread, Op::Spawn, &label, None, Effect::Spawn(index));
        match crate::engine::fork::start(&execution, index, target) {
            // The child's column needs no pid in this log: `process::id` is the real one
            // on the std engine, and the child touches none of this execution's objects.
            Ok(child) => {
                self.running = Some(Running::Real {
                    child,
                    execution,
                    index,
                });
            }
            Err(error) => execution.fail_and_stop(
                FailureKind::EngineLimit,
                format!("the std engine could not start process `{label}`: {error}"),
            ),
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn start_real(&mut self, execution: Arc<Execution>, _: Box<dyn FnOnce() + Send>) {
        execution.fail_and_stop(
            FailureKind::EngineLimit,
            "the std engine runs a `Process` as a real child process on Linux only; explore \
             process models with Engine::loom(), Engine::dfs(), Engine::pct(..) or \
             Engine::random(..)"
                .into(),
        );
    }

    /// Waits for the process to end.
    pub fn join(&mut self) {
        match &mut self.running {
            None => panic!("interleavings: `join` of a process that was not started"),
            Some(Running::Modelled { handle, .. }) => {
                if let Some(handle) = handle.take() {
                    self.exit_code = Some(handle.join().unwrap_or(EXIT_PANICKED));
                }
            }
            #[cfg(target_os = "linux")]
            Some(Running::Real { .. }) => {
                self.wait_real(None);
            }
        }
    }

    /// Waits at most `timeout` for the process to end; `true` if it did. Under the model
    /// checkers time is not modelled: both outcomes are explored. Under the std engine it
    /// is a real wait of at most `timeout`.
    pub fn join_timeout(&mut self, timeout: Duration) -> bool {
        #[cfg(target_os = "linux")]
        if let Some(Running::Real { .. }) = &self.running {
            return self.wait_real(Some(timeout));
        }
        if !self.look() {
            return false;
        }
        self.join();
        true
    }

    /// True while the process is started and has not ended.
    pub fn is_alive(&self) -> bool {
        match &self.running {
            None => false,
            Some(Running::Modelled { .. }) => !self.look(),
            #[cfg(target_os = "linux")]
            Some(Running::Real {
                child,
                execution,
                index,
            }) => {
                step_caller();
                let ended = child.try_reap();
                if ended {
                    note_real_end(execution, *index);
                }
                !ended
            }
        }
    }

    /// Waits for a real child (for at most `timeout`, if given); true if it ended. Gives up
    /// (ending the calling model thread) when the std engine aborts the run.
    #[cfg(target_os = "linux")]
    fn wait_real(&mut self, timeout: Option<Duration>) -> bool {
        let Some(Running::Real {
            child,
            execution,
            index,
        }) = &self.running
        else {
            unreachable!("called for real processes only")
        };
        let thread = step_caller();
        let deadline = timeout.map(|t| std::time::Instant::now() + t);
        let label = execution.thread_label(*index);
        execution.note_join_wait(thread, *index);
        let aborted = || execution.abort.load(std::sync::atomic::Ordering::Relaxed);
        let ended = execution.waiting(thread, Op::Join, *index, || child.wait(deadline, aborted));
        if !ended {
            if aborted() {
                execution.stop();
            }
            return false;
        }
        note_real_end(execution, *index);
        execution.record_with(thread, Op::Join, &label, None, Effect::Join(*index));
        self.exit_code = child.exit_code();
        true
    }

    /// Asks the process to stop at its next step. It runs no cleanup: locks it holds stay
    /// locked.
    pub fn terminate(&self) {
        let handle = match &self.running {
            None => return,
            Some(Running::Modelled { handle, .. }) => handle,
            #[cfg(target_os = "linux")]
            Some(Running::Real {
                child,
                execution,
                index,
            }) => {
                let thread = step_caller();
                execution.record(thread, Op::Terminate, &execution.thread_label(*index), None);
                child.terminate();
                return;
            }
        };
        if let Some((execution, index)) = handle.as_ref().and_then(|h| h.model_thread()) {
            if let Some((current, thread)) = context::current_thread() {
                context::step(&current, thread);
                if let Some(Running::Modelled { life, .. }) = &self.running {
                    life.write();
                }
                current.record(thread, Op::Terminate, &current.thread_label(index), None);
            }
            execution.terminate(index);
        }
    }

    /// The process id, once started.
    pub fn pid(&self) -> Option<u32> {
        match self.running.as_ref()? {
            Running::Modelled { pid, .. } => Some(*pid),
            #[cfg(target_os = "linux")]
            Running::Real { child, .. } => Some(child.pid()),
        }
    }

    /// The exit code, once the process is known to have ended (joined, or under the std
    /// engine also seen ended by `is_alive`): [`EXIT_OK`], [`EXIT_PANICKED`],
    /// [`EXIT_TERMINATED`], or on the std engine whatever the real process's status was.
    pub fn exit_code(&self) -> Option<i32> {
        match &self.running {
            #[cfg(target_os = "linux")]
            Some(Running::Real { child, .. }) => child.exit_code(),
            _ => self.exit_code,
        }
    }

    /// Looks at a modelled child after a scheduling point: true if it has ended.
    fn look(&self) -> bool {
        let Some(Running::Modelled { handle, life, .. }) = &self.running else {
            return false;
        };
        let Some((execution, index)) = handle.as_ref().and_then(|h| h.model_thread()) else {
            return true;
        };
        if let Some((current, thread)) = context::current_thread() {
            context::step(&current, thread);
        }
        life.read();
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

/// Counts a step (a scheduling point) of the calling model thread; returns its index (0
/// outside any exploration).
#[cfg(target_os = "linux")]
fn step_caller() -> usize {
    match context::current_thread() {
        Some((execution, thread)) => {
            context::step(&execution, thread);
            thread
        }
        None => 0,
    }
}

/// Records that the real child of trace column `index` has ended (once).
#[cfg(target_os = "linux")]
fn note_real_end(execution: &Execution, index: usize) {
    if !execution.has_finished(index) {
        execution.record(index, Op::Finish, context::no_object(), None);
        execution.set_status(index, context::Status::Finished);
    }
}

/// The calling process's id: virtual under the model checkers (the main process is 1), the
/// real one under the std engine and outside explorations.
pub fn id() -> u32 {
    match context::current_thread() {
        Some((execution, thread)) if execution.backend != context::Backend::Std => {
            execution.pids(thread).0
        }
        _ => std::process::id(),
    }
}

/// The id of the calling process's parent: virtual under the model checkers (0 for the
/// model's main process), the real one under the std engine; 0 outside explorations.
pub fn parent_id() -> u32 {
    match context::current_thread() {
        Some((execution, thread)) if execution.backend != context::Backend::Std => {
            execution.pids(thread).1
        }
        Some(_) => real_parent_id(),
        #[cfg(target_os = "linux")]
        None if crate::engine::fork::in_child() => real_parent_id(),
        None => 0,
    }
}

fn real_parent_id() -> u32 {
    #[cfg(unix)]
    return std::os::unix::process::parent_id();
    #[cfg(not(unix))]
    0
}
