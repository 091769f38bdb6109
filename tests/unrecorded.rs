//! Unrecorded sampling on shuttle (random, PCT): the model checked by its own assertions and
//! by deadlock and step-limit detection, at the engine's own speed, with no data-race check
//! (the report says so); a bug found is shown from the same executions run again recorded.

use interleavings::models::{Counter, CounterGuard, TicketSale};
use interleavings::sync::Arc;
use interleavings::{CounterexampleKind, Engine, Explorer, Shared, Verdict, explore, thread};

fn unrecorded_samplers() -> [Engine; 2] {
    [
        Engine::pct(2_000, 3).seed(5).unrecorded(),
        Engine::random(2_000).seed(5).unrecorded(),
    ]
}

/// The unrecorded run finds the lost update by the counter's check; the same executions run
/// again recorded show it as what it is, a data race, with its trace and schedule.
#[test]
fn the_lost_update_is_shown_from_the_recorded_run_of_the_same_executions() {
    for engine in unrecorded_samplers() {
        let report = Explorer::new(Counter::new(CounterGuard::None))
            .engine(engine.clone())
            .run();
        let cx = report.counterexample().expect("a counterexample");
        assert_eq!(cx.kind(), CounterexampleKind::DataRace, "{report}");
        assert!(
            cx.is_recorded() && !cx.trace().events.is_empty(),
            "{report}"
        );
        assert!(!cx.schedule().is_empty(), "{report}");
        let text = report.to_string();
        assert!(text.contains("unrecorded: no data-race check"), "{text}");
        assert!(!text.contains("unrecorded: no trace"), "{text}");
    }
}

/// A model that does not do the same thing twice (here: it fails only the first time it
/// runs in the process) cannot be shown from a second run: the untraced counterexample
/// stays, with what broke and no trace, and the text says why. So for an unrecorded run, and
/// for recorded PCT and loom, which check for data races but keep no events either.
#[test]
fn a_bug_that_does_not_come_back_keeps_the_untraced_counterexample() {
    use std::sync::atomic::{AtomicBool, Ordering};
    static FAILED_ONCE: [AtomicBool; 3] = [
        AtomicBool::new(false),
        AtomicBool::new(false),
        AtomicBool::new(false),
    ];
    let engines = [
        (Engine::pct(10, 2).unrecorded(), "did not come back"),
        (Engine::pct(10, 2), "did not come back"),
        (Engine::loom(), "did not come back"),
    ];
    for ((engine, says), failed_once) in engines.into_iter().zip(&FAILED_ONCE) {
        let body = move || {
            let first = !failed_once.swap(true, Ordering::SeqCst);
            assert!(!first, "the first execution in this process fails");
        };
        let report = explore(body).engine(engine.clone()).run();
        let cx = report.counterexample().expect("a counterexample");
        assert!(
            cx.message()
                .contains("the first execution in this process fails"),
            "{engine}"
        );
        assert!(
            !cx.is_recorded() && cx.trace().events.is_empty(),
            "{report}"
        );
        assert!(report.to_string().contains(says), "{report}");
    }
}

/// Recorded sampling and loom keep no events (only happens-before, for the data-race
/// check): their counterexamples are shown from their executions run again traced, race and
/// all.
#[test]
fn recorded_sampling_shows_a_bug_from_its_executions_run_again_traced() {
    for engine in [
        Engine::pct(1_000, 3).seed(1),
        Engine::random(1_000).seed(1),
        Engine::loom(),
    ] {
        let report = Explorer::new(Counter::new(CounterGuard::None))
            .engine(engine.clone())
            .minimize(false)
            .run();
        let cx = report.counterexample().expect("the lost update");
        assert!(cx.is_recorded(), "{engine}: {report}");
        assert!(
            cx.race().is_some() && !cx.trace().events.is_empty(),
            "{report}"
        );
        assert!(
            cx.message().contains("not ordered by happens-before"),
            "{report}"
        );
    }
}

