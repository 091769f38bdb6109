//! The DFS's partial-order reduction against the unreduced DFS on random race-free
//! programs: same verdict, same set of outcomes, for every generated program. The programs
//! mix what the reduction reasons about: critical sections on two locks, `try_lock`,
//! atomic adds and loads, printed lines and the output read back, spawn and join.

use interleavings::sync::atomic::{AtomicUsize, Ordering};
use interleavings::sync::{Arc, Mutex};
use interleavings::{Engine, Explorer, Model, Reduction, io, thread};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::collections::BTreeSet;

/// One thing a thread does; what it observes goes into the outcome.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// Lock mutex `m`, append the thread's number, see how many were there before.
    Critical(usize),
    /// `try_lock` on mutex `m`: busy, or appended as in `Critical`.
    TryLock(usize),
    /// `fetch_add(1)` on atomic `a`, seeing the value before.
    FetchAdd(usize),
    /// Load atomic `a`.
    Load(usize),
    /// Print a line naming the thread.
    Print,
    /// Read back the lines printed so far.
    ReadOutput,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..2usize).prop_map(Step::Critical),
        (0..2usize).prop_map(Step::TryLock),
        (0..2usize).prop_map(Step::FetchAdd),
        (0..2usize).prop_map(Step::Load),
        Just(Step::Print),
        Just(Step::ReadOutput),
    ]
}

/// Spawned threads' steps, the main thread's steps between spawning and joining, and
/// whether the main thread joins the threads in reverse order.
#[derive(Clone, Debug)]
struct Program {
    threads: Vec<Vec<Step>>,
    main: Vec<Step>,
    join_reversed: bool,
}

fn program() -> impl Strategy<Value = Program> {
    (
        prop::collection::vec(prop::collection::vec(step(), 1..=2), 2..=3),
        prop::collection::vec(step(), 0..=1),
        any::<bool>(),
    )
        .prop_map(|(threads, main, join_reversed)| Program {
            threads,
            main,
            join_reversed,
        })
}

struct Objects {
    locks: [Mutex<Vec<usize>>; 2],
    atomics: [AtomicUsize; 2],
}

fn perform(objects: &Objects, who: usize, step: Step, seen: &mut Vec<String>) {
    match step {
        Step::Critical(m) => {
            let mut held = objects.locks[m].lock().unwrap();
            seen.push(format!("{who} m{m}:{}", held.len()));
            held.push(who);
        }
        Step::TryLock(m) => match objects.locks[m].try_lock() {
            Ok(mut held) => {
                seen.push(format!("{who} try m{m}:{}", held.len()));
                held.push(who);
            }
            Err(_) => seen.push(format!("{who} try m{m}: busy")),
        },
        Step::FetchAdd(a) => {
            let before = objects.atomics[a].fetch_add(1, Ordering::SeqCst);
            seen.push(format!("{who} a{a}+{before}"));
        }
        Step::Load(a) => {
            let now = objects.atomics[a].load(Ordering::SeqCst);
            seen.push(format!("{who} a{a}={now}"));
        }
        Step::Print => io::println!("line of {who}"),
        Step::ReadOutput => seen.push(format!("{who} output {:?}", io::output())),
    }
}

impl Model for Program {
    type Outcome = Vec<String>;

    fn name(&self) -> String {
        format!("{self:?}")
    }

    fn run(&self) -> Vec<String> {
        let objects = Arc::new(Objects {
            locks: [Mutex::new(Vec::new()), Mutex::new(Vec::new())],
            atomics: [AtomicUsize::new(0), AtomicUsize::new(0)],
        });
        let mut handles: Vec<_> = self
            .threads
            .iter()
            .enumerate()
            .map(|(index, steps)| {
                let (objects, steps) = (Arc::clone(&objects), steps.clone());
                thread::spawn(move || {
                    let mut seen = Vec::new();
                    for step in steps {
                        perform(&objects, index + 1, step, &mut seen);
                    }
                    seen
                })
            })
            .collect();
        let mut seen = Vec::new();
        for &step in &self.main {
            perform(&objects, 0, step, &mut seen);
        }
        if self.join_reversed {
            handles.reverse();
        }
        for handle in handles {
            seen.extend(handle.join().unwrap());
        }
        seen.sort();
        for lock in &objects.locks {
            seen.push(format!("{:?}", lock.lock().unwrap()));
        }
        seen.push(format!("{:?}", io::output()));
        seen
    }

    fn check(&self, _: &Vec<String>) -> Result<(), String> {
        Ok(())
    }
}

fn outcomes(program: &Program, engine: Engine) -> BTreeSet<Vec<String>> {
    let report = Explorer::new(program.clone()).engine(engine).run();
    assert!(report.is_proved(), "{report}");
    report.outcomes().keys().cloned().collect()
}

fn compare(cases: u32, rng: TestRng) {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(config, rng);
    let result = runner.run(&program(), |program| {
        let every_order = outcomes(&program, Engine::dfs().reduction(Reduction::Off));
        let reduced = outcomes(&program, Engine::dfs());
        prop_assert_eq!(reduced, every_order);
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
}

#[test]
fn the_reduction_reaches_every_outcome_of_random_programs() {
    compare(25, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
}

/// The same with fresh programs each time: `cargo test -- --ignored random_programs`.
#[test]
#[ignore = "a soak test: hundreds of random programs, minutes"]
fn the_reduction_reaches_every_outcome_of_many_fresh_random_programs() {
    compare(500, TestRng::from_seed(RngAlgorithm::ChaCha, &rand_seed()));
}

fn rand_seed() -> [u8; 32] {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut seed = [0u8; 32];
    seed[..16].copy_from_slice(&nanos.to_le_bytes());
    eprintln!("seed {seed:?}");
    seed
}
