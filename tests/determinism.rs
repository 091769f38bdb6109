//! Determinism: a model checker's report depends only on the model, the engine, its seed and
//! its budget — the same execution count, outcome table, verdict and counterexample run
//! after run, and with one job or two.

use interleavings::json::JsonReport;
use interleavings::models::{Counter, CounterGuard, JoinOrder, TerminateHolder, TicketSale};
use interleavings::{Engine, Explorer, Model};

/// A report without its timings (the only part that may differ).
fn facts<M: Model>(model: M, engine: &Engine, jobs: usize) -> JsonReport {
    let mut report = Explorer::new(model)
        .engine(engine.clone())
        .keep_going()
        .jobs(jobs)
        .run()
        .to_json();
    report.elapsed_seconds = 0.0;
    report.executions_per_second = 0.0;
    report
}

fn engines() -> Vec<Engine> {
    vec![
        Engine::loom(),
        Engine::loom().preemption_bound(1),
        Engine::dfs(),
        Engine::pct(1_500, 3).seed(5),
        Engine::random(1_500).seed(5),
    ]
}

fn same_every_time<M: Model + Clone>(model: M) {
    for engine in engines() {
        let first = facts(model.clone(), &engine, 1);
        assert!(first.executions > 0, "{engine}");
        for run in 0..2 {
            let again = facts(model.clone(), &engine, 1);
            assert_eq!(first, again, "{} on {engine}, run {run}", model.name());
        }
        if !engine.is_exhaustive() {
            let two = facts(model.clone(), &engine, 2);
            assert_eq!(first, two, "{} on {engine}, 2 jobs", model.name());
        }
    }
}

#[test]
fn the_racy_counter_gives_the_same_report_every_time() {
    same_every_time(Counter::new(CounterGuard::None));
}

#[test]
fn the_ticket_offices_give_the_same_report_every_time() {
    same_every_time(TicketSale::unguarded(2, 2));
    same_every_time(TicketSale::guarded(2, 1));
}

#[test]
fn output_order_and_deadlocks_give_the_same_report_every_time() {
    same_every_time(JoinOrder { join: false });
    same_every_time(TerminateHolder {
        wait_for_release: false,
    });
}

#[test]
fn another_seed_is_another_sample() {
    // The check above would pass trivially if seeds were ignored.
    let model = Counter::new(CounterGuard::None);
    let one = facts(model, &Engine::random(200).seed(1), 1);
    let other = facts(model, &Engine::random(200).seed(2), 1);
    assert_ne!(one.outcomes, other.outcomes);
}

/// A sampling run's report depends on its seed only: shuttle's own schedulers take their
/// seed from `SHUTTLE_RANDOM_SEED` when it is set (and panic when it is not a number), ours
/// do not.
#[test]
fn shuttles_seed_variable_does_not_change_a_sampling_run() {
    let run = |engine: &str, variable: Option<&str>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_interleavings"));
        command.args([
            "explore",
            "counter",
            "--guard",
            "none",
            "--engine",
            engine,
            "--iterations",
            "200",
            "--seed",
            "3",
            "--keep-going",
            "--json",
        ]);
        match variable {
            Some(value) => command.env("SHUTTLE_RANDOM_SEED", value),
            None => command.env_remove("SHUTTLE_RANDOM_SEED"),
        };
        let output = command.output().expect("the binary runs");
        let report: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("a JSON report");
        (report["executions"].clone(), report["outcomes"].clone())
    };
    for engine in ["random", "pct"] {
        let plain = run(engine, None);
        assert_eq!(run(engine, Some("99")), plain, "{engine}");
        assert_eq!(run(engine, Some("12345")), plain, "{engine}");
        assert_eq!(run(engine, Some("not a number")), plain, "{engine}");
    }
}
