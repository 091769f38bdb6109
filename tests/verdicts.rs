//! The verdict matrix: racy models are violated on every engine, fixed ones are proved on the
//! exhaustive engines and pass the sampling ones.

use interleavings::models::{Counter, CounterGuard, TicketSale};
use interleavings::{CounterexampleKind, Engine, Error, Explorer, Model, Reduction, Verdict};
use std::time::Duration;

fn model_checkers() -> Vec<Engine> {
    vec![
        Engine::loom(),
        Engine::dfs(),
        Engine::pct(2_000, 3).seed(1),
        Engine::random(2_000).seed(1),
    ]
}

fn sampling() -> Vec<Engine> {
    vec![Engine::pct(500, 3).seed(2), Engine::random(500).seed(2)]
}

fn assert_violated<M: Model>(model: M, engine: Engine) {
    let name = model.name();
    let report = Explorer::new(model).engine(engine.clone()).run();
    let cx = report
        .counterexample()
        .unwrap_or_else(|| panic!("{name} on {engine}: expected a violation\n{report}"));
    // Both models race on a plain `Shared`: the bug class is the race, and the search keeps
    // going past executions where the race left the result right, to show one where it broke.
    assert_eq!(cx.kind(), CounterexampleKind::DataRace, "{report}");
    assert!(cx.failure().is_some(), "{report}");
    assert!(cx.race().is_some(), "{report}");
    assert!(!cx.trace().events.is_empty());
}

fn assert_proved<M: Model>(model: M, engine: Engine) -> u64 {
    let name = model.name();
    let report = Explorer::new(model).engine(engine.clone()).run();
    match report.verdict() {
        Verdict::Proved { executions } => *executions,
        other => panic!("{name} on {engine}: expected Proved, got {other}\n{report}"),
    }
}

fn assert_passed<M: Model>(model: M, engine: Engine, runs: u64) {
    let report = Explorer::new(model).engine(engine).run();
    assert_eq!(
        report.verdict(),
        &Verdict::Passed { executions: runs },
        "{report}"
    );
}

#[test]
fn racy_counter_is_violated_on_every_model_checker() {
    for engine in model_checkers() {
        assert_violated(Counter::new(CounterGuard::None), engine);
    }
}

#[test]
fn racy_ticket_office_is_violated_on_every_model_checker() {
    for engine in model_checkers() {
        assert_violated(TicketSale::unguarded(3, 3), engine);
    }
}

#[test]
fn guarded_counters_are_proved_on_loom_with_exact_counts() {
    // Each thread makes three increments; with std's Arc (no scheduling points of its own)
    // loom's DPOR explores 105 executions for both guards, as raw loom does for the same
    // program (ENGINES.md: 105 with std::sync::Arc).
    assert_eq!(
        assert_proved(Counter::new(CounterGuard::Mutex), Engine::loom()),
        105
    );
    assert_eq!(
        assert_proved(Counter::new(CounterGuard::Atomic), Engine::loom()),
        105
    );
}

#[test]
fn guarded_counters_are_proved_on_dfs_with_exact_counts() {
    // Without reduction the DFS explores every order of scheduling points: 251 executions
    // for two threads of three fetch_adds, the figure raw shuttle gives (ENGINES.md); the
    // mutex adds a lock and an unlock step per increment, hence many more.
    let every_order = || Engine::dfs().reduction(Reduction::Off);
    assert_eq!(
        assert_proved(Counter::new(CounterGuard::Atomic), every_order()),
        251
    );
    assert_eq!(
        assert_proved(Counter::new(CounterGuard::Mutex), every_order()),
        6_867
    );
    // With the default reduction (DPOR with sleep sets over the facade's log) one
    // execution per order of the six increments (6 choose 3 = 20), the least any search
    // can do here: each order gives each thread other values to read. Loom needs 105.
    assert_eq!(
        assert_proved(Counter::new(CounterGuard::Atomic), Engine::dfs()),
        20
    );
    assert_eq!(
        assert_proved(Counter::new(CounterGuard::Mutex), Engine::dfs()),
        20
    );
}

#[test]
fn guarded_ticket_office_is_proved_on_loom() {
    assert_proved(TicketSale::guarded(3, 3), Engine::loom());
}

