//! Synchronisation primitives that mirror [`std::sync`].
//!
//! Port code by changing `use std::sync::Mutex` to `use interleavings::sync::Mutex`. Each
//! object binds to the engine of the execution that creates it; outside any exploration it is
//! plain `std`.

pub mod atomic;
mod mutex;

pub use mutex::{Mutex, MutexGuard};
pub use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

/// Reference counting is not a scheduling point here: the facade uses std's [`Arc`]
/// (shuttle does the same). loom's own `Arc` would add a step to every clone and drop (three
/// times as many executions for the shared counter) and can abort the process when a deadlock
/// unwinds with one alive (loom issue #291).
pub use std::sync::Arc;
