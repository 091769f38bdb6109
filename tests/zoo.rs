//! The bug zoo: small programs, each a known bug class, with a correct twin. Every
//! exhaustive engine must find the bug and name its class; PCT must find it within a stated
//! budget; the twin must be proved on every exhaustive engine and never flagged.

use interleavings::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use interleavings::sync::{Arc, Mutex};
use interleavings::{CounterexampleKind as Kind, Engine, Shared, Verdict, explore, thread};

/// PCT iterations each bug must be found within.
const PCT_BUDGET: u64 = 1_000;
/// Seeds over which PCT's iterations-to-bug median is taken.
const PCT_SEEDS: u64 = 21;

pub(crate) struct Bug {
    pub(crate) class: &'static str,
    pub(crate) kind: Kind,
    pub(crate) wrong: fn(),
    pub(crate) right: fn(),
}

fn two<F: Fn() + Send + Sync + 'static>(f: F) {
    let f = Arc::new(f);
    let g = Arc::clone(&f);
    let t = thread::spawn(move || g());
    f();
    t.join().unwrap();
}

pub(crate) fn zoo() -> Vec<Bug> {
    vec![
        Bug {
            class: "lost update (get, then set)",
            kind: Kind::DataRace,
            wrong: || {
                let x = Arc::new(Shared::new(0).named("x"));
                let y = Arc::clone(&x);
                two(move || y.set(y.get() + 1));
                assert_eq!(x.get(), 2);
            },
            right: || {
                let x = Arc::new(Mutex::new(0).named("x"));
                let y = Arc::clone(&x);
                two(move || *y.lock().unwrap() += 1);
                assert_eq!(*x.lock().unwrap(), 2);
            },
        },
        Bug {
            class: "check-then-act",
            kind: Kind::DataRace,
            wrong: || {
                let left = Arc::new(Shared::new(1).named("left"));
                let l = Arc::clone(&left);
                two(move || {
                    if l.get() > 0 {
                        l.set(l.get() - 1);
                    }
                });
                assert!(left.get() >= 0);
            },
            right: || {
                let left = Arc::new(Mutex::new(1).named("left"));
                let l = Arc::clone(&left);
                two(move || {
                    let mut n = l.lock().unwrap();
                    if *n > 0 {
                        *n -= 1;
                    }
                });
                assert!(*left.lock().unwrap() >= 0);
            },
        },
        Bug {
            class: "critical section split in two",
            kind: Kind::Invariant,
            wrong: || {
                let x = Arc::new(Mutex::new(0).named("x"));
                let y = Arc::clone(&x);
                two(move || {
                    let read = *y.lock().unwrap();
                    *y.lock().unwrap() = read + 1;
                });
                assert_eq!(*x.lock().unwrap(), 2);
            },
            right: || {
                let x = Arc::new(Mutex::new(0).named("x"));
                let y = Arc::clone(&x);
                two(move || {
                    let mut held = y.lock().unwrap();
                    *held += 1;
                });
                assert_eq!(*x.lock().unwrap(), 2);
            },
        },
        Bug {
            class: "the wrong lock",
            kind: Kind::DataRace,
            wrong: || {
                let x = Arc::new(Shared::new(0).named("x"));
                let (a, b) = (
                    Arc::new(Mutex::new(()).named("a")),
                    Arc::new(Mutex::new(()).named("b")),
                );
                let (x2, a2) = (Arc::clone(&x), Arc::clone(&a));
                let t = thread::spawn(move || {
                    let _held = a2.lock().unwrap();
                    x2.set(x2.get() + 1);
                });
                {
                    let _held = b.lock().unwrap();
                    x.set(x.get() + 1);
                }
                t.join().unwrap();
                assert_eq!(x.get(), 2);
            },
            right: || {
                let x = Arc::new(Shared::new(0).named("x"));
                let a = Arc::new(Mutex::new(()).named("a"));
                let (x2, a2) = (Arc::clone(&x), Arc::clone(&a));
                let t = thread::spawn(move || {
                    let _held = a2.lock().unwrap();
                    x2.set(x2.get() + 1);
                });
                {
                    let _held = a.lock().unwrap();
                    x.set(x.get() + 1);
                }
                t.join().unwrap();
                assert_eq!(x.get(), 2);
            },
        },
        Bug {
            class: "lock-order inversion",
            kind: Kind::Deadlock,
            wrong: || {
                let (a, b) = (
                    Arc::new(Mutex::new(()).named("a")),
                    Arc::new(Mutex::new(()).named("b")),
                );
                let (a2, b2) = (Arc::clone(&a), Arc::clone(&b));
                let t = thread::spawn(move || {
                    let _x = b2.lock().unwrap();
                    let _y = a2.lock().unwrap();
                });
                {
                    let _x = a.lock().unwrap();
                    let _y = b.lock().unwrap();
                }
                t.join().unwrap();
            },
            right: || {
                let (a, b) = (
                    Arc::new(Mutex::new(()).named("a")),
                    Arc::new(Mutex::new(()).named("b")),
                );
                let (a2, b2) = (Arc::clone(&a), Arc::clone(&b));
                let t = thread::spawn(move || {
                    let _x = a2.lock().unwrap();
                    let _y = b2.lock().unwrap();
                });
                {
                    let _x = a.lock().unwrap();
                    let _y = b.lock().unwrap();
                }
                t.join().unwrap();
            },
        },
        Bug {
            class: "a lock not released on one path",
            kind: Kind::Deadlock,
            wrong: || {
                let stock = Arc::new(Mutex::new(1).named("stock"));
                let s = Arc::clone(&stock);
                two(move || {
                    let mut held = s.lock().unwrap();
                    if *held == 0 {
                        std::mem::forget(held); // the early return that forgets to unlock
                        return;
                    }
                    *held -= 1;
                });
                assert_eq!(*stock.lock().unwrap(), 0);
            },
            right: || {
                let stock = Arc::new(Mutex::new(1).named("stock"));
                let s = Arc::clone(&stock);
                two(move || {
                    let mut held = s.lock().unwrap();
                    if *held == 0 {
                        return;
                    }
                    *held -= 1;
                });
                assert_eq!(*stock.lock().unwrap(), 0);
            },
        },
        Bug {
            class: "atomic load, then store",
            kind: Kind::Invariant,
            wrong: || {
                let n = Arc::new(AtomicUsize::new(0).named("n"));
                let m = Arc::clone(&n);
                two(move || m.store(m.load(Ordering::SeqCst) + 1, Ordering::SeqCst));
                assert_eq!(n.load(Ordering::SeqCst), 2);
            },
            right: || {
                let n = Arc::new(AtomicUsize::new(0).named("n"));
                let m = Arc::clone(&n);
                two(move || {
                    m.fetch_add(1, Ordering::SeqCst);
                });
                assert_eq!(n.load(Ordering::SeqCst), 2);
            },
        },
        Bug {
            class: "reader assumes the writer ran first",
            kind: Kind::DataRace,
            wrong: || {
                let data = Arc::new(Shared::new(0).named("data"));
                let d = Arc::clone(&data);
                let writer = thread::spawn(move || d.set(42));
                // Checked after the join, so that the execution goes on to the racing write.
                let seen = data.get();
                writer.join().unwrap();
                assert_eq!(seen, 42);
            },
            right: || {
                let data = Arc::new(Shared::new(0).named("data"));
                let d = Arc::clone(&data);
                let writer = thread::spawn(move || d.set(42));
                writer.join().unwrap();
                assert_eq!(data.get(), 42);
            },
        },
        Bug {
            class: "flag published before its data",
            kind: Kind::DataRace,
            wrong: || {
                let data = Arc::new(Shared::new(0).named("data"));
                let ready = Arc::new(AtomicBool::new(false).named("ready"));
                let (d, r) = (Arc::clone(&data), Arc::clone(&ready));
                let writer = thread::spawn(move || {
                    r.store(true, Ordering::Release);
                    d.set(42);
                });
                let seen = ready.load(Ordering::Acquire).then(|| data.get());
                writer.join().unwrap();
                assert!(seen.is_none_or(|v| v == 42));
            },
            right: || {
                let data = Arc::new(Shared::new(0).named("data"));
                let ready = Arc::new(AtomicBool::new(false).named("ready"));
                let (d, r) = (Arc::clone(&data), Arc::clone(&ready));
                let writer = thread::spawn(move || {
                    d.set(42);
                    r.store(true, Ordering::Release);
                });
                let seen = ready.load(Ordering::Acquire).then(|| data.get());
                writer.join().unwrap();
                assert!(seen.is_none_or(|v| v == 42));
            },
        },
        Bug {
            class: "double-checked initialisation, unsynchronised",
            kind: Kind::DataRace,
            wrong: || {
                let ready = Arc::new(Shared::new(false).named("initialised"));
                let inits = Arc::new(AtomicUsize::new(0).named("inits"));
                let (r, i) = (Arc::clone(&ready), Arc::clone(&inits));
                two(move || {
                    if !r.get() {
                        i.fetch_add(1, Ordering::SeqCst);
                        r.set(true);
                    }
                });
                assert_eq!(inits.load(Ordering::SeqCst), 1);
            },
            right: || {
                let ready = Arc::new(Mutex::new(false).named("initialised"));
                let inits = Arc::new(AtomicUsize::new(0).named("inits"));
                let (r, i) = (Arc::clone(&ready), Arc::clone(&inits));
                two(move || {
                    let mut done = r.lock().unwrap();
                    if !*done {
                        i.fetch_add(1, Ordering::SeqCst);
                        *done = true;
                    }
                });
                assert_eq!(inits.load(Ordering::SeqCst), 1);
            },
        },
        Bug {
            class: "mutual exclusion by checking a flag, then setting it",
            kind: Kind::DataRace,
            wrong: || {
                let busy = Arc::new(AtomicBool::new(false).named("busy"));
                let inside = Arc::new(Shared::new(0).named("inside"));
                let (b, x) = (Arc::clone(&busy), Arc::clone(&inside));
                two(move || {
                    while b.load(Ordering::SeqCst) {
                        thread::yield_now();
                    }
                    b.store(true, Ordering::SeqCst);
                    x.set(x.get() + 1);
                    b.store(false, Ordering::SeqCst);
                });
                assert_eq!(inside.get(), 2);
            },
            right: || {
                let busy = Arc::new(AtomicBool::new(false).named("busy"));
                let inside = Arc::new(Shared::new(0).named("inside"));
                let (b, x) = (Arc::clone(&busy), Arc::clone(&inside));
                two(move || {
                    while b
                        .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
                        .is_err()
                    {
                        thread::yield_now();
                    }
                    x.set(x.get() + 1);
                    b.store(false, Ordering::SeqCst);
                });
                assert_eq!(inside.get(), 2);
            },
        },
        Bug {
            class: "a spin loop that never yields",
            kind: Kind::StepLimit,
            wrong: || {
                let go = Arc::new(AtomicBool::new(false).named("go"));
                let g = Arc::clone(&go);
                let t = thread::spawn(move || g.store(true, Ordering::SeqCst));
                while !go.load(Ordering::SeqCst) {}
                t.join().unwrap();
            },
            right: || {
                let go = Arc::new(AtomicBool::new(false).named("go"));
                let g = Arc::clone(&go);
                let t = thread::spawn(move || g.store(true, Ordering::SeqCst));
                while !go.load(Ordering::SeqCst) {
                    thread::yield_now();
                }
                t.join().unwrap();
            },
        },
    ]
}

