//! The std engine runs the real program on OS threads; seeded chaos makes races show.

use interleavings::models::{Counter, CounterGuard};
use interleavings::{CounterexampleKind, Engine, Explorer, Verdict};

/// With chaos, the lost update of the racy counter shows in a large share of runs (measured:
/// see README). Each of these ten explorations gets 200 runs; a miss would need every one of
/// them to dodge the race.
#[test]
fn chaos_finds_the_counter_race_every_time() {
    for seed in 0..10 {
        let report = Explorer::new(Counter::new(CounterGuard::None))
            .engine(Engine::std().runs(200).chaos(seed))
            .run();
        assert!(report.is_violated(), "seed {seed}\n{report}");
    }
}

#[test]
fn chaos_never_flags_the_guarded_counters() {
    for guard in [CounterGuard::Mutex, CounterGuard::Atomic] {
        let report = Explorer::new(Counter::new(guard))
            .engine(Engine::std().runs(300).chaos(7))
            .run();
        assert_eq!(
            report.verdict(),
            &Verdict::Passed { executions: 300 },
            "{report}"
        );
        assert_eq!(report.outcomes().keys().copied().collect::<Vec<_>>(), [109]);
    }
}

/// A model thread that blocks outside the facade (here on a channel nobody will ever send
/// on) takes no step the watchdog can see: after ten seconds without a step the run is a
/// step-limit counterexample that says so, and the caller is not held up by the thread,
/// which cannot be stopped and is left behind.
#[test]
fn a_thread_blocked_outside_the_facade_is_reported_as_stuck() {
    let report = interleavings::explore(|| {
        let (never_sent, receiver) = std::sync::mpsc::channel::<()>();
        std::mem::forget(never_sent);
        let _ = receiver.recv();
    })
    .engine(Engine::std().runs(1))
    .run();
    let cx = report.counterexample().expect("a counterexample");
    assert_eq!(
        cx.kind(),
        interleavings::CounterexampleKind::StepLimit,
        "{report}"
    );
    assert!(
        cx.message().contains("no thread took a step for 10 s"),
        "{report}"
    );
    // The thread waits on a channel, where the watchdog cannot stop it.
    assert!(
        cx.message()
            .contains("could not be stopped within 2 s and were left running"),
        "{report}"
    );
}

/// A thread that waited for a lock and got it is running again: if it then works for a
/// while outside the facade, holding the lock, while the main thread waits to join it,
/// that is no deadlock (the watchdog must not take the old wait for a current one).
#[test]
fn a_thread_that_got_its_lock_after_waiting_is_not_taken_for_a_deadlock() {
    use interleavings::sync::{Arc, Mutex};
    use interleavings::thread;
    use std::time::Duration;
    let report = interleavings::explore(|| {
        let lock = Arc::new(Mutex::new(0).named("lock"));
        let held = lock.lock().unwrap();
        let worker = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                let mut count = lock.lock().unwrap();
                // Work outside the facade, longer than the watchdog's deadlock delay.
                std::thread::sleep(Duration::from_millis(300));
                *count += 1;
            })
        };
        // Long enough for the worker to find the lock held and wait for it.
        std::thread::sleep(Duration::from_millis(30));
        drop(held);
        worker.join().unwrap();
    })
    .engine(Engine::std().runs(1))
    .run();
    assert!(report.is_passed(), "{report}");
}

