//! Schedules as proptest values: inputs and interleavings shrink together to one minimal
//! failing case.

use interleavings::models::{Counter, CounterGuard, TicketSale};
use interleavings::proptest::schedules;
use interleavings::{Engine, Explorer, Schedule};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};

fn runner() -> TestRunner {
    let config = Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

/// The minimal failing (sellers, tickets, schedule) of "the unguarded office never oversells".
fn shrunk_ticket_case() -> (usize, u32, Schedule) {
    let strategy = (1usize..5, 0u32..6, schedules(200));
    let result = runner().run(&strategy, |(sellers, tickets, schedule)| {
        let report = Explorer::new(TicketSale::unguarded(sellers, tickets))
            .engine(Engine::schedule(schedule))
            .run();
        prop_assert!(!report.property_broken(), "{}", report);
        Ok(())
    });
    match result {
        Err(TestError::Fail(_, case)) => case,
        other => panic!("the unguarded office must fail: {other:?}"),
    }
}

#[test]
fn the_ticket_office_shrinks_to_two_sellers_one_ticket_and_one_preemption() {
    let (sellers, tickets, schedule) = shrunk_ticket_case();
    assert_eq!((sellers, tickets), (2, 1), "schedule {schedule}");
    let report = Explorer::new(TicketSale::unguarded(sellers, tickets))
        .engine(Engine::schedule(schedule.clone()))
        .run();
    let cx = report
        .counterexample()
        .expect("the shrunk case still fails");
    assert_eq!(cx.preemptions(), 1, "{report}");
}

#[test]
fn the_same_seed_gives_the_same_shrunk_case() {
    assert_eq!(shrunk_ticket_case(), shrunk_ticket_case());
}

#[test]
fn the_counters_lost_update_shrinks_to_one_preemption() {
    let result = runner().run(&schedules(200), |schedule| {
        let report = Explorer::new(Counter::new(CounterGuard::None))
            .engine(Engine::schedule(schedule))
            .run();
        prop_assert!(
            report
                .counterexample()
                .is_none_or(|cx| cx.failure().is_none()),
            "{}",
            report
        );
        Ok(())
    });
    let Err(TestError::Fail(_, schedule)) = result else {
        panic!("some schedule loses an update: {result:?}");
    };
    let report = Explorer::new(Counter::new(CounterGuard::None))
        .engine(Engine::schedule(schedule))
        .run();
    assert_eq!(
        report.counterexample().unwrap().preemptions(),
        1,
        "{report}"
    );
}

#[test]
fn a_shrunk_case_can_be_kept_as_a_regression_file() {
    let (sellers, tickets, schedule) = shrunk_ticket_case();
    let dir = tempfile::tempdir().unwrap();
    let report = Explorer::new(TicketSale::unguarded(sellers, tickets))
        .engine(Engine::schedule(schedule))
        .save_regressions(dir.path())
        .run();
    let saved = report.saved_to().expect("saved").to_path_buf();
    let regression = interleavings::regression::Regression::load(&saved).unwrap();
    assert_eq!(regression.found_by.name, "replay");
    regression.check(&saved).unwrap();
}

#[test]
fn switch_points_run_each_thread_exactly_as_many_steps_as_they_say() {
    use interleavings::sync::Arc;
    use interleavings::sync::atomic::{AtomicUsize, Ordering};
    use interleavings::trace::Op;
    use interleavings::{Switch, explore, thread};
    let three_adds_each = || {
        let n = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let n = Arc::clone(&n);
                thread::spawn(move || {
                    for _ in 0..3 {
                        n.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
    };
    let switches = vec![
        Switch {
            thread: 1,
            after: 2,
            to: 2,
        },
        Switch {
            thread: 2,
            after: 1,
            to: 1,
        },
    ];
    let report = explore(three_adds_each)
        .engine(Engine::schedule(Schedule::from_switches(switches)))
        .run();
    let trace = report.replayed_trace().expect("a replay keeps its trace");
    let adders: Vec<usize> = trace
        .events
        .iter()
        .filter(|e| e.op == Op::FetchAdd)
        .map(|e| e.thread)
        .collect();
    assert_eq!(adders, [1, 1, 2, 1, 2, 2], "{report}");
}

/// A replay switches where real threads can, even where shuttle itself has no scheduling
/// point: here between a thread's `lock` and its `unlock`, as a schedule recorded on real
/// threads may ask.
#[test]
fn a_replay_switches_between_a_lock_and_its_unlock() {
    use interleavings::sync::atomic::{AtomicUsize, Ordering};
    use interleavings::sync::{Arc, Mutex};
    use interleavings::trace::Op;
    use interleavings::{Switch, explore, thread};
    let model = || {
        let lock = Arc::new(Mutex::new(()));
        let n = Arc::new(AtomicUsize::new(0));
        let holder = thread::spawn(move || drop(lock.lock().unwrap()));
        let other = thread::spawn(move || {
            n.fetch_add(1, Ordering::SeqCst);
        });
        holder.join().unwrap();
        other.join().unwrap();
    };
    let switches = vec![
        Switch {
            thread: 0,
            after: 2,
            to: 1,
        },
        Switch {
            thread: 1,
            after: 1,
            to: 2,
        },
        Switch {
            thread: 2,
            after: 1,
            to: 1,
        },
    ];
    let report = explore(model)
        .engine(Engine::schedule(Schedule::from_switches(switches)))
        .run();
    let trace = report.replayed_trace().expect("a replay keeps its trace");
    let steps: Vec<(usize, Op)> = (trace.events.iter())
        .filter(|e| e.op != Op::Finish)
        .map(|e| (e.thread, e.op))
        .take(5)
        .collect();
    assert_eq!(
        steps,
        [
            (0, Op::Spawn),
            (0, Op::Spawn),
            (1, Op::Lock),
            (2, Op::FetchAdd),
            (1, Op::Unlock)
        ],
        "{report}"
    );
}
