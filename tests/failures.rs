//! The checker's own failure modes: deadlocks, panics, spin loops, misuse, engine limits and
//! nested explorations give a counterexample or a clear error, and the test binary survives.

use interleavings::models::TicketSale;
use interleavings::sync::atomic::{AtomicBool, Ordering};
use interleavings::sync::{Arc, Mutex};
use interleavings::{CounterexampleKind, Engine, Error, Explorer, Shared, explore, thread};
use std::sync::OnceLock;

fn every_engine() -> Vec<Engine> {
    vec![
        Engine::loom(),
        Engine::dfs(),
        Engine::pct(200, 3).seed(5),
        Engine::random(200).seed(5),
        Engine::std().runs(5),
    ]
}

/// Main holds `lock` and joins a thread that needs it: a deadlock in every interleaving.
fn certain_deadlock() {
    let lock = Arc::new(Mutex::new(0).named("lock"));
    let held = lock.lock().unwrap();
    let other = Arc::clone(&lock);
    let t = thread::Builder::new()
        .name("worker".into())
        .spawn(move || *other.lock().unwrap() += 1)
        .unwrap();
    t.join().unwrap();
    drop(held);
}

#[test]
fn a_deadlock_is_a_counterexample_naming_who_waits_for_what_on_every_engine() {
    for engine in every_engine() {
        let report = explore(certain_deadlock).engine(engine.clone()).run();
        let cx = report
            .counterexample()
            .unwrap_or_else(|| panic!("{engine}: no deadlock found\n{report}"));
        assert_eq!(
            cx.kind(),
            CounterexampleKind::Deadlock,
            "{engine}\n{report}"
        );
        assert!(
            cx.message()
                .contains("worker waits for `lock` held by main")
                && cx.message().contains("main waits to join worker"),
            "{engine}: {}",
            cx.message()
        );
        // main holds the lock, and is alive: waiting to join.
        assert!(
            !cx.message().contains("which has exited"),
            "{engine}: {}",
            cx.message()
        );
    }
}

/// A thread that takes a lock it already holds waits for ever, for itself: no `blocked on`
/// step is recorded as it begins to wait (no other thread holds the lock), so the trace
/// is completed with one when the deadlock is found: each waiting thread's trace ends in
/// exactly one wait.
#[test]
fn a_thread_relocking_its_own_lock_is_a_deadlock_whose_trace_ends_in_each_wait() {
    use interleavings::trace::Op;
    for engine in [Engine::dfs(), Engine::loom()] {
        let report = explore(|| {
            let lock = Arc::new(Mutex::new(()).named("lock"));
            let worker = thread::Builder::new()
                .name("worker".to_owned())
                .spawn(move || {
                    let _held = lock.lock().unwrap();
                    let _again = lock.lock().unwrap();
                })
                .unwrap();
            worker.join().unwrap();
        })
        .engine(engine.clone())
        .run();
        let cx = report.counterexample().expect("a deadlock");
        assert_eq!(
            cx.kind(),
            CounterexampleKind::Deadlock,
            "{engine}\n{report}"
        );
        let trace = cx.trace();
        for thread in 0..2 {
            let ops: Vec<Op> = (trace.events.iter())
                .filter(|e| e.thread == thread)
                .map(|e| e.op)
                .collect();
            assert_eq!(ops.last(), Some(&Op::Block), "{engine}\n{report}");
            let waits = ops.iter().filter(|&&op| op == Op::Block).count();
            assert_eq!(waits, 1, "{engine}\n{report}");
        }
    }
}

#[test]
fn lock_order_inversion_deadlocks_on_the_model_checkers() {
    for engine in [Engine::loom(), Engine::dfs(), Engine::pct(1_000, 3).seed(3)] {
        let report = explore(|| {
            let a = Arc::new(Mutex::new(()).named("a"));
            let b = Arc::new(Mutex::new(()).named("b"));
            let (a2, b2) = (Arc::clone(&a), Arc::clone(&b));
            let t = thread::spawn(move || {
                let _b = b2.lock().unwrap();
                let _a = a2.lock().unwrap();
            });
            {
                let _a = a.lock().unwrap();
                let _b = b.lock().unwrap();
            }
            t.join().unwrap();
        })
        .engine(engine.clone())
        .run();
        let kind = report.counterexample().map(|cx| cx.kind());
        assert_eq!(
            kind,
            Some(CounterexampleKind::Deadlock),
            "{engine}\n{report}"
        );
    }
}

