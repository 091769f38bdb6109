//! Threads, like [`std::thread`]: `spawn`, `Builder`, `JoinHandle`, `current`, `yield_now`.
//!
//! Inside an exploration a spawned thread is a model thread of the running engine: an OS
//! thread under the std engine, a coroutine under loom and shuttle. Outside any exploration
//! these functions are std's.

use crate::context::{self, Backend, Execution, Terminated};
use crate::engine;
use crate::race::Effect;
use crate::trace::{Op, Value};
use std::fmt;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

pub use std::thread::Result;

/// Spawns a thread running `f`, like [`std::thread::spawn`].
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Builder::new().spawn(f).expect("failed to spawn thread")
}

/// Thread factory, like [`std::thread::Builder`]: names the thread before it starts.
#[derive(Debug, Default)]
#[must_use = "a Builder does nothing until `spawn` is called"]
pub struct Builder {
    name: Option<String>,
    /// The thread starts a new process (`Process::start`).
    process: bool,
}

impl Builder {
    /// A builder for an unnamed thread.
    pub fn new() -> Self {
        Builder::default()
    }

    /// Names the thread; traces and messages use the name.
    pub fn name(mut self, name: String) -> Self {
        self.name = Some(name);
        self
    }

    /// The thread will be the first of a new (modelled) process.
    pub(crate) fn starting_a_process(mut self) -> Self {
        self.process = true;
        self
    }

    /// Adds the model thread that `parent` spawns, and records the spawn.
    fn add_child(&self, execution: &Execution, parent: usize) -> usize {
        let child = execution.add_thread(parent, self.name.as_deref());
        if self.process {
            execution.make_process(child);
        }
        execution.record_on_thread(parent, Op::Spawn, child, Effect::Spawn(child));
        child
    }

    /// Spawns the thread.
    pub fn spawn<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let Some((execution, parent)) = context::current_thread() else {
            let mut builder = std::thread::Builder::new();
            if let Some(name) = self.name {
                builder = builder.name(name);
            }
            return builder.spawn(f).map(|handle| JoinHandle {
                inner: Inner::Std(handle),
                joined: None,
            });
        };
        context::step(&execution, parent);
        let (child, inner) = if execution.backend == Backend::Shuttle {
            // Shuttle's spawn makes its scheduling point before it creates the task, so the
            // model thread is added after it: then model thread i is shuttle task i even when
            // two threads spawn at once (see `engine::shuttle::thread_index`).
            let body = move || {
                let execution = running_in_own_thread();
                run_model_thread(&execution, engine::shuttle::thread_index(), f)
            };
            let handle = engine::shuttle::spawn(body);
            let child = self.add_child(&execution, parent);
            engine::shuttle::check_task(&handle, child);
            (child, Inner::Shuttle(handle))
        } else {
            let child = self.add_child(&execution, parent);
            let body = move || run_model_thread(&running_in_own_thread(), child, f);
            let inner = match execution.backend {
                Backend::Std => Inner::StdModel(engine::std::spawn(
                    execution.to_arc(),
                    child,
                    self.name,
                    body,
                )?),
                _ => Inner::Loom(engine::loom::spawn(&execution, child, body)),
            };
            (child, inner)
        };
        execution.replay_point();
        Ok(JoinHandle {
            inner,
            joined: Some((execution.to_arc(), child)),
        })
    }
}

/// The execution, as a model thread sees it once its engine runs it: under loom and
/// shuttle on the OS thread that runs the execution, under std on its own OS thread, where
/// the engine installed it first. Borrowed, not counted: the thread's body runs while it
/// is installed.
fn running_in_own_thread() -> context::Running {
    context::current().expect("interleavings: a model thread runs inside its execution")
}

/// Runs a model thread's body: records its panic (and lets it unwind on, so that the engine
/// sees it too) and its end. `None` if the thread's process was terminated: the thread
/// vanishes, with no value and no panic for the engine to see.
pub(crate) fn run_model_thread<T>(
    execution: &Execution,
    thread: usize,
    f: impl FnOnce() -> T,
) -> Option<T> {
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    if result.is_ok() {
        execution.replay_point();
    }
    if let Err(payload) = &result {
        execution.record_panic(thread, payload.as_ref());
        if execution.has_failed() && execution.backend == Backend::Shuttle {
            execution.stop();
        }
    }
    execution.finish_thread(thread);
    match result {
        Ok(value) => Some(value),
        Err(payload) if payload.is::<Terminated>() => None,
        Err(payload) => panic::resume_unwind(payload),
    }
}