#[test]
fn guarded_ticket_office_is_proved_on_dfs_with_one_execution_per_order_of_the_sales() {
    // Unreduced, 3 sellers x 3 tickets does not finish in minutes (3 x 2 ran 3.5 million
    // executions in 60 s). With the reduction, one execution per order of the sales: S^T.
    // The sellers' final looks at the empty count only read it (their critical sections are
    // quiet, see `engine::dpor`), so their S! orders are one. Fewer would lose orders; more
    // would be a weaker reduction.
    for (sellers, tickets) in [(1, 3), (2, 1), (2, 3), (3, 2), (3, 3), (4, 4)] {
        let orders = (sellers as u64).pow(tickets);
        assert_eq!(
            assert_proved(TicketSale::guarded(sellers, tickets), Engine::dfs()),
            orders,
            "{sellers} x {tickets}"
        );
    }
}

#[test]
fn guarded_models_pass_the_sampling_engines() {
    for engine in sampling() {
        assert_passed(Counter::new(CounterGuard::Mutex), engine.clone(), 500);
        assert_passed(Counter::new(CounterGuard::Atomic), engine.clone(), 500);
        assert_passed(TicketSale::guarded(3, 3), engine, 500);
    }
}

#[test]
fn a_preemption_bound_gives_proved_within_bound_never_proved() {
    let report = Explorer::new(TicketSale::guarded(3, 2))
        .engine(Engine::loom().preemption_bound(1))
        .run();
    assert!(
        matches!(
            report.verdict(),
            Verdict::ProvedWithinBound { preemptions: 1, .. }
        ),
        "{report}"
    );
    assert!(!report.is_proved());
}

#[test]
fn an_iteration_cap_that_cuts_the_search_short_is_incomplete() {
    let report = Explorer::new(Counter::new(CounterGuard::Mutex))
        .engine(Engine::dfs().max_iterations(10))
        .run();
    match report.verdict() {
        Verdict::Incomplete { executions, reason } => {
            assert_eq!(*executions, 10);
            assert!(reason.contains("iteration cap"), "{reason}");
        }
        other => panic!("expected Incomplete, got {other}"),
    }
    // A cap the search never reaches changes nothing: 105 executions is the whole search.
    let report = Explorer::new(Counter::new(CounterGuard::Mutex))
        .engine(Engine::loom().max_iterations(105))
        .run();
    assert_eq!(report.verdict(), &Verdict::Proved { executions: 105 });
}

#[test]
fn a_time_limit_that_runs_out_before_the_first_execution_is_incomplete() {
    for engine in [Engine::loom(), Engine::dfs()] {
        let report = Explorer::new(TicketSale::guarded(2, 2))
            .engine(engine.clone())
            .time_limit(Duration::ZERO)
            .run();
        assert!(
            matches!(report.verdict(), Verdict::Incomplete { reason, .. } if reason.contains("time limit")),
            "{engine}\n{report}"
        );
    }
}

#[test]
fn a_sampler_whose_time_limit_runs_out_before_its_first_execution_is_incomplete() {
    // No execution is no evidence: it must not read as a pass.
    for engine in [
        Engine::pct(10_000, 3),
        Engine::random(10_000),
        Engine::std(),
    ] {
        for jobs in [1, 2] {
            let report = Explorer::new(TicketSale::unguarded(2, 2))
                .engine(engine.clone())
                .jobs(jobs)
                .time_limit(Duration::ZERO)
                .run();
            assert!(
                matches!(
                    report.verdict(),
                    Verdict::Incomplete { executions: 0, reason } if reason.contains("time limit of 0ns")
                ),
                "{engine}, {jobs} jobs\n{report}"
            );
        }
    }
}

#[test]
fn budgets_of_nothing_are_errors_naming_the_budget() {
    let engines = [
        (Engine::pct(0, 3), "`iterations` is 0"),
        (Engine::pct(10, 0), "`depth` is 0"),
        (Engine::random(0), "`iterations` is 0"),
        (Engine::std().runs(0), "`runs` is 0"),
        (Engine::loom().max_iterations(0), "`max_iterations` is 0"),
        (Engine::dfs().max_iterations(0), "`max_iterations` is 0"),
    ];
    for (engine, expected) in engines {
        let error = Explorer::new(Counter::new(CounterGuard::None))
            .engine(engine)
            .try_run()
            .unwrap_err();
        assert!(
            matches!(&error, Error::InvalidEngine(m) if m.contains(expected)),
            "{expected}: {error}"
        );
    }
    let error = Explorer::new(Counter::new(CounterGuard::None))
        .max_steps(0)
        .try_run()
        .unwrap_err();
    assert!(
        matches!(&error, Error::InvalidParameter(m) if m.contains("`max_steps` is 0")),
        "{error}"
    );
    let error = Explorer::new(Counter::new(CounterGuard::None))
        .estimate(0)
        .unwrap_err();
    assert!(
        matches!(&error, Error::InvalidParameter(m) if m.contains("0 samples")),
        "{error}"
    );
}

