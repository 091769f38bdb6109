//! Atomic integers and booleans, like [`std::sync::atomic`], on whichever engine runs the
//! execution. Under loom they keep loom's weak-memory semantics for the orderings given.

use crate::context::{self, Backend, Binding};
use crate::engine;
use crate::event_log::Logged;
use crate::race::{Effect, ObjectId};
use crate::trace::Op;
use std::fmt;
use std::sync::Arc;

pub use std::sync::atomic::Ordering;

fn acquires(order: Ordering) -> bool {
    matches!(
        order,
        Ordering::Acquire | Ordering::AcqRel | Ordering::SeqCst
    )
}

fn releases(order: Ordering) -> bool {
    matches!(
        order,
        Ordering::Release | Ordering::AcqRel | Ordering::SeqCst
    )
}

fn load_effect(object: ObjectId, order: Ordering) -> Effect {
    if acquires(order) {
        Effect::Acquire(object)
    } else {
        Effect::Plain
    }
}

fn store_effect(object: ObjectId, order: Ordering) -> Effect {
    if releases(order) {
        Effect::Release(object)
    } else {
        Effect::Overwrite(object)
    }
}

fn update_effect(object: ObjectId, order: Ordering) -> Effect {
    Effect::Update {
        object,
        acquire: acquires(order),
        release: releases(order),
    }
}

