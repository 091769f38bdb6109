//! `Shared<T>`: a plain shared variable, as in the classic tutorials.
//!
//! Each `get` and each `set` is atomic on its own and is one scheduling point, so
//! `x.set(x.get() + 1)` is two steps and can lose an update. Every `get` sees the latest
//! `set` on every engine: the bug is only in the interleaving, never a stale read. (Under
//! loom, a load/store pair would allow stale reads; the value therefore lives in ordinary
//! storage and each access is made a loom step by a read-modify-write on a separate atomic.)

use crate::context::{self, Backend, Binding};
use crate::engine;
use crate::race::Effect;
use crate::trace::Op;
use crate::turn_cell::{TurnCell, TurnGuard};
use std::fmt;
use std::sync::Arc;

/// A shared variable whose every read and write is one step of the execution.
///
/// ```
/// use interleavings::{Shared, sync::Arc, thread};
/// let counter = Arc::new(Shared::new(100).named("num"));
/// let c = Arc::clone(&counter);
/// let t = thread::spawn(move || c.set(c.get() + 1));
/// t.join().unwrap();
/// assert_eq!(counter.get(), 101);
/// ```
pub struct Shared<T> {
    name: Arc<str>,
    /// The process whose memory it is: other processes may not touch it.
    process: u32,
    binding: Binding,
    value: TurnCell<T>,
    point: Point,
}

/// One scheduling point per access, on whichever engine the object belongs to.
#[derive(Debug)]
pub(crate) enum Point {
    /// No engine step: on real threads (the access itself is the real thing), or for a
    /// variable whose accesses are not scheduling points.
    Absent,
    Loom(engine::loom::Point),
    Shuttle(engine::shuttle::Point),
}

impl Point {
    pub(crate) fn new(backend: Backend) -> Self {
        match backend {
            Backend::Std => Point::Absent,
            Backend::Loom => Point::Loom(engine::loom::Point::new()),
            Backend::Shuttle => Point::Shuttle(engine::shuttle::Point::new()),
        }
    }

    pub(crate) fn read(&self) {
        match self {
            Point::Absent => {}
            Point::Loom(point) => point.read(),
            Point::Shuttle(point) => point.read(),
        }
    }

    pub(crate) fn write(&self) {
        match self {
            Point::Absent => {}
            Point::Loom(point) => point.write(),
            Point::Shuttle(point) => point.write(),
        }
    }
}

impl<T: Clone + fmt::Debug> Shared<T> {
    /// A new shared variable holding `value`, bound to the running execution.
    pub fn new(value: T) -> Self {
        let binding = context::bind();
        let name = binding.default_name("shared");
        let running = context::current_thread();
        // Without a scheduling point per access the engine object would never be touched,
        // yet loom would track it through every execution.
        let point = match &running {
            Some((execution, _)) if execution.every_access_is_a_point => {
                Point::new(binding.backend)
            }
            _ => Point::Absent,
        };
        let process = running.map_or(context::MAIN_PID, |(execution, thread)| {
            execution.check_races();
            execution.pids(thread).0
        });
        // Made in a loom or shuttle execution, it is used on that execution's OS thread only
        // (anywhere else its use is refused before the value is reached).
        let value = TurnCell::new(
            value,
            binding.execution != 0 && binding.backend != Backend::Std,
        );
        Shared {
            process,
            name,
            binding,
            value,
            point,
        }
    }

    /// Names the variable in traces and messages.
    pub fn named(mut self, name: impl AsRef<str>) -> Self {
        self.name = Arc::from(name.as_ref());
        self
    }

    /// The name used in traces.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reads the value: one step.
    pub fn get(&self) -> T {
        let entered = context::enter(self.binding, "Shared", &self.name);
        self.check_process(entered.as_ref());
        if entered.as_ref().is_some_and(|(e, _)| e.access_is_a_point()) {
            self.point.read();
        }
        let value = self.storage();
        let read = value.clone();
        // Recorded while the storage is held, so that on real threads the log's order is the
        // order in which the accesses really happened. (Unrecorded: not at all.)
        if let Some((execution, thread)) = entered.filter(|(e, _)| e.recorded) {
            let effect = Effect::Read(self.binding.object);
            let logged = execution.logged_value(&read);
            execution.record_logged(thread, Op::Get, &self.name, logged, effect);
        }
        read
    }

    /// Writes the value: one step.
    pub fn set(&self, new: T) {
        let entered = context::enter(self.binding, "Shared", &self.name);
        self.check_process(entered.as_ref());
        if entered.as_ref().is_some_and(|(e, _)| e.access_is_a_point()) {
            self.point.write();
        }
        let mut value = self.storage();
        // Unrecorded, the value is neither rendered nor logged.
        if let Some((execution, thread)) = entered.filter(|(e, _)| e.recorded) {
            let effect = Effect::Write(self.binding.object);
            let logged = execution.logged_value(&new);
            execution.record_logged(thread, Op::Set, &self.name, logged, effect);
        }
        *value = new;
    }

    /// A plain variable is memory of the process that made it: another process touching it
    /// is a misuse (processes share only what is made for it: locks and atomics).
    fn check_process(&self, entered: Option<&(context::Running, usize)>) {
        let Some((execution, thread)) = entered else {
            return;
        };
        if !execution.has_processes() {
            return;
        }
        let process = execution.pids(*thread).0;
        if process != self.process {
            execution.fail_and_stop(
                context::FailureKind::Misuse,
                format!(
                    "Shared `{}` belongs to process {} but is used in process {process}: \
                     processes do not share memory. Give the child a copy of the value, or \
                     share it through a Mutex or an atomic (as a multiprocessing Value would).",
                    self.name, self.process
                ),
            );
        }
    }

    fn storage(&self) -> TurnGuard<'_, T> {
        // Only a panic in `Clone` or `Debug` can interrupt a turn, and the value is whole
        // either way.
        self.value.lock()
    }
}

impl<T: Clone + fmt::Debug + Default> Default for Shared<T> {
    fn default() -> Self {
        Shared::new(T::default())
    }
}

impl<T> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("name", &self.name)
            .field("engine", &self.binding.backend.name())
            .finish_non_exhaustive()
    }
}