#[test]
fn a_time_limit_that_runs_out_is_incomplete() {
    let report = Explorer::new(TicketSale::guarded(3, 3))
        .engine(Engine::loom())
        .time_limit(Duration::from_millis(50))
        .run();
    assert!(
        matches!(report.verdict(), Verdict::Incomplete { reason, .. } if reason.contains("time limit")),
        "{report}"
    );
    assert!(report.holds() && !report.is_proved());
    // The limit ends the search: an unreduced DFS of the same office would take millions
    // of executions.
    let started = std::time::Instant::now();
    let report = Explorer::new(TicketSale::guarded(3, 3))
        .engine(Engine::dfs().reduction(Reduction::Off))
        .time_limit(Duration::from_millis(100))
        .run();
    assert!(
        matches!(report.verdict(), Verdict::Incomplete { .. }),
        "{report}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_sampling_engine_cut_short_by_time_passed_what_it_ran() {
    // Sampling never proves anything, so running out of time loses no claim: the verdict is
    // what the executions run say, not `Incomplete`.
    for engine in [Engine::pct(100_000_000, 3), Engine::random(100_000_000)] {
        let report = Explorer::new(TicketSale::guarded(2, 2))
            .engine(engine.clone())
            .time_limit(Duration::from_millis(100))
            .run();
        assert!(
            matches!(report.verdict(), Verdict::Passed { executions } if *executions < 100_000_000),
            "{engine}: {report}"
        );
        assert!(!engine.is_exhaustive());
    }
    // On two jobs, the chunks the time limit left unrun do not make the run incomplete.
    let report = Explorer::new(TicketSale::guarded(2, 2))
        .engine(Engine::random(100_000_000))
        .jobs(2)
        .time_limit(Duration::from_millis(300))
        .run();
    assert!(
        matches!(report.verdict(), Verdict::Passed { executions } if *executions > 0),
        "{report}"
    );
}

#[test]
fn settings_an_engine_does_not_have_are_errors() {
    let error = Explorer::new(Counter::new(CounterGuard::None))
        .engine(Engine::loom().seed(3))
        .try_run()
        .unwrap_err();
    assert!(
        matches!(&error, Error::InvalidEngine(m) if m.contains("seed")),
        "{error}"
    );
}

#[test]
fn the_report_prints_verdict_counterexample_and_outcomes() {
    let report = Explorer::new(Counter::new(CounterGuard::None))
        .engine(Engine::loom())
        .run();
    let text = report.to_string();
    for needle in [
        "model:   counter(guard=none)",
        "verdict: VIOLATED",
        "expected 109",
        "| one",
        "| two",
        "get num = ",
        "VIOLATES",
        "executions/s",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}

#[test]
fn a_dfs_cut_short_estimates_its_whole_search_within_a_small_factor() {
    // Cut by an iteration cap, so that the figures do not depend on the machine's speed.
    // Sellers, tickets, the cap, and the whole search's executions (sellers ^ tickets).
    let cases = [
        (4, 4, 60, 256.0),
        (3, 5, 50, 243.0),
        (2, 8, 40, 256.0),
        (6, 4, 300, 1_296.0),
    ];
    for (sellers, tickets, cap, exact) in cases {
        let report = Explorer::new(TicketSale::guarded(sellers, tickets))
            .engine(Engine::dfs().max_iterations(cap))
            .run();
        let fraction = report
            .explored_fraction()
            .expect("a DFS cut short estimates");
        let whole = cap as f64 / fraction;
        assert!(
            (exact / 2.0..=exact * 2.0).contains(&whole),
            "{whole:.0} estimated, {exact} exact\n{report}"
        );
        assert!(report.to_string().contains("of the search tree explored"));
    }
    // The unreduced search of the locked counter: 6,867 executions.
    let report = Explorer::new(Counter::new(CounterGuard::Mutex))
        .engine(
            Engine::dfs()
                .reduction(Reduction::Off)
                .max_iterations(1_000),
        )
        .run();
    let whole = 1_000.0 / report.explored_fraction().unwrap();
    assert!(
        (3_400.0..=14_000.0).contains(&whole),
        "{whole:.0}\n{report}"
    );
    // The whole search scales what was done by the fraction it covered.
    let report = Explorer::new(TicketSale::guarded(4, 4))
        .engine(Engine::dfs().max_iterations(60))
        .run();
    let fraction = report.explored_fraction().unwrap();
    let whole = report.whole_search().expect("a DFS cut short has one");
    assert_eq!(whole.fraction, fraction);
    assert!(fraction > 0.0 && fraction < 1.0, "{fraction}");
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.max(1.0);
    assert!(close(whole.executions, 60.0 / fraction), "{whole:?}");
    let seconds = report.elapsed().as_secs_f64() / fraction;
    assert!(close(whole.seconds, seconds), "{whole:?}, {seconds}");
    // Only an exhaustive search cut short has a fraction to tell.
    let proved = Explorer::new(Counter::new(CounterGuard::Mutex))
        .engine(Engine::dfs())
        .run();
    assert_eq!(proved.explored_fraction(), None);
    assert!(proved.whole_search().is_none());
    let sampled = Explorer::new(Counter::new(CounterGuard::Mutex))
        .engine(Engine::pct(10, 3))
        .run();
    assert_eq!(sampled.explored_fraction(), None);
}

#[test]
fn the_state_space_estimate_is_close_to_the_dfs_count() {
    for (model, exact) in [
        (Counter::new(CounterGuard::Atomic), 251.0),
        (Counter::new(CounterGuard::Mutex), 6_867.0),
        // Racy: the DFS falls back to no reduction, and so does the estimate.
        (Counter::new(CounterGuard::None), 12_869.0),
    ] {
        let estimate = Explorer::new(model).estimate(1_000).unwrap();
        let ratio = estimate.executions / exact;
        assert!((0.7..1.4).contains(&ratio), "{estimate} against {exact}");
    }
    // Race-free: the estimate is of the DFS with `Shared` accesses not scheduling points but
    // without DPOR (an upper bound of what the DFS explores).
    // (A one-part shard explores every choice at sync points: no DPOR.)
    let reduced = Explorer::new(TicketSale::guarded(2, 3))
        .engine(Engine::dfs())
        .shard(1, 1)
        .run()
        .executions() as f64;
    let estimate = Explorer::new(TicketSale::guarded(2, 3))
        .estimate(1_000)
        .unwrap();
    assert!(
        (0.7..1.4).contains(&(estimate.executions / reduced)),
        "{estimate} against {reduced}"
    );
    let estimate = Explorer::new(TicketSale::guarded(10, 50))
        .estimate(50)
        .unwrap();
    assert!(estimate.executions > 1e50, "{estimate}");
    assert!(
        estimate.to_string().contains("longer than a century"),
        "{estimate}"
    );
}

#[test]
fn an_estimate_says_how_many_executions_and_how_long() {
    use interleavings::Estimate;
    use std::time::Duration;
    let estimate = |executions: f64, probes: u64, millis: u64| Estimate {
        executions,
        probes,
        elapsed: Duration::from_millis(millis),
    };
    // 10 probes in 1 s: 0.1 s an execution, so 1,000 executions take 100 s.
    let small = estimate(1_000.0, 10, 1_000);
    assert_eq!(small.dfs_time(), Duration::from_secs(100));
    let text = small.to_string();
    assert!(
        text.contains("about 1,000 executions (1m 40s at this pace"),
        "{text}"
    );
    assert!(text.contains("from 10 random probes"), "{text}");
    // Up to a million the count is written out to two significant digits; from a million
    // on, in scientific notation.
    assert!(
        estimate(123_456.0, 1, 1)
            .to_string()
            .contains("about 120,000 executions")
    );
    assert!(
        estimate(1e6, 1, 1)
            .to_string()
            .contains("about 1.0e6 executions")
    );
    // Less than a second is said so; beyond a century, no number.
    assert!(
        estimate(1.0, 1, 1)
            .to_string()
            .contains("(under a second at this pace")
    );
    assert!(
        estimate(2.0, 1, 1_000)
            .to_string()
            .contains("(2s at this pace")
    );
    let century = 100.0 * 365.0 * 86_400.0;
    let just_under = estimate(century, 1, 1_000).to_string();
    assert!(just_under.contains("(99years"), "{just_under}");
    let beyond = estimate(century + 1e6, 1, 1_000).to_string();
    assert!(
        beyond.contains("(longer than a century at this pace"),
        "{beyond}"
    );
}

#[test]
fn keep_going_keeps_the_first_counterexample() {
    for engine in [Engine::dfs(), Engine::pct(300, 3).seed(4)] {
        let search = |keep_going: bool| {
            let mut explorer = Explorer::new(Counter::new(CounterGuard::None))
                .engine(engine.clone())
                .minimize(false);
            if keep_going {
                explorer = explorer.keep_going();
            }
            explorer.run()
        };
        let (first, all) = (search(false), search(true));
        assert!(all.executions() > first.executions(), "{engine}");
        let cx = all.counterexample().expect("the lost update");
        assert!(cx.failure().is_some(), "{engine}: {cx:?}");
        assert_eq!(Some(cx), first.counterexample(), "{engine}");
    }
}

#[test]
fn keep_going_still_ends_at_a_panic() {
    for engine in [Engine::std().runs(20), Engine::dfs()] {
        let report = interleavings::explore(|| {
            let worker = interleavings::thread::spawn(|| ());
            worker.join().unwrap();
            panic!("boom");
        })
        .engine(engine.clone())
        .keep_going()
        .run();
        let cx = report.counterexample().expect("the panic");
        assert_eq!(cx.kind(), CounterexampleKind::Panic, "{engine}");
        assert_eq!(report.executions(), 1, "{engine}");
    }
}

#[test]
fn a_counterexample_that_shows_the_failure_ends_the_search_at_once() {
    // A race alone lets the search go on a while for an execution that also breaks the
    // property; one that breaks it is what was looked for.
    for engine in [Engine::dfs(), Engine::loom(), Engine::random(5_000).seed(3)] {
        let report = Explorer::new(Counter::new(CounterGuard::None))
            .engine(engine.clone())
            .minimize(false)
            .run();
        let cx = report.counterexample().expect("the lost update");
        assert!(cx.failure().is_some(), "{engine}: {cx:?}");
        assert_eq!(report.executions(), cx.execution(), "{engine}");
    }
}

/// A thread that assumes `try_lock` always succeeds while another thread holds the lock
/// for a moment: wrong in the order where the `try_lock` comes inside the other's critical
/// section. loom by itself never runs that order (it has no scheduling point at an unlock);
/// the loom engine must still find it, and pass the twin that handles a busy lock.
fn try_lock_program(assumes_free: bool) -> impl Fn() + Send + Sync + 'static {
    use interleavings::sync::{Arc, Mutex};
    use interleavings::thread;
    move || {
        let lock = Arc::new(Mutex::new(0u32).named("lock"));
        let holder = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || *lock.lock().unwrap() += 1)
        };
        match lock.try_lock() {
            Ok(mut count) => *count += 10,
            Err(_) if assumes_free => panic!("the lock was busy"),
            Err(_) => {}
        }
        holder.join().unwrap();
    }
}

