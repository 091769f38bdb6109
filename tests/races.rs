//! Data races: conflicting accesses to a `Shared` that happens-before does not order are
//! reported, whatever the outcome; synchronised programs never are.

use interleavings::models::{Counter, CounterGuard, TicketSale};
use interleavings::sync::atomic::{AtomicBool, Ordering};
use interleavings::sync::{Arc, Mutex};
use interleavings::{CounterexampleKind, Engine, Explorer, Shared, Verdict, explore, thread};

fn checkers() -> Vec<Engine> {
    vec![
        Engine::loom(),
        Engine::dfs(),
        Engine::pct(2_000, 3).seed(5),
        Engine::random(2_000).seed(5),
    ]
}

#[test]
fn the_racy_counter_is_reported_as_a_race_on_num_between_one_and_two() {
    for engine in checkers() {
        let report = Explorer::new(Counter::new(CounterGuard::None))
            .engine(engine.clone())
            .run();
        let cx = report.counterexample().expect("violated");
        assert_eq!(
            cx.kind(),
            CounterexampleKind::DataRace,
            "{engine}\n{report}"
        );
        let race = cx.race().expect("a race is named");
        let trace = cx.trace();
        let (first, second) = (&trace.events[race.first], &trace.events[race.second]);
        assert_eq!((&*first.object, &*second.object), ("num", "num"));
        let mut threads = [
            trace.threads[first.thread].as_str(),
            trace.threads[second.thread].as_str(),
        ];
        threads.sort_unstable();
        assert_eq!(threads, ["one", "two"], "{engine}\n{report}");
        assert!(first.step < second.step);
        for needle in [" num ", "happens-before"] {
            assert!(cx.message().contains(needle), "{}", cx.message());
        }
        assert!(
            cx.summary().is_some_and(|s| s.starts_with("lost update")),
            "{engine}: {report}"
        );
    }
}

#[test]
fn guarded_counters_never_race_across_a_full_exhaustive_exploration() {
    for guard in [CounterGuard::Mutex, CounterGuard::Atomic] {
        for engine in [Engine::loom(), Engine::dfs()] {
            let report = Explorer::new(Counter::new(guard))
                .engine(engine.clone())
                .run();
            assert!(report.is_proved(), "{guard:?} on {engine}\n{report}");
        }
    }
    let report = Explorer::new(TicketSale::guarded(3, 2))
        .engine(Engine::loom())
        .run();
    assert!(report.is_proved(), "{report}");
}

#[test]
fn a_race_that_leaves_the_result_right_is_still_reported() {
    // Both threads write the same value: the assertion can never fail, the race is real.
    let body = || {
        let flag = Arc::new(Shared::new(0).named("flag"));
        let other = Arc::clone(&flag);
        let t = thread::Builder::new()
            .name("writer".into())
            .spawn(move || other.set(1))
            .unwrap();
        flag.set(1);
        t.join().unwrap();
        assert_eq!(flag.get(), 1);
    };
    for engine in checkers() {
        let report = explore(body).engine(engine.clone()).run();
        let cx = report.counterexample().expect("the race is reported");
        assert_eq!(cx.kind(), CounterexampleKind::DataRace, "{engine}");
        assert_eq!(cx.failure(), None, "{engine}: the property held");
        assert!(cx.to_string().contains("the race is a bug all the same"));
        assert!(cx.message().contains("`writer`") && cx.message().contains("`main`"));
    }
}

/// A producer writes data and raises a flag; the consumer waits for the flag, then reads.
fn message_passing(store: Ordering, load: Ordering) -> impl Fn() + Send + Sync + 'static {
    move || {
        let data = Arc::new(Shared::new(0).named("data"));
        let ready = Arc::new(AtomicBool::new(false).named("ready"));
        let (d, r) = (Arc::clone(&data), Arc::clone(&ready));
        let producer = thread::spawn(move || {
            d.set(42);
            r.store(true, store);
        });
        while !ready.load(load) {
            thread::yield_now();
        }
        assert_eq!(data.get(), 42);
        producer.join().unwrap();
    }
}

#[test]
fn release_and_acquire_order_a_message_and_relaxed_does_not() {
    let ordered = explore(message_passing(Ordering::Release, Ordering::Acquire))
        .engine(Engine::loom())
        .run();
    assert!(ordered.is_proved(), "{ordered}");
    let seq_cst = explore(message_passing(Ordering::SeqCst, Ordering::SeqCst))
        .engine(Engine::loom())
        .run();
    assert!(seq_cst.is_proved(), "{seq_cst}");
    let relaxed = explore(message_passing(Ordering::Relaxed, Ordering::Relaxed))
        .engine(Engine::loom())
        .run();
    let cx = relaxed.counterexample().expect("relaxed flag: a race");
    assert_eq!(cx.kind(), CounterexampleKind::DataRace, "{relaxed}");
}

