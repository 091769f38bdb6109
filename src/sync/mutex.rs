//! `Mutex`: std's mutex, on whichever engine runs the execution.

use crate::context::{self, Binding, Execution};
use crate::engine;
use crate::race::{Effect, ObjectId};
use crate::trace::{Op, Value};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::Ordering;
use std::sync::{Arc, LockResult, PoisonError, TryLockError, TryLockResult};

/// A mutual exclusion lock, like [`std::sync::Mutex`]. Each `lock`, `try_lock` and unlock is
/// one step of the execution, recorded in its trace.
pub struct Mutex<T> {
    name: Arc<str>,
    binding: Binding,
    inner: Inner<T>,
}

enum Inner<T> {
    Std(std::sync::Mutex<T>),
    /// With a probe when the exploration asks for one (see `Execution::try_lock_probes`).
    Loom(engine::loom::Mutex<T>, Option<engine::loom::Point>),
    Shuttle(engine::shuttle::Mutex<T>),
}

/// Proof of holding a [`Mutex`]; unlocks when dropped, like [`std::sync::MutexGuard`].
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T> {
    /// Dropped by hand in `drop`, so that a guard made outside explorations has nothing
    /// left for the compiler's drop glue (which it then inlines).
    witness: std::mem::ManuallyDrop<Option<Witness<'a>>>,
    /// Released by hand in `drop`: kept locked for ever if its thread's process was
    /// terminated (a terminated process runs no cleanup).
    inner: std::mem::ManuallyDrop<GuardInner<'a, T>>,
}

impl<T> Drop for MutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        if self.witness.is_none() {
            // Outside any exploration: a plain unlock.
            // SAFETY: `inner` is taken here once and never used again.
            match unsafe { std::mem::ManuallyDrop::take(&mut self.inner) } {
                GuardInner::Std(guard) => drop(guard),
                engine_guard => drop_out_of_line(engine_guard),
            }
            return;
        }
        self.drop_recorded();
    }
}

/// Keeps the engines' guards out of the inlined unlock of a plain one.
#[inline(never)]
fn drop_out_of_line<T>(guard: T) {
    drop(guard);
}

impl<T> MutexGuard<'_, T> {
    #[inline(never)]
    fn drop_recorded(&mut self) {
        // SAFETY: taken once, here, while the guard is dropped.
        let Some(mut witness) = (unsafe { std::mem::ManuallyDrop::take(&mut self.witness) }) else {
            return;
        };
        // The unlock is a step of its own: a process can be terminated just before it (the
        // step then unwinds the thread, and the lock is never released).
        if !std::thread::panicking() {
            context::step(&witness.execution, witness.thread);
        }
        let terminated = witness.execution.is_terminated(witness.thread);
        // Under shuttle the release happens after a scheduling point, in the thread's next
        // step: the DFS's reduction must see it there (see `Log::releases`). Searches
        // without the reduction (the samplers among them) do not need the note.
        let released = (witness.execution.backend == context::Backend::Shuttle
            && !witness.execution.every_access_is_a_point
            && !terminated)
            .then(|| (Arc::clone(&witness.execution), Arc::clone(witness.name)));
        // The unlock is recorded (when the witness drops) before the engine releases the
        // lock: the next owner's `lock` event always comes after this `unlock`. A
        // terminated holder never unlocks.
        witness.unlocks = !terminated;
        let probe = witness.probe;
        drop(witness);
        if !terminated {
            // A loom scheduling point while the lock is still held: there a `try_lock` of
            // another thread finds it busy.
            if let Some(probe) = probe.filter(|_| !std::thread::panicking()) {
                probe.write();
            }
            // SAFETY: `inner` is dropped here once and never used again.
            unsafe { std::mem::ManuallyDrop::drop(&mut self.inner) }
        }
        if let Some((execution, name)) = released {
            execution.note_release(name);
        }
    }
}

