//! The outcome table of an exhaustive exploration is exactly the set of reachable results.

use interleavings::models::{Counter, CounterGuard};
use interleavings::{Engine, Explorer};
use std::collections::BTreeSet;

/// Every final value of the racy counter, worked out without any engine: each thread is a
/// sequence of (read, write) pairs, `one` adding 1 and `two` adding 2 to what it read; the
/// result is the last write. All C(12, 6) = 924 interleavings of the 12 steps are enumerated.
/// The result is {103, ..., 109}: 109 when no update is lost; 103 when `one` reads 100 first,
/// `two` runs all its increments, and `one` finishes last from its stale reads.
fn reachable_by_enumeration() -> BTreeSet<u64> {
    let mut results = BTreeSet::new();
    for mask in 0u32..(1 << 12) {
        if mask.count_ones() != 6 {
            continue;
        }
        let (mut value, mut read, mut steps) = (100u64, [0u64; 2], [0usize; 2]);
        for position in 0..12 {
            let thread = usize::from(mask & (1 << position) != 0);
            let increment = if thread == 0 { 1 } else { 2 };
            if steps[thread] % 2 == 0 {
                read[thread] = value;
            } else {
                value = read[thread] + increment;
            }
            steps[thread] += 1;
        }
        results.insert(value);
    }
    results
}

#[test]
fn enumeration_gives_103_to_109() {
    assert_eq!(reachable_by_enumeration(), (103..=109).collect());
}

#[test]
fn racy_counter_outcome_table_is_every_reachable_value_on_exhaustive_engines() {
    for engine in [Engine::loom(), Engine::dfs()] {
        let report = Explorer::new(Counter::new(CounterGuard::None))
            .engine(engine.clone())
            .keep_going()
            .run();
        let seen: BTreeSet<u64> = report.outcomes().keys().copied().collect();
        assert_eq!(seen, reachable_by_enumeration(), "{engine}\n{report}");
        assert!(report.is_violated());
        for value in &seen {
            assert_eq!(report.outcome_holds(value), Some(*value == 109));
        }
        let total: u64 = report.outcomes().values().sum();
        assert_eq!(total, report.executions(), "every execution counted once");
    }
}
