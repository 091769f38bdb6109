//! `Mutex`: std's mutex, on whichever engine runs the execution.

use crate::context::{self, Binding};
use crate::engine;
use crate::race::Effect;
use crate::trace::{Op, Value};
use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::Ordering;
use std::sync::{Arc, LockResult, PoisonError, TryLockError, TryLockResult};

/// A mutual exclusion lock, like [`std::sync::Mutex`]. Each `lock`, `try_lock` and unlock is
/// one step of the execution, recorded in its trace.
pub struct Mutex<T> {
    name: Arc<str>,
    binding: Binding,
    /// What the holder keeps while it holds the lock. Declared before `lock`, so that it is
    /// dropped first: a guard it still holds (see [`Held`]'s `Drop`) borrows `lock`.
    held: UnsafeCell<Held>,
    lock: Lock,
    data: UnsafeCell<T>,
}

// SAFETY: `data` and `held` are reached only by the thread that holds `lock` (the engine's
// mutex orders one holder's accesses before the next one's), as in std's `Mutex<T>`.
unsafe impl<T: Send> Send for Mutex<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Mutex<T> {}

/// The engine's lock; the content is kept beside it, in `Mutex::data`.
enum Lock {
    Std(std::sync::Mutex<()>),
    /// With a probe when the exploration asks for one (see `Execution::loom_probes`).
    Loom(engine::loom::Mutex<()>, Option<engine::loom::Point>),
    Shuttle(engine::shuttle::Mutex<()>),
}

