//! The per-execution event log: what every thread did, step by step.
//!
//! Every facade operation appends one [`Event`]. The log is plain data owned by the
//! execution, so it survives a panic in the model and can be rendered afterwards. Recording
//! never adds a scheduling point: it happens inside the operation, after the engine has
//! already decided which thread runs.

use compact_str::CompactString;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// What a facade operation did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Op {
    /// Spawned a thread (the event's object names the child).
    Spawn,
    /// Joined a finished thread.
    Join,
    /// Acquired a mutex.
    Lock,
    /// Tried to acquire a mutex without blocking.
    TryLock,
    /// Released a mutex.
    Unlock,
    /// Read a [`Shared`](crate::Shared).
    Get,
    /// Wrote a [`Shared`](crate::Shared).
    Set,
    /// Atomic load.
    Load,
    /// Atomic store.
    Store,
    /// Atomic swap.
    Swap,
    /// Atomic fetch-and-add.
    FetchAdd,
    /// Atomic fetch-and-subtract.
    FetchSub,
    /// Atomic compare-and-exchange.
    CompareExchange,
    /// Gave up the processor.
    Yield,
    /// Printed a line ([`io::println!`](crate::io::println)); the value is the line.
    Print,
    /// Slept ([`thread::sleep`](crate::thread::sleep)); a scheduling point, time is not
    /// modelled.
    Sleep,
    /// Terminated a process (the object names its thread).
    Terminate,
    /// Is about to wait: for a mutex another thread holds (the value names the holder), or
    /// for a thread to finish (the object names it).
    Block,
    /// The thread's body returned (or unwound).
    Finish,
}

impl Op {
    /// The operation's name as the facade spells it.
    pub fn name(self) -> &'static str {
        match self {
            Op::Spawn => "spawn",
            Op::Join => "join",
            Op::Lock => "lock",
            Op::TryLock => "try_lock",
            Op::Unlock => "unlock",
            Op::Get => "get",
            Op::Set => "set",
            Op::Load => "load",
            Op::Store => "store",
            Op::Swap => "swap",
            Op::FetchAdd => "fetch_add",
            Op::FetchSub => "fetch_sub",
            Op::CompareExchange => "compare_exchange",
            Op::Yield => "yield",
            Op::Print => "print",
            Op::Sleep => "sleep",
            Op::Terminate => "terminate",
            Op::Block => "blocked on",
            Op::Finish => "finish",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One step of one thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The step number, from 1. A thread's end ([`Op::Finish`]) is not a step of its own and
    /// repeats the number of the step before it.
    pub step: usize,
    /// Index of the thread that acted (0 is the model's main thread).
    pub thread: usize,
    /// What it did.
    pub op: Op,
    /// The object it acted on, by name (for `spawn` and `join`: the other thread). Shared
    /// with the object itself: recording an event does not copy the name.
    pub object: Arc<str>,
    /// The value read or written, already rendered, where the operation has one.
    pub value: Option<Value>,
}

/// A value as an event shows it (`103`, `0 → 1`, a printed line), already rendered.
///
/// Short renderings, which are nearly all of them, are kept inline: recording a step does
/// not allocate for its value. It reads as a `&str`.
///
/// ```
/// use interleavings::trace::Value;
///
/// let value = Value::from("103");
/// assert_eq!(&*value, "103");
/// assert_eq!(value.to_string(), "103");
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Value(CompactString);

impl Value {
    /// Renders `value` with its `Debug` format, as the facade shows what it read and wrote.
    pub fn debug<T: fmt::Debug>(value: &T) -> Self {
        // The facade's integers do not come here on every access: the event log keeps them
        // as numbers and renders them only for a shown trace (`event_log::Logged`).
        Value(compact_str::format_compact!("{value:?}"))
    }

    /// The rendering as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when the rendering is kept in the value itself, with no memory of its own.
    pub(crate) fn is_inline(&self) -> bool {
        !self.0.is_heap_allocated()
    }
}

impl Deref for Value {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Value(CompactString::new(text))
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Value(CompactString::from(text))
    }
}

impl From<fmt::Arguments<'_>> for Value {
    fn from(arguments: fmt::Arguments<'_>) -> Self {
        Value(compact_str::ToCompactString::to_compact_string(&arguments))
    }
}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.op, &self.value) {
            (Op::Block, Some(holder)) => write!(f, "blocked on {} ({holder})", self.object),
            (Op::Finish, _) => f.write_str("finish"),
            (Op::Yield, _) => f.write_str("yield"),
            (Op::Print, Some(line)) => write!(f, "print {line:?}"),
            (Op::Sleep, Some(duration)) => write!(f, "sleep {duration}"),
            (_, Some(value)) => write!(f, "{} {} = {value}", self.op, self.object),
            (_, None) => write!(f, "{} {}", self.op, self.object),
        }
    }
}