#[test]
fn a_panicking_thread_is_a_panic_counterexample_on_every_engine() {
    for engine in every_engine() {
        let report = explore(|| {
            let t = thread::Builder::new()
                .name("doomed".into())
                .spawn(|| panic!("boom in the worker"))
                .unwrap();
            let _ = t.join();
        })
        .engine(engine.clone())
        .run();
        let cx = report.counterexample().expect("violation");
        assert_eq!(cx.kind(), CounterexampleKind::Panic, "{engine}\n{report}");
        assert!(
            cx.message()
                .contains("`doomed` panicked: boom in the worker"),
            "{engine}: {}",
            cx.message()
        );
    }
}

#[test]
fn a_failed_assert_in_a_closure_is_an_invariant_violation() {
    // Race-free (every access under the lock), but the order of the two pushes varies.
    let report = explore(|| {
        let order = Arc::new(Mutex::new(Vec::new()).named("order"));
        let o = Arc::clone(&order);
        let t = thread::spawn(move || o.lock().unwrap().push(1));
        order.lock().unwrap().push(0);
        t.join().unwrap();
        assert_eq!(*order.lock().unwrap(), vec![0, 1], "main pushed second");
    })
    .engine(Engine::loom())
    .run();
    let cx = report.counterexample().expect("violation");
    assert_eq!(cx.kind(), CounterexampleKind::Invariant);
    assert!(
        cx.message().contains("main pushed second"),
        "{}",
        cx.message()
    );
    assert!(cx.race().is_none());
}

#[test]
fn a_failed_assert_on_a_racy_closure_is_shown_as_the_race() {
    let report = explore(|| {
        let x = Arc::new(Shared::new(0).named("x"));
        let y = Arc::clone(&x);
        let t = thread::spawn(move || y.set(y.get() + 1));
        x.set(x.get() + 1);
        t.join().unwrap();
        assert_eq!(x.get(), 2, "lost update");
    })
    .engine(Engine::loom())
    .run();
    let cx = report.counterexample().expect("violation");
    assert_eq!(cx.kind(), CounterexampleKind::DataRace);
    let failure = cx.failure().expect("the assertion failed");
    assert!(failure.contains("lost update"), "{failure}");
}

/// Waits for a flag that nobody sets, without yielding.
fn spin_until_ready() {
    let flag = AtomicBool::new(false).named("ready");
    while !flag.load(Ordering::SeqCst) {}
}

#[test]
fn a_spin_loop_that_never_yields_ends_as_a_step_limit_counterexample() {
    for engine in [
        Engine::loom(),
        Engine::dfs(),
        Engine::pct(10, 3),
        Engine::std().runs(1),
    ] {
        let report = explore(spin_until_ready)
            .engine(engine.clone())
            .max_steps(500)
            .run();
        let kind = report.counterexample().map(|cx| cx.kind());
        assert_eq!(
            kind,
            Some(CounterexampleKind::StepLimit),
            "{engine}\n{report}"
        );
    }
}

/// A step limit above the engines' own defaults is still ours: shuttle stops an execution
/// after a million of its steps unless told otherwise, and would fail the search with its
/// own panic before our limit, with no trace.
#[test]
fn a_step_limit_above_shuttles_default_is_still_ours() {
    let report = explore(spin_until_ready)
        .engine(Engine::dfs())
        .max_steps(1_000_100)
        .run();
    let cx = report.counterexample().expect("a counterexample");
    assert_eq!(cx.kind(), CounterexampleKind::StepLimit, "{report}");
    assert!(cx.message().contains("more than 1000100 steps"), "{report}");
}

