//! One integration-test binary (it links once): every model on every engine, the checker's
//! own failure modes, the std engine and the command line.

mod cli;
mod determinism;
mod facade;
mod failures;
mod files;
mod outcomes;
mod parallel;
mod properties;
mod races;
mod random_programs;
mod readme;
mod real_processes;
mod reduction;
mod rendering;
mod robustness;
mod schedules;
mod seed_size;
mod std_engine;
mod tutorial;
mod unrecorded;
mod verdicts;
mod zoo;