/// Steps one execution may take: small, so that spin loops end quickly.
pub(crate) const MAX_STEPS: usize = 2_000;

/// PCT's executions to the bug, per seed (`None`: not found within the budget).
fn pct_iterations_to_bug(bug: &Bug) -> Vec<Option<u64>> {
    (1..=PCT_SEEDS)
        .map(|seed| {
            let report = explore(bug.wrong)
                .engine(Engine::pct(PCT_BUDGET, 3).seed(seed))
                .max_steps(MAX_STEPS)
                .minimize(false)
                .run();
            report.counterexample().map(|cx| {
                assert_eq!(cx.kind(), bug.kind, "{}: PCT seed {seed}", bug.class);
                cx.execution()
            })
        })
        .collect()
}

fn median(mut values: Vec<u64>) -> u64 {
    values.sort_unstable();
    values[values.len() / 2]
}

/// `engine` finds `bug` and names its class.
pub(crate) fn assert_found(bug: &Bug, engine: &Engine) {
    let report = explore(bug.wrong)
        .engine(engine.clone())
        .max_steps(MAX_STEPS)
        .run();
    let cx = report
        .counterexample()
        .unwrap_or_else(|| panic!("{} on {engine}: not found\n{report}", bug.class));
    assert_eq!(cx.kind(), bug.kind, "{} on {engine}\n{report}", bug.class);
}