/// The engine's guard, kept inside the mutex while the lock is held, so that the facade's
/// guard is a single reference (returned in registers: with a bigger guard, copying it out
/// of `lock` cost more than the lock itself). Its lifetime is really that of `Mutex::lock`.
#[allow(dead_code, reason = "each guard is kept for its `Drop`, the unlock")]
enum EngineGuard {
    Std(std::sync::MutexGuard<'static, ()>),
    Loom(engine::loom::MutexGuard<'static, ()>),
    Shuttle(engine::shuttle::MutexGuard<'static, ()>),
}

/// The holder's part of a mutex, written by the thread that holds the lock only.
#[derive(Default)]
struct Held {
    guard: Option<EngineGuard>,
    /// The lock was taken in an execution, which records its unlock.
    witness: Option<Witness>,
}

impl Drop for Held {
    fn drop(&mut self) {
        // A guard left here was forgotten by its holder (or its holder was terminated): the
        // lock stays locked for ever, as std's does, rather than being released by whoever
        // drops the mutex.
        std::mem::forget(self.guard.take());
    }
}

/// Proof of holding a [`Mutex`]; unlocks when dropped, like [`std::sync::MutexGuard`].
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T> {
    mutex: &'a Mutex<T>,
    /// Neither `Send` nor `Sync`: the unlock belongs to the locking thread (as in std), and
    /// dereferencing notes content use in the holder's part of the mutex.
    _holder_only: PhantomData<*const ()>,
}

struct Witness {
    /// The id of the execution the lock was taken in. Not a counted reference (two locked
    /// instructions per lock): the unlock finds the execution installed on its thread, as
    /// a guard cannot leave the thread that locked (see `MutexGuard::drop_recorded`).
    execution: u64,
    thread: usize,
    /// The index of the `lock` event, where a quiet section may begin (shuttle, with
    /// `Shared` accesses that are not scheduling points; see `Log::quiet_sections`).
    lock_at: Option<usize>,
    /// The holder reached the content through the guard: the section is not quiet (what
    /// it did to the content is not recorded).
    content_used: bool,
}

impl<T> Drop for MutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: this thread holds the lock.
        let held = unsafe { &mut *self.mutex.held.get() };
        if held.witness.is_none() {
            // Outside any exploration: a plain unlock (the guard read field by field: moving
            // the whole option out reads it wider than it was written, which stalls).
            if let Some(EngineGuard::Std(guard)) = &mut held.guard {
                // The place is emptied before the lock is released: once released, the next
                // holder writes its own guard there.
                // SAFETY: read once, the place then overwritten without a drop.
                let guard = unsafe { std::ptr::read(guard) };
                unsafe { std::ptr::write(&mut held.guard, None) };
                drop(guard);
            } else {
                drop_out_of_line(held.guard.take());
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
        let mutex = self.mutex;
        // SAFETY: this thread holds the lock.
        let held = unsafe { &mut *mutex.held.get() };
        let Some(witness) = held.witness.take() else {
            return;
        };
        let Some(execution) = context::current().filter(|e| e.id == witness.execution) else {
            // Dropped after its execution ended on this thread (the guard was kept past the
            // model's end): nothing to record, and the engine's lock went with the
            // execution.
            std::mem::forget(held.guard.take());
            return;
        };
        // The unlock is a step of its own: a process can be terminated just before it (the
        // step then unwinds the thread, and the lock is never released).
        if !std::thread::panicking() {
            context::step(&execution, witness.thread);
        }
        if execution.is_terminated(witness.thread) {
            // A terminated holder never unlocks: the guard stays, and is forgotten.
            return;
        }
        // A guard dropped while its thread unwinds belongs to a failed execution (a panic,
        // or the engine ending a deadlock): the trace ends where the failure happened.
        // Otherwise the unlock is recorded before the engine releases the lock, so that the
        // next owner's `lock` event always comes after this `unlock`.
        if !std::thread::panicking() {
            execution.replay_point();
            execution.record_unlock(
                witness.thread,
                &mutex.name,
                mutex.binding.object,
                witness.lock_at,
                witness.content_used,
            );
        } else {
            execution.release_unrecorded(witness.thread, mutex.binding.object);
        }
        // Under shuttle the release happens after a scheduling point, in the thread's next
        // step: the DFS's reduction must see it there (see `Log::releases`). Searches
        // without the reduction (the samplers among them) do not need the note.
        let note_release =
            execution.backend == context::Backend::Shuttle && !execution.every_access_is_a_point;
        // A loom scheduling point while the lock is still held: there a `try_lock` of
        // another thread finds it busy.
        if let Lock::Loom(_, Some(probe)) = &mutex.lock {
            if !std::thread::panicking() {
                probe.write();
            }
        }
        drop(held.guard.take());
        if note_release {
            execution.note_release(Arc::clone(&mutex.name));
        }
    }
}

impl<T> Mutex<T> {
    /// A new unlocked mutex holding `value`, bound to the running execution.
    pub fn new(value: T) -> Self {
        let binding = context::bind();
        let lock = match binding.backend {
            context::Backend::Std => Lock::Std(std::sync::Mutex::new(())),
            context::Backend::Loom => {
                let probes = context::current().is_some_and(|e| e.loom_probes);
                let probe = probes.then(engine::loom::Point::new);
                Lock::Loom(engine::loom::Mutex::new(()), probe)
            }
            context::Backend::Shuttle => Lock::Shuttle(engine::shuttle::Mutex::new(())),
        };
        Mutex {
            name: binding.default_name("mutex"),
            binding,
            held: UnsafeCell::new(Held::default()),
            lock,
            data: UnsafeCell::new(value),
        }
    }

    /// Names the mutex in traces and messages.
    pub fn named(mut self, name: impl AsRef<str>) -> Self {
        self.name = Arc::from(name.as_ref());
        self
    }

    /// The name used in traces.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Acquires the lock, blocking the current thread until it can.
    #[inline]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        if let Lock::Std(lock) = &self.lock {
            if context::outside_explorations(self.binding) {
                let poisoned = self.hold(plain(lock.lock()), None);
                return self.guard(poisoned);
            }
            // An unrecorded std run: a free lock is taken as outside, counted in a batch.
            if self.binding.light && context::light_step(self.binding) {
                let locked = match lock.try_lock() {
                    Ok(guard) => Ok(guard),
                    Err(TryLockError::Poisoned(poisoned)) => Err(poisoned),
                    Err(TryLockError::WouldBlock) => return self.lock_contended_light(lock),
                };
                let poisoned = self.hold(plain(locked), None);
                return self.guard(poisoned);
            }
        }
        self.lock_in_execution()
    }

    /// Waits for a busy lock in an unrecorded std run, as a model thread: the watchdog sees
    /// it waiting (a deadlock is found) and can stop it.
    #[inline(never)]
    fn lock_contended_light(&self, lock: &std::sync::Mutex<()>) -> LockResult<MutexGuard<'_, T>> {
        let (execution, thread) =
            context::current_thread().expect("a light object is used on its execution's thread");
        let object = self.binding.object;
        let locked = engine::std::lock(lock, &execution, thread, object, &self.name);
        let poisoned = self.hold(plain(locked), None);
        self.guard(poisoned)
    }