/// Defines one facade atomic over the std, loom and shuttle atomics of the same name.
macro_rules! atomic {
    ($(#[$doc:meta])* $name:ident, $value:ty, $kind:literal) => {
        $(#[$doc])*
        pub struct $name {
            name: Arc<str>,
            binding: Binding,
            inner: Inner,
        }

        enum Inner {
            Std(std::sync::atomic::$name),
            Loom(engine::loom::$name),
            Shuttle(engine::shuttle::$name),
        }

        impl $name {
            /// A new atomic holding `value`, bound to the running execution.
            pub fn new(value: $value) -> Self {
                let binding = context::bind();
                let inner = match binding.backend {
                    Backend::Std => Inner::Std(std::sync::atomic::$name::new(value)),
                    Backend::Loom => Inner::Loom(engine::loom::$name::new(value)),
                    Backend::Shuttle => Inner::Shuttle(engine::shuttle::$name::new(value)),
                };
                $name { name: binding.default_name($kind), binding, inner }
            }

            /// Names the atomic in traces and messages.
            pub fn named(mut self, name: impl AsRef<str>) -> Self {
                self.name = Arc::from(name.as_ref());
                self
            }

            /// Runs one operation and records it with the values it read and wrote.
            fn op<R: fmt::Debug>(
                &self,
                op: Op,
                describe: impl FnOnce(&R) -> Logged,
                effect: impl FnOnce(&R, ObjectId) -> Effect,
                f: impl FnOnce(&Inner) -> R,
            ) -> R {
                let Some((execution, thread)) =
                    context::enter(self.binding, stringify!($name), &self.name)
                else {
                    return f(&self.inner);
                };
                let object = self.binding.object;
                // Every loom atomic operation may switch threads.
                let operation = || match &self.inner {
                    Inner::Loom(_) => engine::loom::resuming(|| f(&self.inner)),
                    _ => f(&self.inner),
                };
                execution.perform(thread, op, &self.name, operation, |result| {
                    (describe(result), effect(result, object))
                })
            }

            /// Loads the value.
            pub fn load(&self, order: Ordering) -> $value {
                let effect = |_: &_, object| load_effect(object, order);
                self.op(Op::Load, Logged::debug, effect, |inner| match inner {
                    Inner::Std(a) => a.load(order),
                    Inner::Loom(a) => a.load(order),
                    Inner::Shuttle(a) => a.load(order),
                })
            }

            /// Stores `value`.
            pub fn store(&self, value: $value, order: Ordering) {
                let effect = |_: &_, object| store_effect(object, order);
                self.op(Op::Store, |_| Logged::debug(&value), effect, |inner| match inner {
                    Inner::Std(a) => a.store(value, order),
                    Inner::Loom(a) => a.store(value, order),
                    Inner::Shuttle(a) => a.store(value, order),
                })
            }

            /// Stores `value` and returns the previous value.
            pub fn swap(&self, value: $value, order: Ordering) -> $value {
                let effect = |_: &_, object| update_effect(object, order);
                let describe = |old: &$value| Logged::text(format_args!("{old:?} → {value:?}"));
                self.op(Op::Swap, describe, effect, |inner| match inner {
                    Inner::Std(a) => a.swap(value, order),
                    Inner::Loom(a) => a.swap(value, order),
                    Inner::Shuttle(a) => a.swap(value, order),
                })
            }

            /// Stores `new` if the value is `current`; returns the previous value, as `Ok`
            /// if the exchange happened.
            pub fn compare_exchange(
                &self,
                current: $value,
                new: $value,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$value, $value> {
                let describe = |r: &Result<$value, $value>| match r {
                    Ok(old) => Logged::text(format_args!("{old:?} → {new:?}")),
                    Err(seen) => Logged::text(format_args!("{seen:?}, expected {current:?}: unchanged")),
                };
                let effect = |r: &Result<$value, $value>, object| match r {
                    Ok(_) => update_effect(object, success),
                    Err(_) => load_effect(object, failure),
                };
                self.op(Op::CompareExchange, describe, effect, |inner| match inner {
                    Inner::Std(a) => a.compare_exchange(current, new, success, failure),
                    Inner::Loom(a) => a.compare_exchange(current, new, success, failure),
                    Inner::Shuttle(a) => a.compare_exchange(current, new, success, failure),
                })
            }

            /// Consumes the atomic and returns its value.
            pub fn into_inner(self) -> $value {
                self.load(Ordering::SeqCst)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new(<$value>::default())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("name", &self.name)
                    .field("engine", &self.binding.backend.name())
                    .finish_non_exhaustive()
            }
        }
    };
}

/// Adds `fetch_add` and `fetch_sub` to an integer atomic.
macro_rules! arithmetic {
    ($name:ident, $value:ty) => {
        impl $name {
            /// Adds `value` (wrapping) and returns the previous value.
            pub fn fetch_add(&self, value: $value, order: Ordering) -> $value {
                let describe = |old: &$value| {
                    Logged::text(format_args!("{old:?} → {:?}", old.wrapping_add(value)))
                };
                let effect = |_: &_, object| update_effect(object, order);
                self.op(Op::FetchAdd, describe, effect, |inner| match inner {
                    Inner::Std(a) => a.fetch_add(value, order),
                    Inner::Loom(a) => a.fetch_add(value, order),
                    Inner::Shuttle(a) => a.fetch_add(value, order),
                })
            }

            /// Subtracts `value` (wrapping) and returns the previous value.
            pub fn fetch_sub(&self, value: $value, order: Ordering) -> $value {
                let describe = |old: &$value| {
                    Logged::text(format_args!("{old:?} → {:?}", old.wrapping_sub(value)))
                };
                let effect = |_: &_, object| update_effect(object, order);
                self.op(Op::FetchSub, describe, effect, |inner| match inner {
                    Inner::Std(a) => a.fetch_sub(value, order),
                    Inner::Loom(a) => a.fetch_sub(value, order),
                    Inner::Shuttle(a) => a.fetch_sub(value, order),
                })
            }
        }
    };
}

mod bool_ {
    use super::*;
    atomic!(
        /// A boolean shared between threads, like [`std::sync::atomic::AtomicBool`].
        AtomicBool, bool, "flag"
    );
}

mod u32_ {
    use super::*;
    atomic!(
        /// A `u32` shared between threads, like [`std::sync::atomic::AtomicU32`].
        AtomicU32, u32, "atomic"
    );
    arithmetic!(AtomicU32, u32);
}

mod u64_ {
    use super::*;
    atomic!(
        /// A `u64` shared between threads, like [`std::sync::atomic::AtomicU64`].
        AtomicU64, u64, "atomic"
    );
    arithmetic!(AtomicU64, u64);
}

mod usize_ {
    use super::*;
    atomic!(
        /// A `usize` shared between threads, like [`std::sync::atomic::AtomicUsize`].
        AtomicUsize, usize, "atomic"
    );
    arithmetic!(AtomicUsize, usize);
}

pub use bool_::AtomicBool;
pub use u32_::AtomicU32;
pub use u64_::AtomicU64;
pub use usize_::AtomicUsize;
