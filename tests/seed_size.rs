//! The tutorial's own size: 10 sellers, 50 tickets.

use interleavings::models::TicketSale;
use interleavings::{CounterexampleKind, Engine, Error, Explorer, Verdict};

#[test]
fn pct_catches_the_unguarded_seed_size_office() {
    let report = Explorer::new(TicketSale::unguarded(10, 50))
        .engine(Engine::pct(1_000, 3).seed(11))
        .run();
    let cx = report.counterexample().expect("PCT finds the race");
    assert_eq!(cx.kind(), CounterexampleKind::DataRace);
    assert!(cx.failure().is_some(), "{report}");
    assert!(report.executions() < 100, "{report}");
}

#[test]
fn loom_cannot_run_the_seed_size_office_and_says_so() {
    // loom explores at most 4 spawned threads; 10 sellers are refused before loom sees the
    // 5th spawn (loom itself would abort the process).
    let error = Explorer::new(TicketSale::guarded(10, 50))
        .engine(Engine::loom().preemption_bound(2))
        .try_run()
        .unwrap_err();
    assert!(matches!(error, Error::EngineLimit(_)), "{error}");
}

/// About 2 s in the test profile (dependencies are optimised even in debug builds).
#[test]
fn the_guarded_seed_size_office_passes_10_000_pct_executions() {
    let report = Explorer::new(TicketSale::guarded(10, 50))
        .engine(Engine::pct(10_000, 3).seed(1))
        .run();
    assert_eq!(
        report.verdict(),
        &Verdict::Passed { executions: 10_000 },
        "{report}"
    );
}

/// The largest guarded office loom can take (4 sellers), bounded to 2 preemptions.
#[test]
fn the_guarded_office_with_four_sellers_is_proved_within_bound_2_on_loom() {
    let report = Explorer::new(TicketSale::guarded(4, 4))
        .engine(Engine::loom().preemption_bound(2))
        .run();
    assert!(
        matches!(
            report.verdict(),
            Verdict::ProvedWithinBound { preemptions: 2, .. }
        ),
        "{report}"
    );
}