#[test]
fn a_check_that_panics_is_a_panic_counterexample() {
    #[derive(Clone)]
    struct BadCheck;
    impl interleavings::Model for BadCheck {
        type Outcome = u8;
        fn name(&self) -> String {
            "bad-check".into()
        }
        fn run(&self) -> u8 {
            1
        }
        fn check(&self, _: &u8) -> Result<(), String> {
            panic!("check exploded")
        }
    }
    let report = Explorer::new(BadCheck).engine(Engine::dfs()).run();
    let cx = report.counterexample().expect("violation");
    assert_eq!(cx.kind(), CounterexampleKind::Panic);
    assert!(cx.message().contains("check exploded"), "{}", cx.message());
}

static MADE_OUTSIDE: OnceLock<Mutex<u32>> = OnceLock::new();

#[test]
fn an_object_made_outside_the_exploration_is_a_clear_error_on_every_engine() {
    let outside = MADE_OUTSIDE.get_or_init(|| Mutex::new(0).named("counter"));
    *outside.lock().unwrap() += 1; // plain std outside explorations
    for engine in every_engine() {
        let error = explore(|| {
            *MADE_OUTSIDE.get().unwrap().lock().unwrap() += 1;
        })
        .engine(engine.clone())
        .try_run()
        .unwrap_err();
        match &error {
            Error::Misuse(message) => assert!(
                message.contains("`counter` was created outside any exploration")
                    && message.contains("create facade objects inside the model"),
                "{engine}: {message}"
            ),
            other => panic!("{engine}: expected a misuse error, got {other:?}"),
        }
    }
}

#[test]
fn run_panics_with_the_misuse_message() {
    let outside = Arc::new(Shared::new(1).named("leaked"));
    let result = std::panic::catch_unwind(|| {
        explore(move || {
            outside.get();
        })
        .engine(Engine::loom())
        .run()
    });
    let payload = result.expect_err("run must panic on misuse");
    let message = payload
        .downcast_ref::<String>()
        .expect("a formatted message");
    assert!(
        message.contains("`leaked` was created outside"),
        "{message}"
    );
}

#[test]
fn loom_refuses_more_threads_than_it_can_explore_with_a_clear_error() {
    let error = Explorer::new(TicketSale::guarded(5, 1))
        .engine(Engine::loom())
        .try_run()
        .unwrap_err();
    match &error {
        Error::EngineLimit(message) => assert!(
            message.contains("at most 4 spawned threads")
                && message.contains("is thread 5")
                && message.contains("Engine::dfs()"),
            "{message}"
        ),
        other => panic!("expected an engine-limit error, got {other:?}"),
    }
    // Exactly as many as loom can explore is fine.
    let four = explore(|| {
        let handles: Vec<_> = (0..4).map(|_| thread::spawn(|| {})).collect();
        for handle in handles {
            handle.join().unwrap();
        }
    })
    .engine(Engine::loom())
    .run();
    assert!(four.is_proved(), "{four}");
    // The process survived, and the same model runs on an engine without the limit.
    let report = Explorer::new(TicketSale::guarded(5, 1))
        .engine(Engine::pct(50, 3))
        .run();
    assert!(report.holds(), "{report}");
}

#[test]
fn an_exploration_inside_a_model_is_a_nested_exploration_error() {
    let report = explore(|| {
        let inner = explore(|| {}).engine(Engine::dfs()).try_run();
        assert!(matches!(inner, Err(Error::Nested)), "{inner:?}");
    })
    .engine(Engine::loom())
    .run();
    assert!(report.is_proved(), "{report}");
}

static FROM_AN_EARLIER_EXECUTION: OnceLock<Mutex<u32>> = OnceLock::new();

#[test]
fn an_object_kept_from_an_earlier_execution_is_a_clear_error() {
    let error = explore(|| {
        let kept = FROM_AN_EARLIER_EXECUTION.get_or_init(|| Mutex::new(0).named("kept"));
        let t = thread::spawn(|| {});
        *kept.lock().unwrap() += 1;
        t.join().unwrap();
    })
    // Every order, so that there is a second execution to misuse the object in.
    .engine(Engine::dfs().reduction(interleavings::Reduction::Off))
    .try_run()
    .unwrap_err();
    assert!(
        matches!(&error, Error::Misuse(m) if m.contains("`kept` was created in an earlier execution")),
        "{error}"
    );
}

static FROM_ANOTHER_ENGINE: OnceLock<Mutex<u32>> = OnceLock::new();

