//! Check concurrent programs by exploring their interleavings.
//!
//! (Guide written below; see README for now.)

#![deny(missing_docs, missing_debug_implementations)]

mod context;
mod engine;
mod error;
mod explore;
mod panic_hook;
mod render;
mod report;
pub mod schedule;
mod shared;
pub mod sync;
pub mod thread;
pub mod trace;

#[path = "../models/mod.rs"]
pub mod models;

pub use engine::{DEFAULT_SEED, Engine};
pub use error::Error;
pub use explore::{ClosureModel, DEFAULT_MAX_STEPS, Explorer, Model, explore};
pub use report::{Counterexample, CounterexampleKind, Rendered, Report, Verdict};
pub use schedule::Schedule;
pub use shared::Shared;
