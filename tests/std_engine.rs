//! The std engine runs the real program on OS threads; seeded chaos makes races show.

use interleavings::models::{Counter, CounterGuard};
use interleavings::{Engine, Explorer, Verdict};

/// With chaos, the lost update of the racy counter shows in a large share of runs (measured:
/// see README). Each of these ten explorations gets 200 runs; a miss would need every one of
/// them to dodge the race.
#[test]
fn chaos_finds_the_counter_race_every_time() {
    for seed in 0..10 {
        let report = Explorer::new(Counter::new(CounterGuard::None))
            .engine(Engine::std().runs(200).chaos(seed))
            .run();
        assert!(report.is_violated(), "seed {seed}\n{report}");
    }
}

#[test]
fn chaos_never_flags_the_guarded_counters() {
    for guard in [CounterGuard::Mutex, CounterGuard::Atomic] {
        let report = Explorer::new(Counter::new(guard))
            .engine(Engine::std().runs(300).chaos(7))
            .run();
        assert_eq!(
            report.verdict(),
            &Verdict::Passed { executions: 300 },
            "{report}"
        );
        assert_eq!(report.outcomes().keys().copied().collect::<Vec<_>>(), [109]);
    }
}
