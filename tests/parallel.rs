//! Jobs and shards: spreading a search changes how fast it runs, never what it finds.

use interleavings::json;
use interleavings::models::{Counter, CounterGuard, TicketSale};
use interleavings::{Engine, Explorer, Model};

fn json_of<M: Model>(
    model: M,
    engine: Engine,
    jobs: usize,
    shard: Option<(usize, usize)>,
) -> json::JsonReport {
    let mut explorer = Explorer::new(model).engine(engine).keep_going().jobs(jobs);
    if let Some((index, count)) = shard {
        explorer = explorer.shard(index, count);
    }
    explorer.run().to_json()
}

#[test]
fn any_number_of_jobs_gives_the_same_report() {
    let engine = Engine::random(4_500).seed(21);
    let one = json_of(Counter::new(CounterGuard::None), engine.clone(), 1, None);
    for jobs in [2, 3] {
        let many = json_of(Counter::new(CounterGuard::None), engine.clone(), jobs, None);
        assert_eq!(one.outcomes, many.outcomes, "{jobs} jobs");
        assert_eq!(one.counterexample, many.counterexample, "{jobs} jobs");
        assert_eq!(one.executions, 4_500);
    }
}

#[test]
fn sampling_shards_add_up_to_the_whole_search() {
    let engine = Engine::pct(5_000, 3).seed(8);
    let whole = json_of(TicketSale::unguarded(2, 2), engine.clone(), 2, None);
    let parts: Vec<_> = (1..=3)
        .map(|i| json_of(TicketSale::unguarded(2, 2), engine.clone(), 1, Some((i, 3))))
        .collect();
    let merged = json::merge(parts).unwrap();
    assert_eq!(merged.executions, whole.executions);
    assert_eq!(merged.outcomes, whole.outcomes);
    assert_eq!(merged.verdict.name, "violated");
}

#[test]
fn a_shard_that_does_not_exist_is_an_error() {
    for (index, count) in [(0, 3), (4, 3), (1, 0)] {
        let error = Explorer::new(Counter::new(CounterGuard::Mutex))
            .engine(Engine::dfs())
            .shard(index, count)
            .try_run()
            .unwrap_err();
        assert!(error.to_string().contains("does not exist"), "{error}");
    }
}

#[test]
fn parallel_sampling_stops_at_the_first_failing_chunk_unless_asked_to_keep_going() {
    let run = |keep_going: bool| {
        let mut explorer = Explorer::new(Counter::new(CounterGuard::None))
            .engine(Engine::pct(6_000, 3).seed(3))
            .minimize(false)
            .jobs(2);
        if keep_going {
            explorer = explorer.keep_going();
        }
        explorer.run()
    };
    let stopped = run(false);
    assert!(stopped.is_violated());
    assert!(stopped.executions() <= 1_000, "{}", stopped.executions());
    assert_eq!(run(true).executions(), 6_000);
}

#[test]
fn more_shards_than_chunks_leave_empty_parts_that_merge_into_the_whole() {
    // 1,500 executions make two chunks: the third of three shards has nothing to run.
    let engine = Engine::pct(1_500, 3).seed(8);
    let whole = json_of(Counter::new(CounterGuard::Mutex), engine.clone(), 1, None);
    let parts: Vec<_> = (1..=3)
        .map(|i| {
            json_of(
                Counter::new(CounterGuard::Mutex),
                engine.clone(),
                1,
                Some((i, 3)),
            )
        })
        .collect();
    let empty = &parts[2];
    assert_eq!(empty.executions, 0);
    assert_eq!(empty.verdict.name, "incomplete", "no execution is no pass");
    assert!(empty.shard.is_some_and(|s| s.part_complete));
    let merged = json::merge(parts).unwrap();
    assert_eq!(merged.verdict.name, "passed");
    assert_eq!(merged.executions, 1_500);
    assert_eq!(merged.outcomes, whole.outcomes);
}

#[test]
fn a_sampling_budget_too_big_to_finish_costs_nothing_before_the_first_execution() {
    // 10^12 executions are 10^9 chunks: made one by one as they are taken, not up front.
    for jobs in [1, 2] {
        let report = Explorer::new(Counter::new(CounterGuard::Mutex))
            .engine(Engine::random(1_000_000_000_000))
            .jobs(jobs)
            .time_limit(std::time::Duration::from_millis(200))
            .run();
        assert!(
            matches!(report.verdict(), interleavings::Verdict::Passed { executions } if *executions > 0),
            "{jobs} jobs: {report}"
        );
    }
}