impl<T> JoinHandle<T> {
    /// The execution and model thread index of the thread, inside an exploration.
    pub(crate) fn model_thread(&self) -> Option<(&Arc<Execution>, usize)> {
        self.joined
            .as_ref()
            .map(|(execution, index)| (execution, *index))
    }
}

/// An owned permission to join a thread, like [`std::thread::JoinHandle`].
pub struct JoinHandle<T> {
    inner: Inner<T>,
    /// The execution and model thread index, inside an exploration.
    joined: Option<(Arc<Execution>, usize)>,
}

/// The engine's handle. A model thread's body gives `None` if its process was terminated
/// (see [`run_model_thread`]).
enum Inner<T> {
    /// A plain thread, outside any exploration.
    Std(std::thread::JoinHandle<T>),
    /// A model thread of the std engine.
    StdModel(std::thread::JoinHandle<Option<T>>),
    Loom(engine::loom::JoinHandle<Option<T>>),
    Shuttle(engine::shuttle::JoinHandle<Option<T>>),
}

impl<T> JoinHandle<T> {
    /// Waits for the thread to finish; `Err` carries its panic, as in std.
    pub fn join(self) -> Result<T> {
        let Some((execution, child)) = self.joined else {
            let Inner::Std(handle) = self.inner else {
                unreachable!("handles outside explorations are std's")
            };
            return handle.join();
        };
        let thread = context::current_thread().map_or(0, |(_, thread)| thread);
        context::step(&execution, thread);
        execution.note_join_wait(thread, child);
        let result = execution.waiting(thread, Op::Join, child, || match self.inner {
            Inner::Std(_) => unreachable!("a model thread's handle is its engine's"),
            Inner::StdModel(handle) => handle.join(),
            Inner::Loom(handle) => engine::loom::resuming(|| handle.join()),
            Inner::Shuttle(handle) => handle.join(),
        });
        execution.note_joined();
        execution.record_on_thread(thread, Op::Join, child, Effect::Join(child));
        result.and_then(|value| {
            value.ok_or_else(|| {
                let label = execution.thread_label(child);
                let stopped = format!("thread `{label}` was stopped: its process was terminated");
                Box::new(stopped) as Box<dyn std::any::Any + Send>
            })
        })
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").finish_non_exhaustive()
    }
}

/// A handle to a thread, like [`std::thread::Thread`]: gives its name.
#[derive(Clone, Debug)]
pub struct Thread {
    name: Option<String>,
}

impl Thread {
    /// The thread's name, if it has one. The model's main thread is called `main`.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

/// The calling thread.
pub fn current() -> Thread {
    match context::current_thread() {
        Some((execution, thread)) => Thread {
            name: execution.thread_name(thread),
        },
        None => Thread {
            name: std::thread::current().name().map(str::to_owned),
        },
    }
}

/// Sleeps, like [`std::thread::sleep`]: a real sleep on the std engine. Under loom and
/// shuttle time is not modelled: a sleep is a scheduling point where any other thread may
/// run first, however long the duration.
pub fn sleep(duration: std::time::Duration) {
    let Some((execution, thread)) = context::current_thread() else {
        return std::thread::sleep(duration);
    };
    context::step(&execution, thread);
    execution.pass_clock_point();
    execution.record(
        thread,
        Op::Sleep,
        context::no_object(),
        Some(Value::debug(&duration)),
    );
    if execution.backend == Backend::Std {
        std::thread::sleep(duration);
    }
}

/// Gives up the processor: a scheduling point that tells the engine this thread waits for
/// another, so that a spin loop ends.
///
/// The exhaustive engines (loom, DFS) and PCT take that literally: while another thread can
/// take a step, the yielding thread is not run on at once. A proof therefore does not cover
/// executions in which it goes straight on, which real threads and shuttle's random
/// scheduler do run (a report whose executions yielded says so). Yield where the thread
/// does wait for another (a spin loop on a flag); elsewhere, leave it out of the model.
pub fn yield_now() {
    let Some((execution, thread)) = context::current_thread() else {
        return std::thread::yield_now();
    };
    context::step(&execution, thread);
    execution
        .yielded
        .store(true, std::sync::atomic::Ordering::Relaxed);
    execution.record(thread, Op::Yield, context::no_object(), None);
    match execution.backend {
        Backend::Std => std::thread::yield_now(),
        Backend::Loom => engine::loom::yield_now(),
        Backend::Shuttle => engine::shuttle::yield_now(),
    }
}