#[test]
fn a_lock_orders_accesses_and_join_orders_the_final_read() {
    let report = explore(|| {
        let value = Arc::new(Shared::new(0).named("value"));
        let lock = Arc::new(Mutex::new(()).named("lock"));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (value, lock) = (Arc::clone(&value), Arc::clone(&lock));
                thread::spawn(move || {
                    let _held = lock.lock().unwrap();
                    value.set(value.get() + 1);
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        assert_eq!(value.get(), 2);
    })
    .engine(Engine::loom())
    .run();
    assert!(report.is_proved(), "{report}");
}

#[test]
fn keep_going_explores_past_races_for_the_whole_outcome_table() {
    let report = Explorer::new(Counter::new(CounterGuard::None))
        .engine(Engine::loom())
        .keep_going()
        .run();
    assert_eq!(report.outcomes().len(), 7, "{report}");
    assert_eq!(
        report.counterexample().map(|cx| cx.kind()),
        Some(CounterexampleKind::DataRace)
    );
}

#[test]
fn the_std_engine_reports_races_in_the_order_operations_took_effect() {
    let report = Explorer::new(Counter::new(CounterGuard::None))
        .engine(Engine::std().runs(50).chaos(1))
        .run();
    let cx = report.counterexample().expect("real threads race too");
    assert_eq!(cx.kind(), CounterexampleKind::DataRace, "{report}");
    for guard in [CounterGuard::Mutex, CounterGuard::Atomic] {
        let report = Explorer::new(Counter::new(guard))
            .engine(Engine::std().runs(100).chaos(2))
            .run();
        assert_eq!(
            report.verdict(),
            &Verdict::Passed { executions: 100 },
            "{report}"
        );
    }
}

#[test]
fn a_relaxed_store_to_an_atomic_made_after_a_used_lock_is_an_ordinary_step() {
    // The atomic's released clock would be the row just past the lock's, not made yet: a
    // relaxed store there once panicked inside the checker, and the model was blamed.
    let report = explore(|| {
        let value = Shared::new(0).named("value");
        let lock = Mutex::new(()).named("lock");
        let flag = AtomicBool::new(false).named("flag");
        drop(lock.lock().unwrap());
        flag.store(true, Ordering::Relaxed);
        value.set(1);
    })
    .engine(Engine::loom())
    .run();
    assert!(report.is_proved(), "{report}");
}

/// A `Shared` made after a thread has started, handed to that thread under a lock. The
/// thread writes it while holding the lock (before any release of its own since the
/// variable was made), then raises a flag with `store`; the main thread, seeing the flag
/// with `load`, writes it too. Relaxed, the second write races the first
/// (always after it in time, never ordered); release and acquire order them.
fn late_shared(store: Ordering, load: Ordering) -> impl Fn() + Send + Sync + 'static {
    move || {
        let slot: Arc<Mutex<Option<Arc<Shared<i32>>>>> = Arc::new(Mutex::new(None).named("slot"));
        let written = Arc::new(AtomicBool::new(false).named("written"));
        let (s, w) = (Arc::clone(&slot), Arc::clone(&written));
        let writer = thread::Builder::new()
            .name("writer".into())
            .spawn(move || {
                let held = s.lock().unwrap();
                let published = held.is_some();
                if let Some(value) = held.as_ref() {
                    value.set(1);
                }
                drop(held);
                if published {
                    w.store(true, store);
                }
            })
            .unwrap();
        let value = Arc::new(Shared::new(0).named("value"));
        *slot.lock().unwrap() = Some(Arc::clone(&value));
        if written.load(load) {
            value.set(2);
        }
        writer.join().unwrap();
    }
}

#[test]
fn a_shared_made_after_threads_began_is_checked_from_its_making_on() {
    // Happens-before is kept only from the first `Shared` on (`Log::races_checked`): the
    // writer, spawned before, must still be in an epoch its accesses can be told apart by.
    for engine in checkers() {
        let racy = explore(late_shared(Ordering::Relaxed, Ordering::Relaxed))
            .engine(engine.clone())
            .run();
        let cx = racy.counterexample().expect("relaxed flag: a race");
        assert_eq!(cx.kind(), CounterexampleKind::DataRace, "{engine}\n{racy}");
        let race = cx.race().expect("a race is named");
        let trace = cx.trace();
        let threads = [race.first, race.second].map(|e| &*trace.threads[trace.events[e].thread]);
        assert_eq!(threads, ["writer", "main"], "{engine}\n{racy}");

        let ordered = explore(late_shared(Ordering::Release, Ordering::Acquire))
            .engine(engine.clone())
            .run();
        let held = if engine.is_exhaustive() {
            ordered.is_proved()
        } else {
            ordered.is_passed()
        };
        assert!(held, "{engine}\n{ordered}");
    }
}
