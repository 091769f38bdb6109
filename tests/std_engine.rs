//! The std engine runs the real program on OS threads; seeded chaos makes races show.

use interleavings::models::{Counter, CounterGuard};
use interleavings::{Engine, Explorer, Verdict};

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