/// The same when the lock the thread waited for comes back poisoned (its holder panicked,
/// and caught the panic): the thread is running again.
#[test]
fn a_thread_that_got_a_poisoned_lock_after_waiting_is_not_taken_for_a_deadlock() {
    use interleavings::sync::{Arc, Mutex};
    use interleavings::thread;
    use std::time::Duration;
    let report = interleavings::explore(|| {
        let lock = Arc::new(Mutex::new(0).named("lock"));
        let worker = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                // Long enough for the main thread to take the lock first.
                std::thread::sleep(Duration::from_millis(30));
                let poisoned = lock.lock().is_err();
                // Work outside the facade, longer than the watchdog's deadlock delay.
                std::thread::sleep(Duration::from_millis(300));
                poisoned
            })
        };
        let lock_holder = std::panic::AssertUnwindSafe(&lock);
        let caught = std::panic::catch_unwind(move || {
            let _held = lock_holder.lock().unwrap();
            // Long enough for the worker to find the lock held and wait for it.
            std::thread::sleep(Duration::from_millis(100));
            std::panic::panic_any("a panic the model catches");
        });
        assert!(caught.is_err());
        assert!(worker.join().unwrap(), "the worker saw the poisoning");
    })
    .engine(Engine::std().runs(1))
    .run();
    assert!(report.is_passed(), "{report}");
}

/// A thread that waited for a lock, got it and then panicked while the main thread waited to
/// join it panicked: it was running, so this is no deadlock, although every other thread
/// waits. The panic's own message is the counterexample.
#[test]
fn a_thread_that_panics_after_waiting_for_its_lock_panicked_and_is_no_deadlock() {
    for poisoned in [false, true] {
        // As it ran: a shrunk counterexample is a replay under shuttle, not on real threads.
        let report = interleavings::explore(move || waiter_panics_holding_the_lock(poisoned))
            .engine(Engine::std().runs(1))
            .minimize(false)
            .run();
        let cx = report.counterexample().expect("a counterexample");
        assert_eq!(cx.kind(), CounterexampleKind::Panic, "{report}");
        assert!(cx.message().contains("the waiter's own panic"), "{report}");
    }
}

/// The main thread holds `lock` until the worker waits for it (and, if `poisoned`, releases
/// it by panicking), then joins the worker, which takes the lock and panics while the main
/// thread is surely waiting to join it.
fn waiter_panics_holding_the_lock(poisoned: bool) {
    use interleavings::sync::{Arc, Mutex};
    use interleavings::thread;
    use std::time::Duration;
    let lock = Arc::new(Mutex::new(0).named("lock"));
    let holder = Arc::clone(&lock);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let held = holder.lock().unwrap();
        let worker = {
            let lock = Arc::clone(&holder);
            thread::spawn(move || {
                let _count = lock.lock();
                // Outside the facade: the main thread reaches its join meanwhile.
                std::thread::sleep(Duration::from_millis(50));
                panic!("the waiter's own panic");
            })
        };
        // Long enough for the worker to find the lock held and wait for it.
        std::thread::sleep(Duration::from_millis(30));
        if poisoned {
            std::panic::panic_any(worker);
        }
        drop(held);
        worker
    }));
    let worker = match caught {
        Ok(worker) => worker,
        Err(payload) => *payload
            .downcast::<thread::JoinHandle<()>>()
            .expect("the worker's handle"),
    };
    let _ = worker.join();
}

/// Unrecorded, the racy counter is still caught with chaos, by its own check (there is no
/// trace to find the race in), and the counterexample says what it lacks.
#[test]
fn an_unrecorded_run_catches_the_lost_update_by_its_check_and_shows_no_trace() {
    let report = Explorer::new(Counter::new(CounterGuard::None))
        .engine(Engine::std().runs(200).chaos(3).unrecorded())
        .run();
    let cx = report.counterexample().expect("a counterexample");
    assert_eq!(cx.kind(), CounterexampleKind::Invariant, "{report}");
    assert!(
        !cx.is_recorded() && cx.trace().events.is_empty(),
        "{report}"
    );
    assert!(cx.schedule().is_empty(), "{report}");
    let text = report.to_string();
    assert!(text.contains("unrecorded: no trace"), "{text}");
    assert!(text.contains("unrecorded: no data-race check"), "{text}");
}

