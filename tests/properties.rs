//! Properties over model parameters, checked with proptest on sizes small enough to exhaust.

use interleavings::models::{Counter, CounterGuard, TicketSale};
use interleavings::{Engine, Explorer, Verdict};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Two sellers can sell the same ticket only if there are two sellers and a ticket.
    #[test]
    fn the_unguarded_office_fails_exactly_with_two_sellers_and_a_ticket(
        sellers in 1usize..=3,
        tickets in 0u32..=3,
    ) {
        let report = Explorer::new(TicketSale::unguarded(sellers, tickets))
            .engine(Engine::loom())
            .run();
        prop_assert_eq!(report.is_violated(), sellers >= 2 && tickets >= 1, "{}", report);
        if !report.is_violated() {
            prop_assert!(report.is_proved(), "{}", report);
        }
    }

    /// The locked office is never violated.
    #[test]
    fn the_guarded_office_is_never_violated(sellers in 1usize..=3, tickets in 0u32..=2) {
        let report = Explorer::new(TicketSale::guarded(sellers, tickets))
            .engine(Engine::loom())
            .run();
        prop_assert!(matches!(report.verdict(), Verdict::Proved { .. }), "{}", report);
    }
}

/// The racy counter's reachable results include the right one (109, no update lost) and
/// the lowest (103: `one` reads 100, `two` runs all its increments, `one` writes 101, 102,
/// 103 from its stale reads), on every exhaustive engine.
#[test]
fn the_racy_counter_reaches_109_and_103() {
    for engine in [Engine::loom(), Engine::dfs()] {
        let report = Explorer::new(Counter::new(CounterGuard::None))
            .engine(engine)
            .keep_going()
            .run();
        let outcomes: Vec<u64> = report.outcomes().keys().copied().collect();
        assert_eq!(outcomes.first(), Some(&103));
        assert_eq!(outcomes.last(), Some(&109));
    }
}