/// The whole log of one execution: its threads and what they did, in execution order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    /// Thread labels, by index: the thread's name, or `thread-N` for an unnamed one.
    pub threads: Vec<String>,
    /// Events in the order they happened.
    pub events: Vec<Event>,
    /// Data races: pairs of events, in the order the second access happened.
    pub races: Vec<crate::race::Race>,
}

impl Trace {
    /// The thread index of every step: the order in which threads acted.
    pub fn thread_order(&self) -> Vec<usize> {
        self.events.iter().map(|e| e.thread).collect()
    }

    /// How many times the running thread was switched away from while it could still run.
    ///
    /// A switch is not a preemption when the thread that stopped had finished, or its next
    /// operation had to wait: a lock held by another thread, or a join of a thread that had
    /// not finished yet. Both are worked out from the log alone.
    pub fn preemptions(&self) -> usize {
        self.preemption_points().len()
    }

    /// The events at which a preemption happened: the first event of the thread switched to.
    pub fn preemption_points(&self) -> Vec<usize> {
        let mut holders: std::collections::HashMap<&str, usize> = Default::default();
        let mut finished = vec![false; self.threads.len()];
        let mut points = Vec::new();
        for (i, event) in self.events.iter().enumerate() {
            if i > 0 {
                let previous = self.events[i - 1].thread;
                if previous != event.thread
                    && self.events[i - 1].op != Op::Block
                    && !finished.get(previous).copied().unwrap_or(true)
                    && !self.next_would_wait(previous, i, &holders, &finished)
                {
                    points.push(i);
                }
            }
            match event.op {
                Op::Lock => {
                    holders.insert(&event.object, event.thread);
                }
                Op::TryLock if event.value.as_deref() == Some("acquired") => {
                    holders.insert(&event.object, event.thread);
                }
                Op::Unlock => {
                    holders.remove(&*event.object);
                }
                Op::Finish => {
                    if let Some(done) = finished.get_mut(event.thread) {
                        *done = true;
                    }
                }
                _ => {}
            }
        }
        points
    }