/// Without chaos an unrecorded run takes each free lock on the light path: the locks must
/// exclude all the same, on the counter (every run 109) and the ticket office.
#[test]
fn unrecorded_locks_exclude_as_recorded_ones_do() {
    let report = Explorer::new(Counter::new(CounterGuard::Mutex))
        .engine(Engine::std().runs(300).unrecorded())
        .run();
    assert_eq!(
        report.verdict(),
        &Verdict::Passed { executions: 300 },
        "{report}"
    );
    assert_eq!(report.outcomes().keys().copied().collect::<Vec<_>>(), [109]);
    let report = interleavings::explore(|| {
        use interleavings::sync::{Arc, Mutex};
        let count = Arc::new(Mutex::new(0u32));
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let count = Arc::clone(&count);
                interleavings::thread::spawn(move || {
                    for _ in 0..2_000 {
                        let mut held = count.lock().unwrap();
                        let seen = *held;
                        std::hint::black_box(&seen);
                        *held = seen + 1;
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
        assert_eq!(*count.lock().unwrap(), 8_000);
    })
    .engine(Engine::std().runs(20).unrecorded())
    .max_steps(100_000)
    .run();
    assert!(report.is_passed(), "{report}");
}

/// Two threads take the locks `a` and `b` in opposite orders, each pausing (outside the
/// facade) between its two takings long enough for the other to take its first.
fn lock_order_inversion() {
    use interleavings::sync::{Arc, Mutex};
    use std::time::Duration;
    let a = Arc::new(Mutex::new(0).named("a"));
    let b = Arc::new(Mutex::new(0).named("b"));
    let (a2, b2) = (Arc::clone(&a), Arc::clone(&b));
    let other = interleavings::thread::spawn(move || {
        let _b = b2.lock().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let _a = a2.lock().unwrap();
    });
    let _a = a.lock().unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let _b = b.lock().unwrap();
    drop((_a, _b));
    other.join().unwrap();
}

/// A lock-order inversion, unrecorded: each thread waits on the contended path, which the
/// watchdog sees, so the run ends as a deadlock and does not hang.
#[test]
fn an_unrecorded_deadlock_is_reported_as_one() {
    let report = interleavings::explore(lock_order_inversion)
        .engine(Engine::std().runs(1).unrecorded())
        .run();
    let cx = report.counterexample().expect("a counterexample");
    assert_eq!(cx.kind(), CounterexampleKind::Deadlock, "{report}");
    // Both threads wait in the facade, where the watchdog stops them.
    assert!(!cx.message().contains("could not be stopped"), "{report}");
}

/// The same inversion, recorded: the counterexample (shrunk by replay) shows each thread's
/// wait as one `blocked on` step, and says nothing of threads left running: they waited in
/// the facade, where the watchdog stopped them.
#[test]
fn a_recorded_deadlock_shows_each_wait_once() {
    use interleavings::trace::Op;
    let report = interleavings::explore(lock_order_inversion)
        .engine(Engine::std().runs(1))
        .run();
    let cx = report.counterexample().expect("a counterexample");
    assert_eq!(cx.kind(), CounterexampleKind::Deadlock, "{report}");
    let waits: Vec<usize> = cx
        .trace()
        .events
        .iter()
        .filter(|e| e.op == Op::Block)
        .map(|e| e.thread)
        .collect();
    assert_eq!(waits.len(), 2, "{report}");
    assert_ne!(waits[0], waits[1], "{report}");
    assert!(!cx.message().contains("could not be stopped"), "{report}");
}

/// A thread that spins on a free lock for ever takes only light steps: they are counted in
/// batches, and the step limit ends the run.
#[test]
fn an_unrecorded_spin_on_a_free_lock_ends_at_the_step_limit() {
    use interleavings::sync::Mutex;
    let report = interleavings::explore(|| {
        let lock = Mutex::new(0u64);
        loop {
            *lock.lock().unwrap() += 1;
        }
    })
    .engine(Engine::std().runs(1).unrecorded())
    .max_steps(50_000)
    .run();
    let cx = report.counterexample().expect("a counterexample");
    assert_eq!(cx.kind(), CounterexampleKind::StepLimit, "{report}");
    // The limit itself, not the watchdog's last resort (no step seen for 10 s).
    assert!(cx.message().contains("more than 50000 steps"), "{report}");
}

/// A lock made in one unrecorded run and used in the next is the misuse it is on the
/// recorded engine, not a silent plain lock.
#[test]
fn an_unrecorded_lock_used_in_a_later_run_is_a_misuse() {
    use interleavings::sync::{Arc, Mutex};
    static KEPT: std::sync::Mutex<Option<Arc<Mutex<u8>>>> = std::sync::Mutex::new(None);
    let result = interleavings::explore(|| {
        let earlier = KEPT.lock().unwrap().clone();
        match earlier {
            None => *KEPT.lock().unwrap() = Some(Arc::new(Mutex::new(0).named("kept"))),
            Some(earlier) => *earlier.lock().unwrap() += 1,
        }
    })
    .engine(Engine::std().runs(2).unrecorded())
    .try_run();
    KEPT.lock().unwrap().take();
    let error = result.expect_err("a misuse").to_string();
    assert!(
        error.contains("`kept` was created in an earlier execution"),
        "{error}"
    );
}

#[test]
fn an_unrecorded_run_refuses_to_save_regressions_before_it_runs() {
    let dir = std::env::temp_dir().join("interleavings-unrecorded-save");
    let error = Explorer::new(Counter::new(CounterGuard::None))
        .engine(Engine::std().runs(5).unrecorded())
        .save_regressions(&dir)
        .try_run()
        .expect_err("refused");
    assert!(error.to_string().contains("unrecorded"), "{error}");
    assert!(!dir.exists());
}

/// On real threads too, a thread that finds its lock held is shown waiting for it, with
/// the holder's name (in the trace as recorded: not shrunk by a replay, which would show
/// shuttle's account of the wait).
#[test]
fn a_contended_lock_on_real_threads_shows_its_waiter_blocked_by_the_holder() {
    use interleavings::sync::{Arc, Mutex};
    use interleavings::thread;
    use interleavings::trace::Op;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;
    let model = || {
        let lock = Arc::new(Mutex::new(()).named("lock"));
        let theirs = Arc::clone(&lock);
        // Outside the facade: the handshake takes no steps and records nothing.
        let waiter_started = std::sync::Arc::new(AtomicBool::new(false));
        let started = std::sync::Arc::clone(&waiter_started);
        let holder = thread::Builder::new()
            .name("holder".to_owned())
            .spawn(move || {
                let guard = lock.lock().unwrap();
                while !waiter_started.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(1));
                }
                // Time for the waiter to reach the lock, and find it held.
                std::thread::sleep(Duration::from_millis(200));
                drop(guard);
            })
            .unwrap();
        while lock_is_free(&theirs) {
            std::thread::sleep(Duration::from_millis(1));
        }
        let waiter = thread::Builder::new()
            .name("waiter".to_owned())
            .spawn(move || {
                started.store(true, Ordering::SeqCst);
                drop(theirs.lock().unwrap());
            })
            .unwrap();
        holder.join().unwrap();
        waiter.join().unwrap();
        panic!("the end, to see the trace");
    };
    let report = interleavings::explore(model)
        .engine(Engine::std().runs(1))
        .minimize(false)
        .run();
    let cx = report.counterexample().expect("the model panics");
    assert_eq!(cx.kind(), CounterexampleKind::Panic, "{report}");
    let trace = cx.trace();
    let waiter = trace.threads.iter().position(|t| t == "waiter").unwrap();
    let waits: Vec<(&str, Option<&str>)> = (trace.events.iter())
        .filter(|e| e.thread == waiter && e.op == Op::Block)
        .map(|e| (&*e.object, e.value.as_deref()))
        .collect();
    assert_eq!(waits, [("lock", Some("holder"))], "{report}");
}

/// True when nobody holds `lock` (a `try_lock` that is let go at once).
fn lock_is_free(lock: &interleavings::sync::Mutex<()>) -> bool {
    lock.try_lock().is_ok()
}