struct Witness<'a> {
    execution: Arc<Execution>,
    thread: usize,
    name: &'a Arc<str>,
    /// Touched just before the lock is released (loom with `try_lock` probes).
    probe: Option<&'a engine::loom::Point>,
    object: ObjectId,
    /// False when the lock is never released (its holder was terminated).
    unlocks: bool,
    /// The index of the `lock` event, where a quiet section may begin (shuttle, with
    /// `Shared` accesses that are not scheduling points; see `Log::quiet_sections`).
    lock_at: Option<usize>,
    /// The holder reached the content through the guard: the section is not quiet (what
    /// it did to the content is not recorded).
    content_used: std::cell::Cell<bool>,
}

impl Drop for Witness<'_> {
    fn drop(&mut self) {
        if !self.unlocks {
            return;
        }
        // A guard dropped while its thread unwinds belongs to a failed execution (a panic,
        // or the engine ending a deadlock): the trace ends where the failure happened.
        if std::thread::panicking() {
            return;
        }
        self.execution.replay_point();
        self.execution.record_unlock(
            self.thread,
            self.name,
            self.object,
            self.lock_at,
            self.content_used.get(),
        );
    }
}

enum GuardInner<'a, T> {
    Std(std::sync::MutexGuard<'a, T>),
    Loom(engine::loom::MutexGuard<'a, T>),
    Shuttle(engine::shuttle::MutexGuard<'a, T>),
}

impl<T> Mutex<T> {
    /// A new unlocked mutex holding `value`, bound to the running execution.
    pub fn new(value: T) -> Self {
        let binding = context::bind();
        let inner = match binding.backend {
            context::Backend::Std => Inner::Std(std::sync::Mutex::new(value)),
            context::Backend::Loom => {
                let probes = context::current().is_some_and(|e| e.try_lock_probes);
                let probe = probes.then(engine::loom::Point::new);
                Inner::Loom(engine::loom::Mutex::new(value), probe)
            }
            context::Backend::Shuttle => Inner::Shuttle(engine::shuttle::Mutex::new(value)),
        };
        Mutex {
            name: binding.default_name("mutex"),
            binding,
            inner,
        }
    }

    /// Names the mutex in traces and messages.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Arc::from(name.into());
        self
    }

    /// The name used in traces.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Acquires the lock, blocking the current thread until it can.
    #[inline]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        if let Inner::Std(mutex) = &self.inner {
            if context::outside_explorations(self.binding) {
                return map_guard(lift(mutex.lock(), GuardInner::Std), None);
            }
        }
        self.lock_in_execution()
    }

    #[inline(never)]
    fn lock_in_execution(&self) -> LockResult<MutexGuard<'_, T>> {
        let Some((execution, thread)) = context::enter(self.binding, "Mutex", &self.name) else {
            let Inner::Std(mutex) = &self.inner else {
                unreachable!("objects outside explorations are std")
            };
            return map_guard(lift(mutex.lock(), GuardInner::Std), None);
        };
        let object = self.binding.object;
        let (result, lock_at) = match &self.inner {
            Inner::Std(mutex) => {
                let locked = engine::std::lock(mutex, &execution, thread, object, &self.name);
                let effect = Effect::Acquire(object);
                execution.record_with(thread, Op::Lock, &self.name, None, effect);
                (lift(locked, GuardInner::Std), None)
            }
            Inner::Loom(mutex, _) => execution.lock(thread, object, &self.name, || {
                lift(mutex.lock(), GuardInner::Loom)
            }),
            Inner::Shuttle(mutex) => execution.lock(thread, object, &self.name, || {
                lift(mutex.lock(), GuardInner::Shuttle)
            }),
        };
        let mut witness = self.witness(execution, thread);
        witness.lock_at = lock_at;
        map_guard(result, Some(witness))
    }

    /// Acquires the lock if it is free, without blocking.
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        let entered = context::enter(self.binding, "Mutex", &self.name);
        let result = match &self.inner {
            Inner::Std(mutex) => lift_try(mutex.try_lock(), GuardInner::Std),
            Inner::Loom(mutex, probe) => {
                match (probe, &entered) {
                    (Some(probe), _) => probe.write(),
                    (None, Some((execution, _))) => {
                        execution.unprobed_try_lock.store(true, Ordering::Relaxed);
                    }
                    (None, None) => {}
                }
                lift_try(mutex.try_lock(), GuardInner::Loom)
            }
            Inner::Shuttle(mutex) => lift_try(mutex.try_lock(), GuardInner::Shuttle),
        };
        let Some((execution, thread)) = entered else {
            return map_try(result, None);
        };
        let acquired = !matches!(result, Err(TryLockError::WouldBlock));
        let (value, effect) = if acquired {
            ("acquired", Effect::Acquire(self.binding.object))
        } else {
            ("busy", Effect::Plain)
        };
        execution.record_with(
            thread,
            Op::TryLock,
            &self.name,
            Some(Value::from(value)),
            effect,
        );
        let witness = acquired.then(|| self.witness(execution, thread));
        map_try(result, witness)
    }

    /// Consumes the mutex and returns its value.
    pub fn into_inner(self) -> LockResult<T> {
        match self.inner {
            Inner::Std(mutex) => mutex.into_inner(),
            Inner::Loom(mutex, _) => mutex.into_inner(),
            Inner::Shuttle(mutex) => mutex.into_inner(),
        }
    }

    fn witness(&self, execution: Arc<Execution>, thread: usize) -> Witness<'_> {
        let probe = match &self.inner {
            Inner::Loom(_, probe) => probe.as_ref(),
            _ => None,
        };
        Witness {
            execution,
            thread,
            name: &self.name,
            probe,
            object: self.binding.object,
            unlocks: true,
            lock_at: None,
            content_used: std::cell::Cell::new(false),
        }
    }
}