#[test]
fn a_try_lock_that_assumes_a_free_lock_is_caught_on_the_exhaustive_engines() {
    for engine in [Engine::loom(), Engine::dfs()] {
        let report = interleavings::explore(try_lock_program(true))
            .engine(engine.clone())
            .run();
        let kind = report.counterexample().map(|cx| cx.kind());
        assert_eq!(kind, Some(CounterexampleKind::Panic), "{engine}\n{report}");
        let twin = interleavings::explore(try_lock_program(false))
            .engine(engine.clone())
            .run();
        assert!(twin.is_proved(), "{engine}\n{twin}");
    }
}

/// The rate a report states is its executions over its wall time (the progress line and
/// the benchmarks read it).
#[test]
fn the_stated_rate_is_executions_over_wall_time() {
    let report = Explorer::new(TicketSale::guarded(3, 3))
        .engine(Engine::dfs())
        .run();
    assert!(report.is_proved(), "{report}");
    let rate = report.executions_per_second();
    let expected = report.executions() as f64 / report.elapsed().as_secs_f64();
    assert!(rate > 0.0, "{rate}");
    assert!(
        (rate - expected).abs() <= expected * 1e-9,
        "{rate} against {expected}"
    );
}

/// A model with one schedule (no second thread) has nothing to sample: the sampling engines
/// run it once, not their whole budget, and say that one execution passed.
#[test]
fn a_sampler_runs_a_model_with_one_schedule_once() {
    for engine in sampling() {
        let report = interleavings::explore(|| {
            let value = interleavings::Shared::new(1);
            value.set(value.get() + 1);
            assert_eq!(value.get(), 2);
        })
        .engine(engine.clone())
        .run();
        assert_eq!(report.executions(), 1, "{engine}: {report}");
        assert!(
            matches!(report.verdict(), Verdict::Passed { executions: 1 }),
            "{engine}: {report}"
        );
    }
}

