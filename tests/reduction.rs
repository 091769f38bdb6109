//! The exhaustive engines' reduction (`Shared` accesses are not scheduling points) is checked
//! against the unreduced search: on the bug zoo and on every catalogue model, the same
//! verdict, the same kind of counterexample, the same outcome set — and a racy program is
//! still reported as a race by the reduced search alone.

use crate::zoo::{MAX_STEPS, zoo};
use interleavings::models::{
    Counter, CounterGuard, Fork, ForkWith, JoinOrder, Lifecycle, TerminateHolder, TicketGuard,
    TicketSale,
};
use interleavings::{CounterexampleKind, Engine, Explorer, Model, Reduction, explore};
use std::collections::BTreeSet;

fn exhaustive(reduction: Reduction) -> [Engine; 2] {
    [
        Engine::loom().reduction(reduction),
        Engine::dfs().reduction(reduction),
    ]
}

/// Verdict name, counterexample kind and outcome set of a keep-going search.
type Summary = (&'static str, Option<CounterexampleKind>, BTreeSet<String>);

fn summary<M: Model + Clone>(model: &M, engine: Engine) -> Summary {
    let report = Explorer::new(model.clone())
        .engine(engine)
        .keep_going()
        .max_steps(MAX_STEPS)
        .run();
    (
        report.verdict().name(),
        report.counterexample().map(|cx| cx.kind()),
        report.outcomes().keys().map(|o| format!("{o:?}")).collect(),
    )
}

fn same_with_and_without<M: Model + Clone>(model: M) {
    for (full, reduced) in exhaustive(Reduction::Off)
        .into_iter()
        .zip(exhaustive(Reduction::SyncPointsOnly))
    {
        let expected = summary(&model, full.clone());
        let got = summary(&model, reduced.clone());
        if expected.1 == Some(CounterexampleKind::DataRace) {
            // A race is still found; what it does is shown by the default's fallback.
            assert_eq!(got.1, expected.1, "{} on {reduced}", model.name());
            let fallback = summary(&model, reduced.clone().reduction(Reduction::SyncPoints));
            assert_eq!(fallback, expected, "{} with fallback", model.name());
        } else {
            assert_eq!(
                got,
                expected,
                "{} on {reduced} against {full}",
                model.name()
            );
        }
    }
}

#[test]
fn the_reduction_finds_every_zoo_bug_and_proves_every_twin() {
    for bug in zoo() {
        for engine in exhaustive(Reduction::SyncPointsOnly) {
            let report = explore(bug.wrong)
                .engine(engine.clone())
                .max_steps(MAX_STEPS)
                .run();
            let cx = report
                .counterexample()
                .unwrap_or_else(|| panic!("{} on {engine}: not found\n{report}", bug.class));
            assert_eq!(cx.kind(), bug.kind, "{} on {engine}\n{report}", bug.class);
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
    }
}

#[test]
fn the_reduction_gives_the_unreduced_verdicts_and_outcomes_on_every_model() {
    same_with_and_without(Counter::new(CounterGuard::None));
    same_with_and_without(Counter::new(CounterGuard::Mutex));
    same_with_and_without(Counter::new(CounterGuard::Atomic));
    same_with_and_without(TicketSale::unguarded(2, 2));
    same_with_and_without(TicketSale::guarded(2, 2));
    same_with_and_without(TicketSale {
        guard: TicketGuard::MutexExitHolding,
        ..TicketSale::guarded(2, 2)
    });
    for join in [true, false] {
        same_with_and_without(JoinOrder { join });
    }
    for with in [ForkWith::Process, ForkWith::Thread] {
        same_with_and_without(Fork { with });
    }
    for join_after_timeout in [true, false] {
        same_with_and_without(Lifecycle { join_after_timeout });
    }
    for wait_for_release in [true, false] {
        same_with_and_without(TerminateHolder { wait_for_release });
    }
}

#[test]
fn the_reduction_explores_fewer_executions_where_it_applies() {
    let model = TicketSale::guarded(2, 2);
    let count = |engine: Engine| Explorer::new(model).engine(engine).run().executions();
    for (full, reduced) in exhaustive(Reduction::Off)
        .into_iter()
        .zip(exhaustive(Reduction::SyncPoints))
    {
        let (full_count, reduced_count) = (count(full.clone()), count(reduced));
        assert!(
            reduced_count < full_count,
            "{full}: {reduced_count} vs {full_count}"
        );
    }
}

#[test]
fn reduction_is_for_exhaustive_engines_only() {
    let error = explore(|| {})
        .engine(Engine::pct(10, 2).reduction(Reduction::Off))
        .try_run()
        .unwrap_err();
    assert!(error.to_string().contains("`Engine::reduction`"), "{error}");
}