    #[inline(never)]
    fn lock_in_execution(&self) -> LockResult<MutexGuard<'_, T>> {
        let Some((execution, thread)) = context::enter(self.binding, "Mutex", &self.name) else {
            let Lock::Std(lock) = &self.lock else {
                unreachable!("objects outside explorations are std")
            };
            let poisoned = self.hold(plain(lock.lock()), None);
            return self.guard(poisoned);
        };
        let object = self.binding.object;
        let (result, lock_at) = match &self.lock {
            Lock::Std(lock) => {
                let locked = engine::std::lock(lock, &execution, thread, object, &self.name);
                let effect = Effect::Acquire(object);
                execution.record_with(thread, Op::Lock, &self.name, None, effect);
                (plain(locked), None)
            }
            // `Execution::lock` refuses a lock that loom would find poisoned.
            Lock::Loom(lock, _) => execution.lock(thread, object, &self.name, || {
                lift(engine::loom::resuming(|| lock.lock()), |guard| {
                    // SAFETY: see `EngineGuard`; dropped or forgotten before `lock` is.
                    EngineGuard::Loom(unsafe { extend_loom(guard) })
                })
            }),
            Lock::Shuttle(lock) => execution.lock(thread, object, &self.name, || {
                lift(lock.lock(), |guard| {
                    // SAFETY: as above.
                    EngineGuard::Shuttle(unsafe { extend_shuttle(guard) })
                })
            }),
        };
        let witness = Witness {
            execution: execution.id,
            thread,
            lock_at,
            content_used: false,
        };
        let poisoned = self.hold(result, Some(witness));
        self.guard(poisoned)
    }

    /// Acquires the lock if it is free, without blocking.
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        let entered = context::enter(self.binding, "Mutex", &self.name);
        let result = match &self.lock {
            Lock::Std(lock) => lift_try(lock.try_lock(), |guard| {
                // SAFETY: see `EngineGuard`; dropped or forgotten before `lock` is.
                EngineGuard::Std(unsafe { extend_std(guard) })
            }),
            Lock::Loom(lock, probe) => {
                if let Some((execution, _)) = &entered {
                    execution.refuse_if_loom_poisoned(self.binding.object);
                }
                match (probe, &entered) {
                    (Some(probe), _) => probe.write(),
                    (None, Some((execution, _))) => {
                        execution.unprobed.store(true, Ordering::Relaxed);
                    }
                    (None, None) => {}
                }
                lift_try(engine::loom::resuming(|| lock.try_lock()), |guard| {
                    // SAFETY: as above.
                    EngineGuard::Loom(unsafe { extend_loom(guard) })
                })
            }
            Lock::Shuttle(lock) => lift_try(lock.try_lock(), |guard| {
                // SAFETY: as above.
                EngineGuard::Shuttle(unsafe { extend_shuttle(guard) })
            }),
        };
        let result = match result {
            Ok(guard) => Ok(guard),
            Err(TryLockError::Poisoned(poisoned)) => Err(poisoned),
            Err(TryLockError::WouldBlock) => {
                if let Some((execution, thread)) = entered {
                    execution.record_with(
                        thread,
                        Op::TryLock,
                        &self.name,
                        Some(Value::from("busy")),
                        Effect::Plain,
                    );
                }
                return Err(TryLockError::WouldBlock);
            }
        };
        let witness = entered.map(|(execution, thread)| {
            let effect = Effect::Acquire(self.binding.object);
            let acquired = Some(Value::from("acquired"));
            execution.record_with(thread, Op::TryLock, &self.name, acquired, effect);
            Witness {
                execution: execution.id,
                thread,
                lock_at: None,
                content_used: false,
            }
        });
        let poisoned = self.hold(result, witness);
        self.guard(poisoned).map_err(TryLockError::Poisoned)
    }

    /// Consumes the mutex and returns its value.
    pub fn into_inner(self) -> LockResult<T> {
        let Mutex { lock, data, .. } = self;
        let poisoned = match lock {
            Lock::Std(lock) => lock.into_inner().is_err(),
            Lock::Loom(lock, _) => lock.into_inner().is_err(),
            Lock::Shuttle(lock) => lock.into_inner().is_err(),
        };
        let value = data.into_inner();
        if poisoned {
            Err(PoisonError::new(value))
        } else {
            Ok(value)
        }
    }

    /// Keeps the engine's guard (and the witness of an execution's lock) in the holder's
    /// part of the mutex; returns whether the lock was poisoned.
    #[inline(always)]
    fn hold(&self, locked: LockResult<EngineGuard>, witness: Option<Witness>) -> bool {
        let poisoned = locked.is_err();
        let guard = locked.unwrap_or_else(PoisonError::into_inner);
        // SAFETY: this thread has just taken the lock.
        let held = unsafe { &mut *self.held.get() };
        // Both are empty while the lock is free (a holder that never unlocks keeps the
        // lock): written without dropping the old values, which would cost a check each.
        // SAFETY: the places are valid; at worst an old value would leak.
        unsafe {
            std::ptr::write(&mut held.guard, Some(guard));
            std::ptr::write(&mut held.witness, witness);
        }
        poisoned
    }

    #[inline(always)]
    fn guard(&self, poisoned: bool) -> LockResult<MutexGuard<'_, T>> {
        let guard = MutexGuard {
            mutex: self,
            _holder_only: PhantomData,
        };
        if poisoned {
            Err(PoisonError::new(guard))
        } else {
            Ok(guard)
        }
    }
}

