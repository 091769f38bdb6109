//! The shared counter: from 100, thread `one` adds 1 three times and thread `two` adds 2
//! three times. Every interleaving must end at 109.

use crate::sync::atomic::{AtomicU64, Ordering};
use crate::sync::{Arc, Mutex};
use crate::thread::{self, JoinHandle};
use crate::{Model, ModelId, Shared};

/// The value the counter starts from.
pub const START: u64 = 100;
/// The value every correct execution ends with: 100 + 3×1 + 3×2.
pub const EXPECTED: u64 = 109;

/// How the counter is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CounterGuard {
    /// A plain shared variable: `num.set(num.get() + k)`, two steps that can lose an update.
    None,
    /// The increment happens under a mutex.
    Mutex,
    /// The increment is one `fetch_add`.
    Atomic,
}

impl CounterGuard {
    /// The guard's name as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            CounterGuard::None => "none",
            CounterGuard::Mutex => "mutex",
            CounterGuard::Atomic => "atomic",
        }
    }
}

/// The shared counter model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counter {
    /// How the counter is protected.
    pub guard: CounterGuard,
}

impl Counter {
    /// The counter with the given guard.
    pub fn new(guard: CounterGuard) -> Self {
        Counter { guard }
    }
}

/// Spawns a thread called `name` that adds `step` three times with `add`.
fn adder(name: &str, step: u64, add: impl Fn(u64) + Send + 'static) -> JoinHandle<()> {
    thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            for _ in 0..3 {
                add(step);
            }
        })
        .expect("spawn")
}

fn run_both(add: impl Fn(u64) + Clone + Send + 'static) {
    let one = adder("one", 1, add.clone());
    let two = adder("two", 2, add);
    one.join().expect("thread one panicked");
    two.join().expect("thread two panicked");
}

impl Model for Counter {
    type Outcome = u64;

    fn name(&self) -> String {
        format!("counter(guard={})", self.guard.name())
    }

    fn catalogue_id(&self) -> Option<ModelId> {
        Some(ModelId::new(
            "counter",
            [("guard", self.guard.name().to_owned())],
        ))
    }

    fn run(&self) -> u64 {
        match self.guard {
            CounterGuard::None => {
                let num = Arc::new(Shared::new(START).named("num"));
                let shared = Arc::clone(&num);
                run_both(move |k| shared.set(shared.get() + k));
                num.get()
            }
            CounterGuard::Mutex => {
                let num = Arc::new(Mutex::new(START).named("num"));
                let shared = Arc::clone(&num);
                run_both(move |k| *shared.lock().expect("poisoned") += k);
                *num.lock().expect("poisoned")
            }
            CounterGuard::Atomic => {
                let num = Arc::new(AtomicU64::new(START).named("num"));
                let shared = Arc::clone(&num);
                run_both(move |k| {
                    shared.fetch_add(k, Ordering::SeqCst);
                });
                num.load(Ordering::SeqCst)
            }
        }
    }

    fn check(&self, outcome: &u64) -> Result<(), String> {
        if *outcome == EXPECTED {
            Ok(())
        } else {
            Err(format!(
                "num ended at {outcome}, expected {EXPECTED}: {} lost",
                describe_loss(EXPECTED.saturating_sub(*outcome))
            ))
        }
    }
}

fn describe_loss(missing: u64) -> String {
    match missing {
        1 => "an increment of 1 was".to_owned(),
        n => format!("increments worth {n} were"),
    }
}