#[test]
fn an_object_made_under_another_engine_is_a_misuse_naming_that_engine() {
    let made = explore(|| {
        let made = FROM_ANOTHER_ENGINE.get_or_init(|| Mutex::new(0).named("made"));
        assert!(format!("{made:?}").contains("engine: \"loom\""), "{made:?}");
    })
    .engine(Engine::loom())
    .run();
    assert!(made.is_proved(), "{made}");
    let error = explore(|| *FROM_ANOTHER_ENGINE.get().unwrap().lock().unwrap() += 1)
        .engine(Engine::dfs())
        .try_run()
        .unwrap_err();
    assert!(
        matches!(&error, Error::Misuse(m) if m.contains("`made` was created under the loom engine")),
        "{error}"
    );
}

/// A model whose `check` tries to explore: it runs on the exploring thread after the
/// execution, where no execution is current, and must still be refused.
#[derive(Clone, Copy)]
struct ExploresInItsCheck;

impl interleavings::Model for ExploresInItsCheck {
    type Outcome = ();
    fn name(&self) -> String {
        "explores in its check".into()
    }
    fn run(&self) {}
    fn check(&self, _: &()) -> Result<(), String> {
        match explore(|| {}).engine(Engine::dfs()).try_run() {
            Err(Error::Nested) => Ok(()),
            other => Err(format!(
                "a nested exploration ran: {:?}",
                other.map(|r| r.verdict().name())
            )),
        }
    }
}

#[test]
fn an_exploration_inside_a_check_is_a_nested_exploration_error() {
    let report = interleavings::Explorer::new(ExploresInItsCheck)
        .engine(Engine::loom())
        .run();
    assert!(report.is_proved(), "{report}");
}

#[test]
fn a_closure_model_is_named_in_its_report() {
    let report = explore(|| {}).engine(Engine::dfs()).run();
    assert!(
        report.to_string().starts_with("model:   closure\n"),
        "{report}"
    );
    let model = format!("{:?}", explore(|| {}));
    assert!(model.contains("ClosureModel"), "{model}");
}

/// Run by [`a_panic_outside_explorations_prints_as_usual`] in a process of its own.
#[test]
#[ignore = "run as a child process by a_panic_outside_explorations_prints_as_usual"]
fn panic_outside_an_exploration_after_one() {
    let report = explore(|| {}).engine(Engine::dfs()).run();
    assert!(report.is_proved());
    let caught = std::panic::catch_unwind(|| panic!("a panic of the program itself"));
    assert!(caught.is_err());
}

