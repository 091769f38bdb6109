//! The cell that holds an execution's log, and how the execution's threads take turns with
//! it.
//!
//! On real threads (the std engine) the model's threads run at once, and the log sits
//! behind a mutex. Under loom and shuttle every model thread is a coroutine on the one OS
//! thread that runs the execution, and one runs at a time: there a mutex excludes nobody,
//! yet costs two atomic read-modify-writes on every facade operation (its lock and its
//! unlock), which measured about a tenth of a recorded PCT run's time. There the cell is
//! *confined*: it checks, with plain loads and stores, that it is reached from the OS thread
//! that made it and that no other access to it is open, and panics otherwise.

use std::cell::{Cell, UnsafeCell};
use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// A value that the threads of one execution take turns with (see the module's docs).
pub(crate) struct LogCell<T> {
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
unsafe impl<T: Send> Sync for LogCell<T> {}

thread_local! {
    /// Something of each OS thread's own, whose address tells the threads apart.
    static MARKER: u8 = const { 0 };
}

/// This OS thread, as an address no other live thread has.
fn this_os_thread() -> usize {
    MARKER.with(|marker| std::ptr::from_ref(marker) as usize)
}

impl<T> LogCell<T> {
    /// A cell for threads that really run at once: each access takes a lock.
    pub(crate) fn locked(value: T) -> Self {
        LogCell {
            value: UnsafeCell::new(value),
            turns: Turns::Locked(Mutex::new(())),
        }
    }

    /// A cell that only this OS thread may reach: no lock, but a check of the thread.
    pub(crate) fn confined(value: T) -> Self {
        LogCell {
            value: UnsafeCell::new(value),
            turns: Turns::Confined {
                owner: this_os_thread(),
                open: Cell::new(false),
            },
        }
    }

    /// The value, for as long as the guard lives.
    ///
    /// # Panics
    ///
    /// On a confined cell, from an OS thread other than the one that made it, or while
    /// another guard of it is open (on a locked cell, that would deadlock).
    #[inline]
    pub(crate) fn lock(&self) -> LogGuard<'_, T> {
        let lock = match &self.turns {
            // A panic while the lock was held cannot leave the value half-updated: the
            // callers' updates are single pushes and assignments.
            Turns::Locked(mutex) => Some(mutex.lock().unwrap_or_else(PoisonError::into_inner)),
            Turns::Confined { owner, open } => {
                assert!(
                    *owner == this_os_thread(),
                    "interleavings: an execution's log was reached from an OS thread that does \
                     not run the execution"
                );
                assert!(
                    !open.replace(true),
                    "interleavings: an execution's log was taken while it was already held"
                );
                None
            }
        };
        LogGuard {
            cell: self,
            _lock: lock,
        }
    }

    /// The value, through exclusive access to the cell.
    pub(crate) fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for LogCell<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.turns {
            Turns::Locked(_) => "locked",
            Turns::Confined { .. } => "confined",
        };
        f.debug_struct("LogCell")
            .field("turns", &kind)
            .finish_non_exhaustive()
    }
}

/// Access to a [`LogCell`]'s value; the turn ends when it drops.
pub(crate) struct LogGuard<'a, T> {
    cell: &'a LogCell<T>,
    /// Held for a locked cell; also what keeps the guard on its thread.
    _lock: Option<MutexGuard<'a, ()>>,
}

impl<T> Deref for LogGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard is the only one open (see `LogCell`'s `Sync`).
        unsafe { &*self.cell.value.get() }
    }
}

impl<T> DerefMut for LogGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard is the only one open, and `&mut self` the only way to it.
        unsafe { &mut *self.cell.value.get() }
    }
}

impl<T> Drop for LogGuard<'_, T> {
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
        let cell = Arc::new(LogCell::locked(0u64));
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
        let cell = LogCell::confined(vec![1]);
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
        let cell = Arc::new(LogCell::confined(7));
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