/// A counterexample's trace holds every step the model took, the quiet ones too: a yield, a
/// sleep, a process's termination, each thread's end (which the DFS's reduction reads).
#[test]
fn a_counterexample_trace_holds_yields_sleeps_terminations_and_ends() {
    use interleavings::process::Process;
    use interleavings::thread;
    use interleavings::trace::Op;
    for engine in [Engine::loom(), Engine::dfs(), Engine::std()] {
        let report = interleavings::explore(|| {
            let worker = thread::Builder::new()
                .name("worker".to_owned())
                .spawn(|| {
                    thread::yield_now();
                    thread::sleep(Duration::from_millis(1));
                })
                .unwrap();
            let mut child = Process::new(|| {}).name("child");
            child.start();
            child.terminate();
            child.join();
            worker.join().unwrap();
            panic!("the end");
        })
        .engine(engine.clone())
        .run();
        let cx = report.counterexample().expect("the model panics");
        assert_eq!(cx.kind(), CounterexampleKind::Panic, "{engine}\n{report}");
        let trace = cx.trace();
        let worker = trace
            .threads
            .iter()
            .position(|t| t == "worker")
            .expect("a worker thread");
        let ops_of = |thread: usize| -> Vec<Op> {
            (trace.events.iter())
                .filter(|e| e.thread == thread)
                .map(|e| e.op)
                .collect()
        };
        assert_eq!(
            ops_of(worker),
            [Op::Yield, Op::Sleep, Op::Finish],
            "{engine}\n{report}"
        );
        assert!(ops_of(0).contains(&Op::Terminate), "{engine}\n{report}");
        let terminated = trace.events.iter().find(|e| e.op == Op::Terminate).unwrap();
        assert_eq!(&*terminated.object, "child", "{engine}\n{report}");
    }
}