#[test]
fn the_std_engine_shares_its_runs_among_jobs_and_shards() {
    // 2,500 runs are chunks of 1,000, 1,000 and 500: shard 1 of 2 takes the first and
    // the last, shard 2 the middle one.
    let engine = Engine::std().runs(2_500);
    let parts: Vec<_> = (1..=2)
        .map(|i| {
            json_of(
                Counter::new(CounterGuard::Mutex),
                engine.clone(),
                2,
                Some((i, 2)),
            )
        })
        .collect();
    assert_eq!(parts[0].executions, 1_500);
    assert_eq!(parts[1].executions, 1_000);
    let merged = json::merge(parts).unwrap();
    assert_eq!(merged.verdict.name, "passed");
    assert_eq!(merged.executions, 2_500);
    let whole = json_of(Counter::new(CounterGuard::Mutex), engine, 2, None);
    assert_eq!(whole.executions, 2_500);
}

#[test]
fn engines_that_cannot_be_sharded_say_so() {
    for engine in [Engine::loom(), Engine::schedule(Default::default())] {
        let error = Explorer::new(Counter::new(CounterGuard::Mutex))
            .engine(engine.clone())
            .shard(1, 2)
            .try_run()
            .unwrap_err();
        assert!(
            error.to_string().contains("cannot be sharded"),
            "{engine}: {error}"
        );
    }
}

#[test]
fn a_time_limit_that_does_not_run_out_runs_every_chunk() {
    for jobs in [1, 2] {
        let report = Explorer::new(Counter::new(CounterGuard::Mutex))
            .engine(Engine::random(3_500))
            .jobs(jobs)
            .time_limit(std::time::Duration::from_secs(600))
            .run();
        assert_eq!(
            report.verdict(),
            &interleavings::Verdict::Passed { executions: 3_500 },
            "{jobs} jobs"
        );
    }
}

#[test]
fn a_violation_ends_a_sampling_run_however_big_its_budget() {
    // A million chunks: the workers must stop taking them once one has failed.
    for jobs in [1, 2] {
        let report = Explorer::new(Counter::new(CounterGuard::None))
            .engine(Engine::random(1_000_000_000))
            .jobs(jobs)
            .run();
        assert!(report.is_violated(), "{jobs} jobs: {report}");
        assert!(report.executions() < 10_000, "{jobs} jobs: {report}");
    }
}

#[test]
fn a_counterexample_in_a_later_chunk_is_numbered_among_every_execution_before_it() {
    use std::sync::atomic::{AtomicU64, Ordering};
    // Fails in its 2,501st run, in the third chunk of 1,000: on one job, chunks run in
    // order, and the count below is the number of executions run so far.
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let report = interleavings::explore(|| {
        // Two threads that touch the same atomic: more than one schedule to sample.
        use interleavings::sync::{Arc, atomic::AtomicU32};
        let count = Arc::new(AtomicU32::new(0));
        let other = Arc::clone(&count);
        let child = interleavings::thread::spawn(move || other.fetch_add(1, Ordering::SeqCst));
        count.fetch_add(1, Ordering::SeqCst);
        child.join().unwrap();
        assert_ne!(
            RUNS.fetch_add(1, Ordering::Relaxed),
            2_500,
            "the 2,501st run"
        );
    })
    .engine(Engine::random(5_000))
    .jobs(1)
    .minimize(false)
    .run();
    let cx = report
        .counterexample()
        .unwrap_or_else(|| panic!("the 2,501st run fails: {report}"));
    assert_eq!(cx.execution(), 2_501, "{report}");
    assert_eq!(
        report.executions(),
        2_501,
        "the failing chunk stops at its failure"
    );
}

#[test]
fn a_failure_in_another_shards_subtree_does_not_stall_this_shards_search() {
    // Every execution of the racy counter passes 7 steps. Shard 2 runs shard 1's first
    // subtree before its own: that failure is not its own to report, and used to end
    // every later execution at its first decision, before it could make any: a search
    // that never ended.
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let reports: Vec<_> = (1..=3)
            .map(|index| {
                Explorer::new(Counter::new(CounterGuard::None))
                    .engine(Engine::dfs())
                    .max_steps(7)
                    .shard(index, 3)
                    .run()
            })
            .collect();
        sender.send(reports).ok();
    });
    let reports = receiver
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("a shard's search did not end within 60 s");
    for report in reports {
        let kind = report.counterexample().map(|cx| cx.kind());
        assert_eq!(
            kind,
            Some(interleavings::CounterexampleKind::StepLimit),
            "{report}"
        );
        assert_eq!(report.executions(), 1, "{report}");
        // The kind heads the message once, as for every other kind.
        let text = report.to_string();
        assert!(
            text.contains("\nstep limit: the execution took more than 7 steps (last by `"),
            "{text}"
        );
    }
}