    fn next_would_wait(
        &self,
        thread: usize,
        from: usize,
        holders: &std::collections::HashMap<&str, usize>,
        finished: &[bool],
    ) -> bool {
        let Some(next) = self.events[from..].iter().find(|e| e.thread == thread) else {
            return false;
        };
        match next.op {
            Op::Lock => holders
                .get(&*next.object)
                .is_some_and(|&holder| holder != thread),
            Op::Join => self
                .threads
                .iter()
                .position(|name| **name == *next.object)
                .is_some_and(|target| !finished.get(target).copied().unwrap_or(true)),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Event, Op, Trace, Value};
    use std::fmt::Debug;

    /// A trace of `threads` (by name) doing `events`: (thread, operation, object, value).
    fn trace(threads: &[&str], events: &[(usize, Op, &str, Option<&str>)]) -> Trace {
        Trace {
            threads: threads.iter().map(|t| t.to_string()).collect(),
            events: events
                .iter()
                .enumerate()
                .map(|(i, &(thread, op, object, value))| Event {
                    step: i + 1,
                    thread,
                    op,
                    object: object.into(),
                    value: value.map(Value::from),
                })
                .collect(),
            races: Vec::new(),
        }
    }

    fn points(trace: &Trace) -> Vec<usize> {
        let points = trace.preemption_points();
        assert_eq!(trace.preemptions(), points.len());
        points
    }

    /// `a` takes `m` (with `take`), `b` reads, `a` goes on, releases and finishes, and only
    /// then `b` locks `m`: the switch back to `a` left `b` at a lock `a` held.
    fn a_takes_m_then_b_waits_for_it(take: Op, value: Option<&str>) -> Trace {
        trace(
            &["a", "b"],
            &[
                (0, take, "m", value),
                (1, Op::Get, "y", Some("0")),
                (0, Op::Get, "x", Some("0")),
                (0, Op::Unlock, "m", None),
                (0, Op::Finish, "a", None),
                (1, Op::Lock, "m", None),
                (1, Op::Finish, "b", None),
            ],
        )
    }

    /// Leaving a thread whose next step is a lock another thread holds is no preemption;
    /// leaving one that could go on is; leaving one that finished is not.
    #[test]
    fn leaving_a_thread_whose_next_lock_is_held_elsewhere_is_no_preemption() {
        let t = a_takes_m_then_b_waits_for_it(Op::Lock, None);
        assert_eq!(points(&t), [1]);
        assert_eq!(t.thread_order(), [0, 1, 0, 0, 0, 1, 1]);
    }

    #[test]
    fn leaving_a_thread_that_just_blocked_is_no_preemption() {
        let t = trace(
            &["a", "b"],
            &[
                (0, Op::Lock, "m", None),
                (0, Op::Get, "x", Some("0")),
                (1, Op::Get, "y", Some("0")),
                (1, Op::Block, "m", Some("a")),
                (0, Op::Unlock, "m", None),
                (0, Op::Finish, "a", None),
                (1, Op::Lock, "m", None),
                (1, Op::Finish, "b", None),
            ],
        );
        assert_eq!(points(&t), [2]);
    }

    /// The trace ends (a failure elsewhere) while a thread still waits: it never ran again,
    /// so leaving it at its block was no preemption.
    #[test]
    fn a_thread_that_blocked_until_the_trace_ended_was_not_preempted() {
        let t = trace(
            &["a", "b"],
            &[
                (0, Op::Lock, "m", None),
                (1, Op::Block, "m", Some("a")),
                (0, Op::Get, "x", Some("0")),
            ],
        );
        assert_eq!(points(&t), [1]);
    }

    /// A `try_lock` that acquired holds the lock; one that found it busy does not.
    #[test]
    fn only_a_try_lock_that_acquired_holds_the_lock() {
        let acquired = a_takes_m_then_b_waits_for_it(Op::TryLock, Some("acquired"));
        assert_eq!(points(&acquired), [1]);
        let busy = trace(
            &["a", "b"],
            &[
                (1, Op::Lock, "m", None),
                (0, Op::TryLock, "m", Some("busy")),
                (1, Op::Unlock, "m", None),
                (1, Op::Finish, "b", None),
                (0, Op::Lock, "m", None),
                (0, Op::Finish, "a", None),
            ],
        );
        assert_eq!(points(&busy), [1]);
    }

    /// After an unlock the lock is free: leaving a thread whose next step takes it is a
    /// preemption.
    #[test]
    fn an_unlocked_lock_makes_no_one_wait() {
        let t = trace(
            &["a", "b"],
            &[
                (1, Op::Lock, "m", None),
                (1, Op::Unlock, "m", None),
                (0, Op::Get, "y", Some("0")),
                (1, Op::Get, "z", Some("0")),
                (1, Op::Finish, "b", None),
                (0, Op::Lock, "m", None),
                (0, Op::Finish, "a", None),
            ],
        );
        assert_eq!(points(&t), [2, 3]);
    }

    /// Leaving a thread about to join a running thread is no preemption; about to join
    /// one that has finished, it is.
    #[test]
    fn a_join_waits_only_for_a_thread_still_running() {
        let running = trace(
            &["main", "a"],
            &[
                (0, Op::Spawn, "a", None),
                (1, Op::Get, "x", Some("0")),
                (1, Op::Finish, "a", None),
                (0, Op::Join, "a", None),
                (0, Op::Finish, "main", None),
            ],
        );
        assert_eq!(points(&running), Vec::<usize>::new());
        let finished = trace(
            &["main", "a", "b"],
            &[
                (0, Op::Spawn, "a", None),
                (1, Op::Get, "x", Some("0")),
                (1, Op::Finish, "a", None),
                (0, Op::Spawn, "b", None),
                (2, Op::Get, "y", Some("0")),
                (2, Op::Finish, "b", None),
                (0, Op::Join, "a", None),
                (0, Op::Join, "b", None),
                (0, Op::Finish, "main", None),
            ],
        );
        assert_eq!(points(&finished), [1, 4]);
    }

    fn renders_as_debug<T: Debug>(value: T) {
        assert_eq!(Value::debug(&value).as_str(), format!("{value:?}"));
    }

    #[test]
    fn a_value_made_from_text_reads_as_that_text_and_compares_with_it() {
        let values = [
            Value::from("0 → 1"),
            Value::from(String::from("0 → 1")),
            Value::from(format_args!("{} → {}", 0, 1)),
        ];
        for value in values {
            assert_eq!(value.as_str(), "0 → 1");
            assert_eq!(
                format!("{value:?}"),
                "\"0 → 1\"",
                "Debug quotes it, as a str's does"
            );
            assert!(value == *"0 → 1" && value == "0 → 1");
            assert!(value != *"0 → 2" && value != "0 → 2");
        }
    }

    #[test]
    fn integers_read_as_their_debug_format() {
        renders_as_debug(i64::MIN);
        renders_as_debug(-109_i64);
        renders_as_debug(u64::MAX);
        renders_as_debug(i32::MIN);
        renders_as_debug(u32::MAX);
        renders_as_debug(usize::MAX);
        renders_as_debug(isize::MIN);
        renders_as_debug(-7_i16);
        renders_as_debug(u16::MAX);
        renders_as_debug(i8::MIN);
        renders_as_debug(0_u8);
        renders_as_debug(i128::MIN);
        renders_as_debug(u128::MAX);
        renders_as_debug(true);
        renders_as_debug(false);
    }

    #[test]
    fn other_values_read_as_their_debug_format() {
        renders_as_debug('x');
        renders_as_debug(1.0_f64);
        renders_as_debug("text");
        renders_as_debug(String::from("a \"quoted\" line"));
        renders_as_debug(Some(3_u32));
        renders_as_debug(vec![1_i64, 2, 3]);
        renders_as_debug((1_u8, "two"));
        renders_as_debug(std::time::Duration::from_millis(1_500));
    }
}