/// `engine` proves `bug`'s correct twin.
pub(crate) fn assert_twin_proved(bug: &Bug, engine: &Engine) {
    let report = explore(bug.right)
        .engine(engine.clone())
        .max_steps(MAX_STEPS)
        .run();
    assert!(
        report.is_proved(),
        "{} twin on {engine}\n{report}",
        bug.class
    );
}

#[test]
fn every_exhaustive_engine_finds_each_bug_and_names_its_class() {
    for bug in zoo() {
        for engine in [Engine::loom(), Engine::dfs()] {
            assert_found(&bug, &engine);
        }
    }
}

#[test]
fn every_correct_twin_is_proved_and_never_flagged() {
    for bug in zoo() {
        for engine in [Engine::loom(), Engine::dfs()] {
            assert_twin_proved(&bug, &engine);
        }
        for engine in [
            Engine::pct(300, 3),
            Engine::random(300),
            Engine::std().runs(20).chaos(1),
        ] {
            let report = explore(bug.right)
                .engine(engine.clone())
                .max_steps(MAX_STEPS)
                .run();
            assert!(
                matches!(report.verdict(), Verdict::Passed { .. }),
                "{} twin on {engine}\n{report}",
                bug.class
            );
        }
    }
}

/// The zoo's table, as the README shows it.
fn table() -> String {
    let mut out = String::from(
        "| bug class | kind found | loom, DFS | PCT: median executions to the bug (21 seeds) | correct twin |\n\
         | --- | --- | --- | --- | --- |\n",
    );
    for bug in zoo() {
        let found = pct_iterations_to_bug(&bug);
        assert!(
            found.iter().all(Option::is_some),
            "{}: PCT must find it within {PCT_BUDGET} executions for every seed: {found:?}",
            bug.class
        );
        let median = median(found.into_iter().flatten().collect());
        out.push_str(&format!(
            "| {} | {} | violated | {median} | proved |\n",
            bug.class,
            bug.kind.describe()
        ));
    }
    out
}

#[test]
fn pct_finds_each_bug_within_its_budget_and_the_readme_table_is_current() {
    crate::readme::check_block("zoo", &table(), crate::readme::Block::Table);
}
