//! Schedules as proptest values: properties over inputs and interleavings together, shrunk
//! together.
//!
//! A racy program races in nearly every schedule, so a property over single schedules
//! usually asks [`Report::property_broken`](crate::Report::property_broken) (did this
//! execution visibly break?) rather than `holds` (which counts every race).
//!
//! A schedule value is a short list of switch points, each "once thread `t` has taken `k`
//! steps, run thread `u`"; between them the running thread goes on (no preemption). It
//! drives the
//! replay engine ([`Engine::schedule`](crate::Engine::schedule)), which maps a choice that
//! does not fit (a thread that does not exist, is blocked or has finished) to the running
//! thread, deterministically, so every value is a valid execution. Shrinking removes switch
//! points (fewer preemptions), moves them earlier and towards lower thread numbers.
//!
//! ```
//! use interleavings::models::TicketSale;
//! use interleavings::proptest::schedules;
//! use interleavings::{Engine, Explorer};
//! use proptest::prelude::*;
//!
//! proptest! {
//!     # #![proptest_config(ProptestConfig { cases: 4, failure_persistence: None, ..ProptestConfig::default() })]
//!     # /*
//!     #[test]
//!     # */
//!     fn a_lock_keeps_every_schedule_correct(sellers in 1usize..4, schedule in schedules(60)) {
//!         let report = Explorer::new(TicketSale::guarded(sellers, 2))
//!             .engine(Engine::schedule(schedule))
//!             .run();
//!         prop_assert!(report.holds(), "{}", report);
//!     }
//! }
//! # a_lock_keeps_every_schedule_correct();
//! ```

use crate::schedule::{Schedule, Switch};
use ::proptest::prelude::*;

/// Thread numbers a switch point chooses from (higher numbers fit no model and mean "go on").
const THREADS: usize = 8;
/// Most switch points in one value.
const MAX_SWITCHES: usize = 6;

/// Schedules with up to six switch points, each after at most `max_steps` steps of a
/// thread.
pub fn schedules(max_steps: usize) -> impl Strategy<Value = Schedule> {
    // Small models have few threads and short ones: most values should land in them.
    let thread = || prop_oneof![3 => 0..4usize, 1 => 0..THREADS];
    let after = prop_oneof![3 => 0..16usize.min(max_steps.max(1)), 1 => 0..max_steps.max(1)];
    let switch =
        (thread(), after, thread()).prop_map(|(thread, after, to)| Switch { thread, after, to });
    ::proptest::collection::vec(switch, 0..=MAX_SWITCHES).prop_map(Schedule::from_switches)
}