/// Runs the ignored test `name` of this binary in a process of its own, which must pass;
/// returns what it wrote to stderr (where shuttle's and the panic hook's notices go).
fn stderr_of_ignored_test(name: &str) -> String {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", name, "--nocapture"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

#[test]
fn a_panic_outside_explorations_prints_as_usual() {
    let stderr = stderr_of_ignored_test("failures::panic_outside_an_exploration_after_one");
    assert!(stderr.contains("a panic of the program itself"), "{stderr}");
    assert!(!stderr.contains("panicked in task"), "{stderr}");
}

/// Deadlocks that no lock wait completes, which shuttle would otherwise find itself (and
/// print its notice): two threads take two locks in opposite orders while a third only
/// tries one of them (in some orders the deadlock is complete only when the third thread
/// ends); and the main thread joins a thread that already waits for a lock the main thread
/// holds.
/// Run by [`deadlocks_completed_by_a_threads_end_or_a_join_are_reported_without_shuttles_notice`]
/// in a process of its own.
#[test]
#[ignore = "run as a child process by deadlocks_completed_by_a_threads_end_or_a_join_are_reported_without_shuttles_notice"]
fn deadlocks_completed_by_a_threads_end_or_a_join() {
    for engine in [
        Engine::dfs(),
        Engine::dfs().reduction(interleavings::Reduction::Off),
    ] {
        let by_an_end = explore(|| {
            let locks = Arc::new([Mutex::new(()), Mutex::new(())]);
            let in_order = |first: usize| {
                let locks = Arc::clone(&locks);
                thread::spawn(move || {
                    let _outer = locks[first].lock().unwrap();
                    let _inner = locks[1 - first].lock().unwrap();
                })
            };
            let forward = in_order(1);
            let trier = {
                let locks = Arc::clone(&locks);
                thread::spawn(move || drop(locks[1].try_lock()))
            };
            let backward = in_order(0);
            for handle in [forward, trier, backward] {
                handle.join().unwrap();
            }
        });
        let by_a_join = explore(|| {
            let lock = Arc::new(Mutex::new(()));
            let held = lock.lock().unwrap();
            let theirs = Arc::clone(&lock);
            let waiter = thread::spawn(move || drop(theirs.lock().unwrap()));
            // Lets the waiter block first (a thread that yields goes last), so that the
            // join completes the deadlock.
            thread::yield_now();
            waiter.join().unwrap();
            drop(held);
        });
        for report in [
            by_an_end.engine(engine.clone()).run(),
            by_a_join.engine(engine.clone()).run(),
        ] {
            let kind = report.counterexample().map(|cx| cx.kind());
            assert_eq!(kind, Some(CounterexampleKind::Deadlock), "{report}");
        }
    }
}

#[test]
fn deadlocks_completed_by_a_threads_end_or_a_join_are_reported_without_shuttles_notice() {
    let stderr = stderr_of_ignored_test("failures::deadlocks_completed_by_a_threads_end_or_a_join");
    assert!(!stderr.contains("deadlocked"), "{stderr}");
}

/// A model whose main thread panics, on the shuttle engines: a panic counterexample each.
/// Run by [`a_panicking_main_thread_ends_quietly_under_shuttle`] in a process of its own.
#[test]
#[ignore = "run in a child process by a_panicking_main_thread_ends_quietly_under_shuttle"]
fn a_panicking_main_thread_under_shuttle() {
    for engine in [Engine::dfs(), Engine::pct(20, 3), Engine::random(20)] {
        let report = explore(|| {
            let _n = Shared::new(1).get();
            panic!("the model's own panic");
        })
        .engine(engine.clone())
        .run();
        let kind = report.counterexample().map(|cx| cx.kind());
        assert_eq!(kind, Some(CounterexampleKind::Panic), "{engine}\n{report}");
    }
}

/// The failed execution ends through shuttle's scheduler, so shuttle prints no notice of a
/// panicked task (the report says what happened).
#[test]
fn a_panicking_main_thread_ends_quietly_under_shuttle() {
    let stderr = stderr_of_ignored_test("failures::a_panicking_main_thread_under_shuttle");
    assert!(!stderr.contains("panicked in task"), "{stderr}");
}

/// An object that escapes its exploration (kept in a `static` by the model) and is used
/// after the exploration ended: a panic that says so, on the thread that used it; the test
/// binary goes on.
#[test]
fn an_object_used_after_its_exploration_ended_panics_with_a_clear_message() {
    for engine in [Engine::loom(), Engine::dfs()] {
        static ESCAPED: std::sync::Mutex<Option<std::sync::Arc<Shared<u32>>>> =
            std::sync::Mutex::new(None);
        let report = explore(|| {
            let value = std::sync::Arc::new(Shared::new(1).named("escaped"));
            *ESCAPED.lock().unwrap() = Some(value);
        })
        .engine(engine.clone())
        .run();
        assert!(report.is_proved(), "{engine}\n{report}");
        let escaped = ESCAPED.lock().unwrap().take().unwrap();
        let used = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| escaped.get()));
        let payload = used.expect_err("using it must panic");
        let message = payload
            .downcast_ref::<String>()
            .expect("a formatted message");
        assert!(
            message.contains("`escaped` was created inside a")
                && message.contains("is used after it ended"),
            "{engine}: {message}"
        );
        // Dropping it (outside any exploration) is fine.
        drop(escaped);
    }
}

/// A model's panic is reported with where it happened, under every engine family (the hook
/// notes the place of every panic of an exploring thread, loom's own among them).
#[test]
fn a_panic_is_reported_with_its_place() {
    for engine in [Engine::loom(), Engine::dfs(), Engine::std().runs(20)] {
        let report = explore(|| {
            let child = thread::spawn(|| panic!("the seller ran out"));
            let _ = child.join();
        })
        .engine(engine.clone())
        .run();
        let cx = report.counterexample().expect("a counterexample");
        let at = format!("the seller ran out (at tests/failures.rs:{}:", line!() - 6);
        assert!(cx.message().contains(&at), "{engine}: {}", cx.message());
    }
}