#[test]
fn guarded_programs_pass_every_execution() {
    for engine in unrecorded_samplers() {
        let counter = Explorer::new(Counter::new(CounterGuard::Mutex))
            .engine(engine.clone())
            .run();
        assert_eq!(
            counter.verdict(),
            &Verdict::Passed { executions: 2_000 },
            "{counter}"
        );
        assert_eq!(
            counter.outcomes().keys().copied().collect::<Vec<_>>(),
            [109]
        );
        let office = Explorer::new(TicketSale::guarded(3, 4))
            .engine(engine.clone())
            .run();
        assert_eq!(
            office.verdict(),
            &Verdict::Passed { executions: 2_000 },
            "{office}"
        );
    }
}

/// What an unrecorded run gives up, shown: a race that leaves the result right is reported
/// by the recorded run of the same engine and passes unrecorded.
#[test]
fn a_race_that_leaves_the_result_right_goes_unseen_unrecorded() {
    let body = || {
        let flag = Arc::new(Shared::new(0).named("flag"));
        let other = Arc::clone(&flag);
        let writer = thread::spawn(move || other.set(1));
        flag.set(1);
        writer.join().unwrap();
        assert_eq!(flag.get(), 1);
    };
    let recorded = explore(body).engine(Engine::pct(200, 3)).run();
    assert_eq!(
        recorded.counterexample().map(|cx| cx.kind()),
        Some(CounterexampleKind::DataRace),
        "{recorded}"
    );
    // The race is shown traced, from the executions up to it run again (the grace run
    // after it, which found nothing worse, is not run twice).
    let cx = recorded.counterexample().expect("the race");
    let race = cx.race().expect("the race's accesses");
    assert!(
        cx.is_recorded() && race.second < cx.trace().events.len(),
        "{recorded}"
    );
    assert_eq!(recorded.executions(), 200, "{recorded}");
    let unrecorded = explore(body).engine(Engine::pct(200, 3).unrecorded()).run();
    assert_eq!(
        unrecorded.verdict(),
        &Verdict::Passed { executions: 200 },
        "{unrecorded}"
    );
    assert!(unrecorded.engine().contains("no data-race check"));
}

/// Over the bug zoo: an unrecorded run finds every bug that its recorded twin run (same
/// engine, same seed) shows breaking something visibly, and shows the same counterexample,
/// from the same execution, with the same trace: recording adds no scheduling point. A bug
/// the recorded run shows only as a race may pass unrecorded. Every correct twin passes.
#[test]
fn over_the_zoo_unrecorded_runs_show_what_recorded_runs_show_breaking() {
    use crate::zoo::{MAX_STEPS, zoo};
    let mut compared = 0;
    for bug in zoo() {
        for engine in [Engine::pct(1_000, 3).seed(1), Engine::random(1_000).seed(1)] {
            let run = |body: fn(), engine: Engine| {
                explore(body)
                    .engine(engine)
                    .max_steps(MAX_STEPS)
                    .minimize(false)
                    .run()
            };
            let recorded = run(bug.wrong, engine.clone());
            let unrecorded = run(bug.wrong, engine.clone().unrecorded());
            if let Some(expected) = recorded
                .counterexample()
                .filter(|cx| cx.failure().is_some())
            {
                let context = format!("{} on {engine}\n{recorded}\n{unrecorded}", bug.class);
                let shown = unrecorded.counterexample().expect(&context);
                assert_eq!(shown.kind(), expected.kind(), "{context}");
                assert_eq!(shown.execution(), expected.execution(), "{context}");
                assert_eq!(shown.trace(), expected.trace(), "{context}");
                compared += 1;
            }
            let twin = run(bug.right, engine.clone().unrecorded());
            assert!(
                matches!(twin.verdict(), Verdict::Passed { .. }),
                "{} twin on {engine}\n{twin}",
                bug.class
            );
        }
    }
    // 22 of the 24 runs when this was written: not a comparison of nothing.
    assert!(compared >= 20, "only {compared} bugs broke visibly");
}

#[test]
fn an_unrecorded_sampling_run_refuses_to_save_regressions_before_it_runs() {
    for engine in unrecorded_samplers() {
        let dir = std::env::temp_dir().join("interleavings-unrecorded-sampling-save");
        let error = Explorer::new(Counter::new(CounterGuard::None))
            .engine(engine.clone())
            .save_regressions(&dir)
            .try_run()
            .expect_err("refused");
        let text = error.to_string();
        assert!(
            text.contains(&format!("unrecorded {} run", engine.name())),
            "{text}"
        );
        assert!(!dir.exists());
    }
}