fn lift<'a, G, T>(
    result: LockResult<G>,
    wrap: impl Fn(G) -> GuardInner<'a, T>,
) -> LockResult<GuardInner<'a, T>> {
    match result {
        Ok(guard) => Ok(wrap(guard)),
        Err(poisoned) => Err(PoisonError::new(wrap(poisoned.into_inner()))),
    }
}

fn lift_try<'a, G, T>(
    result: TryLockResult<G>,
    wrap: impl Fn(G) -> GuardInner<'a, T>,
) -> TryLockResult<GuardInner<'a, T>> {
    match result {
        Ok(guard) => Ok(wrap(guard)),
        Err(TryLockError::Poisoned(poisoned)) => Err(TryLockError::Poisoned(PoisonError::new(
            wrap(poisoned.into_inner()),
        ))),
        Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
    }
}

fn guard<'a, T>(witness: Option<Witness<'a>>, inner: GuardInner<'a, T>) -> MutexGuard<'a, T> {
    MutexGuard {
        witness: std::mem::ManuallyDrop::new(witness),
        inner: std::mem::ManuallyDrop::new(inner),
    }
}

fn map_guard<'a, T>(
    result: LockResult<GuardInner<'a, T>>,
    witness: Option<Witness<'a>>,
) -> LockResult<MutexGuard<'a, T>> {
    match result {
        Ok(inner) => Ok(guard(witness, inner)),
        Err(poisoned) => Err(PoisonError::new(guard(witness, poisoned.into_inner()))),
    }
}

fn map_try<'a, T>(
    result: TryLockResult<GuardInner<'a, T>>,
    witness: Option<Witness<'a>>,
) -> TryLockResult<MutexGuard<'a, T>> {
    match result {
        Ok(inner) => Ok(guard(witness, inner)),
        Err(TryLockError::Poisoned(poisoned)) => Err(TryLockError::Poisoned(PoisonError::new(
            guard(witness, poisoned.into_inner()),
        ))),
        Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
    }
}

impl<T> MutexGuard<'_, T> {
    /// Notes that the content is reached: reading it counts too, since interior
    /// mutability can write through a shared reference.
    #[inline]
    fn note_content_used(&self) {
        if let Some(witness) = &*self.witness {
            witness.content_used.set(true);
        }
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.note_content_used();
        match &*self.inner {
            GuardInner::Std(guard) => guard,
            GuardInner::Loom(guard) => guard,
            GuardInner::Shuttle(guard) => guard,
        }
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.note_content_used();
        match &mut *self.inner {
            GuardInner::Std(guard) => guard,
            GuardInner::Loom(guard) => guard,
            GuardInner::Shuttle(guard) => guard,
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex")
            .field("name", &self.name)
            .field("engine", &self.binding.backend.name())
            .finish_non_exhaustive()
    }
}

impl<T: fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