/// A lock guard that escapes its execution (kept in a thread-local with its leaked mutex)
/// and is dropped in the next execution, or after the exploration: the unlock belongs to no
/// running execution, so nothing is recorded and the engine's lock is left to the ended
/// execution; no panic, and each execution's own lock works.
#[test]
fn a_lock_guard_dropped_after_its_execution_ended_is_let_go_quietly() {
    thread_local! {
        static KEPT: std::cell::RefCell<Option<interleavings::sync::MutexGuard<'static, u8>>> =
            const { std::cell::RefCell::new(None) };
    }
    for engine in [Engine::loom(), Engine::dfs(), Engine::pct(5, 2)] {
        let report = explore(|| {
            // The last execution's guard, dropped here.
            KEPT.with(|kept| kept.borrow_mut().take());
            let lock: &'static Mutex<u8> = Box::leak(Box::new(Mutex::new(0)));
            let child = thread::spawn(move || *lock.lock().unwrap() += 1);
            *lock.lock().unwrap() += 1;
            child.join().unwrap();
            let held = lock.lock().unwrap();
            assert_eq!(*held, 2);
            KEPT.with(|kept| *kept.borrow_mut() = Some(held));
        })
        .engine(engine.clone())
        .run();
        assert!(
            report.is_proved() || report.is_passed(),
            "{engine}\n{report}"
        );
        assert!(report.executions() >= 2, "{engine}\n{report}");
        // The last one, dropped outside any exploration.
        KEPT.with(|kept| kept.borrow_mut().take());
    }
}

/// An object handed to a real OS thread that the model starts around the facade: under loom
/// and shuttle an execution's state belongs to the OS thread that runs it, so that
/// thread's use is refused with a panic that says why, before the value is reached; the
/// execution goes on and the object still works on its own thread.
#[test]
fn an_object_used_from_an_os_thread_outside_its_execution_is_refused() {
    for engine in [Engine::loom(), Engine::dfs(), Engine::pct(20, 2)] {
        let report = explore(|| {
            let value = std::sync::Arc::new(Shared::new(1).named("handed"));
            let handed = std::sync::Arc::clone(&value);
            let used = std::thread::spawn(move || handed.get()).join();
            let payload = used.expect_err("the other OS thread's use must panic");
            let message = payload.downcast_ref::<String>().cloned();
            assert!(
                message.is_some_and(|m| m.contains("`handed` was created inside a")),
                "a clear message"
            );
            value.set(2);
            assert_eq!(value.get(), 2);
        })
        .engine(engine.clone())
        .run();
        assert!(
            report.is_proved() || report.is_passed(),
            "{engine}\n{report}"
        );
    }
}

/// On real threads the objects are plain std ones underneath: one that escapes its
/// exploration goes on working as std's would, and keeps the value it had.
#[test]
fn an_object_escaping_a_real_threads_exploration_works_as_plain_std_after_it() {
    type Escaped = (std::sync::Arc<Shared<u32>>, std::sync::Arc<Mutex<u32>>);
    static ESCAPED: std::sync::Mutex<Option<Escaped>> = std::sync::Mutex::new(None);
    let report = explore(|| {
        let value = std::sync::Arc::new(Shared::new(1).named("escaped value"));
        let lock = std::sync::Arc::new(Mutex::new(10).named("escaped lock"));
        value.set(2);
        *lock.lock().unwrap() += 1;
        *ESCAPED.lock().unwrap() = Some((value, lock));
    })
    .engine(Engine::std().runs(1))
    .run();
    assert!(report.counterexample().is_none(), "{report}");
    let (value, lock) = ESCAPED.lock().unwrap().take().unwrap();
    assert_eq!(value.get(), 2);
    value.set(3);
    assert_eq!(value.get(), 3);
    let mut held = lock.lock().unwrap();
    assert_eq!(*held, 11);
    *held += 1;
    drop(held);
    assert_eq!(*lock.lock().unwrap(), 12);
}