/// std's lock result as an engine guard's.
#[inline(always)]
fn plain(result: LockResult<std::sync::MutexGuard<'_, ()>>) -> LockResult<EngineGuard> {
    // SAFETY: see `EngineGuard`; dropped or forgotten before the lock is.
    lift(result, |guard| {
        EngineGuard::Std(unsafe { extend_std(guard) })
    })
}

/// # Safety
/// The guard must be dropped or forgotten before the mutex it borrows is dropped or moved.
#[inline(always)]
unsafe fn extend_std(guard: std::sync::MutexGuard<'_, ()>) -> std::sync::MutexGuard<'static, ()> {
    // SAFETY: the caller keeps the guard no longer than its mutex.
    unsafe { std::mem::transmute(guard) }
}

/// # Safety
/// As [`extend_std`].
unsafe fn extend_loom(
    guard: engine::loom::MutexGuard<'_, ()>,
) -> engine::loom::MutexGuard<'static, ()> {
    // SAFETY: the caller keeps the guard no longer than its mutex.
    unsafe { std::mem::transmute(guard) }
}

/// # Safety
/// As [`extend_std`].
unsafe fn extend_shuttle(
    guard: engine::shuttle::MutexGuard<'_, ()>,
) -> engine::shuttle::MutexGuard<'static, ()> {
    // SAFETY: the caller keeps the guard no longer than its mutex.
    unsafe { std::mem::transmute(guard) }
}

#[inline(always)]
fn lift<G>(result: LockResult<G>, wrap: impl Fn(G) -> EngineGuard) -> LockResult<EngineGuard> {
    match result {
        Ok(guard) => Ok(wrap(guard)),
        Err(poisoned) => Err(PoisonError::new(wrap(poisoned.into_inner()))),
    }
}

fn lift_try<G>(
    result: TryLockResult<G>,
    wrap: impl Fn(G) -> EngineGuard,
) -> TryLockResult<EngineGuard> {
    match result {
        Ok(guard) => Ok(wrap(guard)),
        Err(TryLockError::Poisoned(poisoned)) => Err(TryLockError::Poisoned(PoisonError::new(
            wrap(poisoned.into_inner()),
        ))),
        Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
    }
}

impl<T> MutexGuard<'_, T> {
    /// Notes that the content is reached: reading it counts too, since interior
    /// mutability can write through a shared reference.
    #[inline]
    fn note_content_used(&self) {
        // SAFETY: this thread holds the lock, and the guard is not shared with another.
        let held = unsafe { &mut *self.mutex.held.get() };
        if let Some(witness) = &mut held.witness {
            witness.content_used = true;
        }
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        self.note_content_used();
        // SAFETY: this thread holds the lock.
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        self.note_content_used();
        // SAFETY: this thread holds the lock, and the guard is borrowed mutably.
        unsafe { &mut *self.mutex.data.get() }
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
