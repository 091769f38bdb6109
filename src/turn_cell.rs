//! A cell for what the threads of one execution share: its log, a `Shared` variable's
//! value, and the search's own state between executions. How the threads take turns with
//! it depends on the engine.
//!
//! On real threads (the std engine, or outside any exploration) threads run at once, and
//! the value sits behind a mutex. Under loom and shuttle every model thread is a coroutine
//! on the one OS thread that runs the execution, and one runs at a time: there a mutex
//! excludes nobody, yet costs two locked read-modify-write instructions per access (its
//! lock and its unlock), on every facade operation. There the cell is *confined*: it
//! checks, with plain loads and stores, that it is reached from the OS thread that made it
//! and that no other access to it is open, and panics otherwise.

use std::cell::{Cell, UnsafeCell};
use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// A value that the threads of one execution take turns with (see the module's docs).
pub(crate) struct TurnCell<T> {
    value: UnsafeCell<T>,
    turns: Turns,
}

enum Turns {
    /// Threads that really run at once: a lock.
    Locked(Mutex<()>),
    /// One OS thread, which alone may reach the value, and whether an access is open.
    Confined { owner: usize, open: Cell<bool> },
}

// SAFETY: the value is reached only through `lock`, or `get_mut`, which has the cell to
// itself. A `Locked` cell's guard holds the mutex for as long as it lives, so accesses from
// different threads never overlap. A `Confined` cell's `lock` panics on any OS thread but
// its owner, before it touches `open` or the value; on the owner, it panics while another
// guard is open. So `open` is only ever touched by the owner, and at most one guard (and so
// one reference to the value) exists at a time. A guard cannot leave its thread (it is not
// `Send`: it holds an `Option<MutexGuard>`).
unsafe impl<T: Send> Sync for TurnCell<T> {}

// As with a mutex, a panic during a turn ends the turn: what the callers keep here is whole
// between any two of their statements (single pushes and assignments), so code that
// catches the panic sees no broken value.
impl<T> std::panic::UnwindSafe for TurnCell<T> {}
impl<T> std::panic::RefUnwindSafe for TurnCell<T> {}

thread_local! {
    /// Something of each OS thread's own, whose address tells the threads apart.
    static MARKER: u8 = const { 0 };
}

/// This OS thread, as an address no other live thread has.
fn this_os_thread() -> usize {
    MARKER.with(|marker| std::ptr::from_ref(marker) as usize)
}

impl<T> TurnCell<T> {
    /// A cell for threads that really run at once: each access takes a lock.
    pub(crate) fn locked(value: T) -> Self {
        TurnCell {
            value: UnsafeCell::new(value),
            turns: Turns::Locked(Mutex::new(())),
        }
    }

    /// A cell that only this OS thread may reach: no lock, but a check of the thread.
    fn confined(value: T) -> Self {
        TurnCell {
            value: UnsafeCell::new(value),
            turns: Turns::Confined {
                owner: this_os_thread(),
                open: Cell::new(false),
            },
        }
    }

    /// A cell confined to this OS thread when `one_os_thread` (everything that reaches it
    /// runs here: loom and shuttle), else a locked one.
    pub(crate) fn new(value: T, one_os_thread: bool) -> Self {
        if one_os_thread {
            TurnCell::confined(value)
        } else {
            TurnCell::locked(value)
        }
    }

    /// The value, for as long as the guard lives.
    ///
    /// # Panics
    ///
    /// On a confined cell, from an OS thread other than the one that made it, or while
    /// another guard of it is open (on a locked cell, that would deadlock).
    #[inline]
    pub(crate) fn lock(&self) -> TurnGuard<'_, T> {
        let lock = match &self.turns {
            // A panic while the lock was held cannot leave the value half-updated: the
            // callers' updates are single pushes and assignments.
            Turns::Locked(mutex) => Some(mutex.lock().unwrap_or_else(PoisonError::into_inner)),
            Turns::Confined { owner, open } => {
                assert!(
                    *owner == this_os_thread(),
                    "interleavings: state of a loom or shuttle execution was reached from an OS \
                     thread that does not run the execution"
                );
                assert!(
                    !open.replace(true),
                    "interleavings: state of an execution was taken while it was already held"
                );
                None
            }
        };
        TurnGuard {
            cell: self,
            _lock: lock,
        }
    }

    /// The value, through exclusive access to the cell.
    pub(crate) fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for TurnCell<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.turns {
            Turns::Locked(_) => "locked",
            Turns::Confined { .. } => "confined",
        };
        f.debug_struct("TurnCell")
            .field("turns", &kind)
            .finish_non_exhaustive()
    }
}

/// Access to a [`TurnCell`]'s value; the turn ends when it drops.
pub(crate) struct TurnGuard<'a, T> {
    cell: &'a TurnCell<T>,
    /// Held for a locked cell; also what keeps the guard on its thread.
    _lock: Option<MutexGuard<'a, ()>>,
}

impl<T> Deref for TurnGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard is the only one open (see `TurnCell`'s `Sync`).
        unsafe { &*self.cell.value.get() }
    }
}

impl<T> DerefMut for TurnGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard is the only one open, and `&mut self` the only way to it.
        unsafe { &mut *self.cell.value.get() }
    }
}

impl<T> Drop for TurnGuard<'_, T> {
    fn drop(&mut self) {
        if let Turns::Confined { open, .. } = &self.cell.turns {
            open.set(false);
        }
        // A locked cell's turn ends with `_lock`, dropped after this.
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_locked_cell_takes_turns_between_threads() {
        let cell = Arc::new(TurnCell::locked(0u64));
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let cell = Arc::clone(&cell);
                std::thread::spawn(move || {
                    for _ in 0..10_000 {
                        let mut value = cell.lock();
                        let read = *value;
                        std::hint::black_box(&read);
                        *value = read + 1;
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
        assert_eq!(*cell.lock(), 40_000);
    }

    #[test]
    fn a_confined_cell_gives_its_value_to_its_thread_one_turn_at_a_time() {
        let cell = TurnCell::confined(vec![1]);
        cell.lock().push(2);
        {
            let held = cell.lock();
            let again =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cell.lock().len()));
            assert!(again.is_err(), "a second guard while one is open");
            assert_eq!(*held, [1, 2]);
        }
        // The turn ended with the guard.
        assert_eq!(cell.lock().len(), 2);
    }

    #[test]
    fn a_confined_cell_refuses_other_threads() {
        let cell = Arc::new(TurnCell::confined(7));
        let other = {
            let cell = Arc::clone(&cell);
            std::thread::spawn(move || *cell.lock())
        };
        let message = other.join().expect_err("another thread took the value");
        let message = message
            .downcast_ref::<&str>()
            .map(|m| m.to_string())
            .or_else(|| message.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        assert!(message.contains("OS thread that does not run"), "{message}");
        assert_eq!(*cell.lock(), 7);
    }
}