/// A model that catches a panic raised while it held a lock has released the lock (as std
/// does, poisoned): a thread waiting for it is not deadlocked, however late it gets to
/// retake it. loom does not model poisoning (its `lock` panics on a poisoned lock): that is
/// an error naming the engines to use, not a deadlock.
#[test]
fn a_lock_released_by_a_caught_panic_is_free_for_the_deadlock_check() {
    use interleavings::sync::{Arc, Mutex};
    use interleavings::{Engine, explore, thread};
    let model = || {
        let lock = Arc::new(Mutex::new(0).named("lock"));
        let worker = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || lock.lock().is_err())
        };
        let holder = std::panic::AssertUnwindSafe(&lock);
        let caught = std::panic::catch_unwind(move || {
            let _held = holder.lock().unwrap();
            thread::yield_now();
            std::panic::panic_any("a panic the model catches");
        });
        assert!(caught.is_err());
        let _ = worker.join().unwrap();
    };
    for engine in [Engine::dfs(), Engine::pct(200, 3), Engine::std().runs(20)] {
        let report = explore(model).engine(engine.clone()).run();
        assert!(report.counterexample().is_none(), "{engine}: {report}");
    }
    let error = explore(model).engine(Engine::loom()).try_run().unwrap_err();
    assert!(
        error.to_string().contains("loom does not model poisoning"),
        "{error}"
    );
}

/// Only loom's own lock is taken for loom's missing poisoning: a model that unwraps a
/// poisoned lock of its own (a `std` one, outside the facade) under loom panics, and that
/// is the model's failure.
#[test]
fn a_poisoned_std_lock_unwrapped_under_loom_is_the_models_panic() {
    let report = explore(|| {
        let lock = std::sync::Mutex::new(0);
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _held = lock.lock().unwrap();
            std::panic::panic_any("a panic the model catches");
        }));
        drop(lock.lock().unwrap());
    })
    .engine(Engine::loom())
    .run();
    let cx = report.counterexample().expect("a counterexample");
    assert_eq!(cx.kind(), CounterexampleKind::Panic, "{report}");
    assert!(cx.message().contains("PoisonError"), "{report}");
}

/// Under loom, taking a lock that a caught panic poisoned, with `lock` or `try_lock` and
/// after the poisoning, is the same error as waking up to one: loom would panic in its own
/// code.
#[test]
fn retaking_a_poisoned_lock_under_loom_is_an_error_naming_the_engines_to_use() {
    for try_it in [false, true] {
        let error = explore(move || {
            let lock = Arc::new(Mutex::new(0).named("lock"));
            let holder = std::panic::AssertUnwindSafe(&lock);
            let _ = std::panic::catch_unwind(move || {
                let _held = holder.lock().unwrap();
                std::panic::panic_any("a panic the model catches");
            });
            let lock = Arc::clone(&lock);
            let retaken = thread::spawn(move || {
                if try_it {
                    lock.try_lock().is_err()
                } else {
                    lock.lock().is_err()
                }
            });
            let _ = retaken.join();
        })
        .engine(Engine::loom())
        .try_run()
        .unwrap_err();
        assert!(
            matches!(&error, Error::Misuse(m) if m.contains("loom does not model poisoning")),
            "try_lock: {try_it}: {error}"
        );
    }
}

/// The step limit allows exactly as many steps as it says: ten atomic loads pass a limit of
/// ten and exceed one of nine.
#[test]
fn the_step_limit_allows_exactly_its_number_of_steps() {
    use interleavings::sync::atomic::AtomicUsize;
    for engine in [Engine::loom(), Engine::dfs(), Engine::std().runs(1)] {
        let within = |limit: usize| {
            let report = explore(|| {
                let n = AtomicUsize::new(0);
                for _ in 0..10 {
                    n.load(Ordering::SeqCst);
                }
            })
            .engine(engine.clone())
            .max_steps(limit)
            .run();
            match report.counterexample() {
                None => true,
                Some(cx) => {
                    assert_eq!(cx.kind(), CounterexampleKind::StepLimit, "{report}");
                    false
                }
            }
        };
        assert!(within(10), "{engine}");
        assert!(!within(9), "{engine}");
    }
}