/// Each of the report's yes-or-no questions answers yes for its own verdicts only.
#[test]
fn each_verdict_answers_the_reports_questions_its_own_way() {
    let run = |model: TicketSale, engine: Engine| Explorer::new(model).engine(engine).run();
    let violated = run(TicketSale::unguarded(2, 1), Engine::dfs());
    let proved = run(TicketSale::guarded(2, 1), Engine::dfs());
    let passed = run(TicketSale::guarded(2, 1), Engine::pct(20, 3));
    let incomplete = run(TicketSale::guarded(3, 3), Engine::dfs().max_iterations(5));
    assert!(matches!(incomplete.verdict(), Verdict::Incomplete { .. }));
    // (violated, holds, proved, passed, property broken)
    let answers = |r: &interleavings::Report<_>| {
        (
            r.is_violated(),
            r.holds(),
            r.is_proved(),
            r.is_passed(),
            r.property_broken(),
        )
    };
    assert_eq!(answers(&violated), (true, false, false, false, true));
    assert_eq!(answers(&proved), (false, true, true, false, false));
    assert_eq!(answers(&passed), (false, true, false, true, false));
    assert_eq!(answers(&incomplete), (false, true, false, false, false));
}

/// A report names what it checked: the model with its parameters and the engine with its
/// budget, as the model and the engine spell themselves.
#[test]
fn a_report_names_its_model_and_its_engine() {
    for (engine, spelled) in [
        (Engine::loom(), "loom (exhaustive, no preemption bound"),
        (
            Engine::pct(50, 3).seed(5),
            "shuttle pct (50 iterations, depth 3, seed 5)",
        ),
    ] {
        let report = Explorer::new(TicketSale::guarded(2, 2))
            .engine(engine.clone())
            .run();
        assert_eq!(report.model(), "tickets(sellers=2, tickets=2, guard=mutex)");
        assert_eq!(report.engine(), engine.to_string());
        assert!(report.engine().starts_with(spelled), "{}", report.engine());
    }
}
