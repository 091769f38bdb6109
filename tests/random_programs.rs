//! The DFS's partial-order reduction, and loom, against the unreduced DFS on random
//! race-free programs: same verdict, same set of outcomes, for every generated program (loom
//! may reach more where its memory model lets a load read an older store). A program that
//! can deadlock must deadlock under every search (a deadlock ends a search, so there the
//! verdicts are compared, not the outcomes). The programs mix what the reduction reasons
//! about: critical sections on two locks, nested ones taking both locks in either order (the
//! deadlocks), `try_lock`, atomic adds, stores (some relaxed) and loads, plain `Shared`
//! variables under a lock (whose accesses the default reduction does not make scheduling
//! points), printed lines and the output read back, spawn and join, and threads that spawn
//! and join threads of their own.

use interleavings::sync::atomic::{AtomicUsize, Ordering};
use interleavings::sync::{Arc, Mutex};
use interleavings::{
    CounterexampleKind, Engine, Explorer, Model, Reduction, Report, Shared, io, thread,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::collections::BTreeSet;

/// One thing a thread does; what it observes goes into the outcome.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// Lock mutex `m`, append the thread's number, see how many were there before.
    Critical(usize),
    /// Lock mutex `m`, then the other one while holding it; append to both. Two threads
    /// taking the locks in opposite orders can deadlock.
    BothLocks(usize),
    /// `try_lock` on mutex `m`: busy, or appended as in `Critical`.
    TryLock(usize),
    /// `fetch_add(1)` on atomic `a`, seeing the value before.
    FetchAdd(usize),
    /// Load atomic `a`.
    Load(usize),
    /// Store the thread's number in atomic `a`, sequentially consistent or relaxed (a
    /// relaxed store ends the release sequence: see `race::Effect::Overwrite`).
    Store(usize, Ordering),
    /// Lock mutex `m` and add the thread's number to the plain variable it guards, seeing
    /// the value before.
    Guarded(usize),
    /// Lock mutex `m` and read the plain variable it guards, nothing else: a read-only
    /// quiet section, which commutes with other readers' (see `engine::dpor`).
    Peek(usize),
    /// Lock mutex `m` and, holding it without touching its content, `fetch_add(1)` on atomic
    /// `m`: a section that is not quiet although its content is untouched.
    HoldAcross(usize),
    /// Swap the thread's number into atomic `a`, seeing the value before.
    Swap(usize),
    /// Exchange atomic `a` from 0 to the thread's number, sequentially consistent, or
    /// acquire-release (acquire on failure), seeing whether it did and what was there.
    CompareExchange(usize, Ordering),
    /// `thread::yield_now`.
    Yield,
    /// `thread::sleep` (time is not modelled: a scheduling point).
    Sleep,
    /// Spawn a thread that does `fetch_add` on atomic `a`, and join it.
    Nested(usize),
    /// Print a line naming the thread.
    Print,
    /// Read back the lines printed so far.
    ReadOutput,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        1 => (0..2usize).prop_map(Step::Critical),
        // Four times as likely as the others: enough of the programs can deadlock.
        4 => (0..2usize).prop_map(Step::BothLocks),
        1 => (0..2usize).prop_map(Step::TryLock),
        1 => (0..2usize).prop_map(Step::FetchAdd),
        1 => (0..2usize).prop_map(Step::Load),
        1 => (0..2usize, prop_oneof![Just(Ordering::SeqCst), Just(Ordering::Relaxed)])
            .prop_map(|(a, order)| Step::Store(a, order)),
        1 => (0..2usize).prop_map(Step::Guarded),
        1 => (0..2usize).prop_map(Step::Peek),
        1 => (0..2usize).prop_map(Step::HoldAcross),
        1 => (0..2usize).prop_map(Step::Nested),
        1 => (0..2usize).prop_map(Step::Swap),
        1 => (0..2usize, prop_oneof![Just(Ordering::SeqCst), Just(Ordering::AcqRel)])
            .prop_map(|(a, order)| Step::CompareExchange(a, order)),
        1 => Just(Step::Yield),
        1 => Just(Step::Sleep),
        1 => Just(Step::Print),
        1 => Just(Step::ReadOutput),
    ]
}

/// Spawned threads' steps, the main thread's steps between spawning and joining, and
/// whether the main thread joins the threads in reverse order.
#[derive(Clone, Debug)]
struct Program {
    threads: Vec<Vec<Step>>,
    main: Vec<Step>,
    join_reversed: bool,
}

fn program() -> impl Strategy<Value = Program> {
    (
        prop::collection::vec(prop::collection::vec(step(), 1..=2), 2..=3),
        prop::collection::vec(step(), 0..=1),
        any::<bool>(),
    )
        .prop_map(|(threads, main, join_reversed)| Program {
            threads,
            main,
            join_reversed,
        })
        // The unreduced search, the oracle, must stay small: one nested thread at most, at
        // most three sections with plain accesses (each access is a scheduling point there),
        // two of them writing, and at most two nested critical sections.
        .prop_filter("too large for the unreduced search", |program| {
            let steps = || program.threads.iter().flatten().chain(&program.main);
            steps().filter(|s| matches!(s, Step::Nested(_))).count() <= 1
                && steps().filter(|s| matches!(s, Step::Guarded(_))).count() <= 2
                && steps()
                    .filter(|s| matches!(s, Step::Guarded(_) | Step::Peek(_)))
                    .count()
                    <= 3
                && steps().filter(|s| matches!(s, Step::BothLocks(_))).count() <= 2
        })
}

impl Program {
    /// True if a step of any thread (the main thread's among them) is one that `is` picks.
    fn has(&self, is: impl Fn(&Step) -> bool) -> bool {
        self.threads.iter().flatten().chain(&self.main).any(is)
    }
}

struct Objects {
    locks: [Mutex<Vec<usize>>; 2],
    atomics: [AtomicUsize; 2],
    /// A plain variable per lock, touched only while holding it.
    guarded: [Shared<usize>; 2],
}

fn perform(objects: &Arc<Objects>, who: usize, step: Step, seen: &mut Vec<String>) {
    match step {
        Step::Critical(m) => {
            let mut held = objects.locks[m].lock().unwrap();
            seen.push(format!("{who} m{m}:{}", held.len()));
            held.push(who);
        }
        Step::BothLocks(m) => {
            let mut outer = objects.locks[m].lock().unwrap();
            let mut inner = objects.locks[1 - m].lock().unwrap();
            seen.push(format!(
                "{who} m{m}:{} m{}:{}",
                outer.len(),
                1 - m,
                inner.len()
            ));
            outer.push(who);
            inner.push(who);
        }
        Step::TryLock(m) => match objects.locks[m].try_lock() {
            Ok(mut held) => {
                seen.push(format!("{who} try m{m}:{}", held.len()));
                held.push(who);
            }
            Err(_) => seen.push(format!("{who} try m{m}: busy")),
        },
        Step::FetchAdd(a) => {
            let before = objects.atomics[a].fetch_add(1, Ordering::SeqCst);
            seen.push(format!("{who} a{a}+{before}"));
        }
        Step::Load(a) => {
            let now = objects.atomics[a].load(Ordering::SeqCst);
            seen.push(format!("{who} a{a}={now}"));
        }
        Step::Store(a, order) => objects.atomics[a].store(who, order),
        Step::Guarded(m) => {
            let _held = objects.locks[m].lock().unwrap();
            let before = objects.guarded[m].get();
            objects.guarded[m].set(before + who);
            seen.push(format!("{who} s{m}:{before}"));
        }
        Step::Peek(m) => {
            let _held = objects.locks[m].lock().unwrap();
            seen.push(format!("{who} saw s{m}:{}", objects.guarded[m].get()));
        }
        Step::HoldAcross(m) => {
            let _held = objects.locks[m].lock().unwrap();
            let before = objects.atomics[m].fetch_add(1, Ordering::SeqCst);
            seen.push(format!("{who} held m{m}, a{m}+{before}"));
        }
        Step::Nested(a) => {
            let objects = Arc::clone(objects);
            let child = thread::spawn(move || objects.atomics[a].fetch_add(1, Ordering::SeqCst));
            let before = child.join().unwrap();
            seen.push(format!("{who}'s child a{a}+{before}"));
        }
        Step::Swap(a) => {
            let before = objects.atomics[a].swap(who, Ordering::SeqCst);
            seen.push(format!("{who} a{a}<->{before}"));
        }
        Step::CompareExchange(a, order) => {
            let failure = if order == Ordering::AcqRel {
                Ordering::Acquire
            } else {
                order
            };
            let result = objects.atomics[a].compare_exchange(0, who, order, failure);
            seen.push(format!("{who} a{a} 0->{who}: {result:?}"));
        }
        Step::Yield => thread::yield_now(),
        Step::Sleep => thread::sleep(std::time::Duration::from_millis(1)),
        Step::Print => io::println!("line of {who}"),
        Step::ReadOutput => seen.push(format!("{who} output {:?}", io::output())),
    }
}

impl Model for Program {
    type Outcome = Vec<String>;

    fn name(&self) -> String {
        format!("{self:?}")
    }

    fn run(&self) -> Vec<String> {
        let objects = Arc::new(Objects {
            locks: [Mutex::new(Vec::new()), Mutex::new(Vec::new())],
            atomics: [AtomicUsize::new(0), AtomicUsize::new(0)],
            guarded: [Shared::new(0), Shared::new(0)],
        });
        let mut handles: Vec<_> = self
            .threads
            .iter()
            .enumerate()
            .map(|(index, steps)| {
                let (objects, steps) = (Arc::clone(&objects), steps.clone());
                thread::spawn(move || {
                    let mut seen = Vec::new();
                    for step in steps {
                        perform(&objects, index + 1, step, &mut seen);
                    }
                    seen
                })
            })
            .collect();
        let mut seen = Vec::new();
        for &step in &self.main {
            perform(&objects, 0, step, &mut seen);
        }
        if self.join_reversed {
            handles.reverse();
        }
        for handle in handles {
            seen.extend(handle.join().unwrap());
        }
        seen.sort();
        for lock in &objects.locks {
            seen.push(format!("{:?}", lock.lock().unwrap()));
        }
        for (atomic, guarded) in objects.atomics.iter().zip(&objects.guarded) {
            seen.push(format!(
                "{} {}",
                atomic.load(Ordering::SeqCst),
                guarded.get()
            ));
        }
        seen.push(format!("{:?}", io::output()));
        seen
    }

    fn check(&self, _: &Vec<String>) -> Result<(), String> {
        Ok(())
    }
}

/// The unreduced DFS's search of a program: the oracle the other searches are held to.
struct Oracle {
    report: Report<Vec<String>>,
    /// The search ended on a deadlock (so its outcomes are not all there are).
    deadlocks: bool,
}

impl Oracle {
    fn outcomes(&self) -> BTreeSet<Vec<String>> {
        outcomes(&self.report)
    }
}

fn outcomes(report: &Report<Vec<String>>) -> BTreeSet<Vec<String>> {
    report.outcomes().keys().cloned().collect()
}

/// Runs `test` on `cases` programs drawn from `rng`, each with its oracle. A program whose
/// unreduced search does not end within `budget` executions is drawn again: the oracle must
/// be exhaustive. The oracle itself must find nothing but a deadlock (the programs are
/// race-free and check nothing). Returns how many of the programs tested could deadlock.
fn for_random_programs(
    cases: u32,
    rng: TestRng,
    budget: u64,
    test: impl Fn(&Program, &Oracle) -> Result<(), TestCaseError>,
) -> u32 {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(config, rng);
    let deadlocking = std::cell::Cell::new(0);
    let result = runner.run(&program(), |program| {
        let unreduced = Engine::dfs()
            .reduction(Reduction::Off)
            .max_iterations(budget);
        let report = Explorer::new(program.clone()).engine(unreduced).run();
        let deadlocks = deadlocked(&report);
        prop_assert!(deadlocks || report.counterexample().is_none(), "{}", report);
        prop_assume!(
            deadlocks || report.is_proved(),
            "too large for the unreduced search"
        );
        test(&program, &Oracle { report, deadlocks })?;
        if deadlocks {
            deadlocking.set(deadlocking.get() + 1);
        }
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
    deadlocking.get()
}

/// The reduced DFS against the oracle: the same deadlocks, the same outcomes. Returns how
/// many of the programs compared could deadlock.
fn compare(cases: u32, rng: TestRng, budget: u64) -> u32 {
    for_random_programs(cases, rng, budget, |program, oracle| {
        let reduced = Explorer::new(program.clone()).engine(Engine::dfs()).run();
        prop_assert_eq!(
            deadlocked(&reduced),
            oracle.deadlocks,
            "deadlock found by one search only; reduced:\n{}",
            reduced
        );
        if !oracle.deadlocks {
            prop_assert!(reduced.is_proved(), "{}", reduced);
            prop_assert_eq!(outcomes(&reduced), oracle.outcomes());
        }
        Ok(())
    })
}

#[test]
fn the_reduction_reaches_every_outcome_of_random_programs() {
    let deadlocking = compare(40, fixed(), 50_000);
    both_sides_of_deadlock_exercised(deadlocking, 40);
}

/// The same with fresh programs each time: `cargo test -- --ignored random_programs`.
#[test]
#[ignore = "a soak test: hundreds of random programs, minutes"]
fn the_reduction_reaches_every_outcome_of_many_fresh_random_programs() {
    let deadlocking = compare(500, fresh(), 200_000);
    eprintln!("{deadlocking} of 500 programs could deadlock");
}

/// Compares loom's exhaustive search (default reduction: plain accesses are not scheduling
/// points) with the unreduced DFS on `cases` programs drawn from `rng`: an engine the
/// project does not write against its own search. Both must find the same deadlocks, and
/// loom every outcome the DFS reaches, except in a program that yields (where they differ
/// on what must happen before a yielding thread runs on). Loom may reach more: it models the C++ memory model, where
/// a load can read a store that an interleaving of whole steps already overwrote (a
/// relaxed store; its approximation of `SeqCst`), so outcomes beyond the DFS's are allowed
/// only in programs with a plain load or store of an atomic, or a compare-exchange (which,
/// when it fails, is a load). Programs too large for either search within `budget`
/// executions are drawn again. Returns how many could deadlock.
fn compare_with_loom(cases: u32, rng: TestRng, budget: u64) -> u32 {
    for_random_programs(cases, rng, budget, |program, oracle| {
        // Both searches take a yield to mean that the thread waits for another (see
        // `thread::yield_now`) and run someone else first, but count different things as
        // that someone's step (a spawn is one under shuttle, not under loom): in a program
        // that yields, each may reach outcomes, and deadlocks, that the other does not.
        let yields = program.has(|step| matches!(step, Step::Yield));
        let plain_atomic_access = program.has(|step| {
            matches!(
                step,
                Step::Load(_) | Step::Store(..) | Step::CompareExchange(..)
            )
        });
        let loom = Explorer::new(program.clone())
            .engine(Engine::loom().max_iterations(budget))
            .run();
        prop_assert!(
            deadlocked(&loom) == oracle.deadlocks || yields,
            "deadlock found by one engine only; loom:\n{}\nDFS:\n{}",
            loom,
            oracle.report
        );
        if oracle.deadlocks || deadlocked(&loom) {
            return Ok(());
        }
        prop_assert!(loom.counterexample().is_none(), "{}", loom);
        prop_assume!(loom.is_proved(), "too large for loom");
        let (by_loom, by_dfs) = (outcomes(&loom), oracle.outcomes());
        if !yields {
            let missed: Vec<_> = by_dfs.difference(&by_loom).collect();
            prop_assert!(missed.is_empty(), "loom missed {:?}", missed);
        }
        if !plain_atomic_access && !yields {
            let extra: Vec<_> = by_loom.difference(&by_dfs).collect();
            prop_assert!(extra.is_empty(), "only loom reached {:?}", extra);
        }
        Ok(())
    })
}

#[test]
fn loom_and_the_unreduced_dfs_reach_the_same_outcomes_of_random_programs() {
    let deadlocking = compare_with_loom(40, fixed(), 50_000);
    both_sides_of_deadlock_exercised(deadlocking, 40);
}

/// The same with fresh programs each time: `cargo test -- --ignored random_programs`.
#[test]
#[ignore = "a soak test: hundreds of random programs, minutes"]
fn loom_and_the_unreduced_dfs_reach_the_same_outcomes_of_many_fresh_random_programs() {
    let deadlocking = compare_with_loom(300, fresh(), 200_000);
    eprintln!("{deadlocking} of 300 programs could deadlock");
}

/// The samplers (shuttle's PCT scheduler; its random scheduler, and the std engine on real
/// threads where every store is sequentially consistent, on programs that do not yield)
/// against the unreduced DFS on `cases` programs: a sampler may miss outcomes, but every
/// outcome it reaches must be one the DFS reaches, a deadlock it reports one the DFS finds,
/// and it must report nothing else (these programs are race-free and check nothing). Real
/// threads run only programs without relaxed stores: the hardware may let a load pass a
/// relaxed store, which no interleaving does.
fn compare_samplers(cases: u32, rng: TestRng, budget: u64) {
    for_random_programs(cases, rng, budget, |program, oracle| {
        let possible = oracle.outcomes();
        let relaxed = program.has(|step| matches!(step, Step::Store(_, Ordering::Relaxed)));
        // The random scheduler and real threads may run a yielding thread on at once, which
        // the DFS never does (`outcomes::a_yielding_thread_is_not_run_on_at_once_by_the_
        // exhaustive_engines`): they are compared on programs that do not yield.
        let yields = program.has(|step| matches!(step, Step::Yield));
        let mut samplers = vec![Engine::pct(60, 2).seed(7)];
        if !yields {
            samplers.push(Engine::random(60).seed(7));
        }
        if !relaxed && !yields {
            samplers.push(Engine::std().runs(20).chaos(7));
        }
        for sampler in samplers {
            let sampled = Explorer::new(program.clone()).engine(sampler.clone()).run();
            if let Some(cx) = sampled.counterexample() {
                prop_assert!(
                    cx.kind() == CounterexampleKind::Deadlock && oracle.deadlocks,
                    "{sampler} reported what the DFS did not:\n{sampled}"
                );
            }
            // A deadlock ends a search: the DFS's outcomes are then not all there are.
            if oracle.deadlocks {
                continue;
            }
            let impossible: Vec<_> = outcomes(&sampled).difference(&possible).cloned().collect();
            prop_assert!(
                impossible.is_empty(),
                "{} reached outcomes the DFS did not: {:?}",
                sampler,
                impossible
            );
        }
        Ok(())
    });
}

/// The DFS split into `shards` parts against the oracle: together, the parts of the
/// default search (as `--shard` runs it) and of the unreduced one reach the oracle's
/// outcomes and find its deadlocks, and the unreduced one's parts, which split the
/// oracle's own tree, run each of its executions exactly once.
fn compare_shards(cases: u32, rng: TestRng, budget: u64, shards: usize) {
    for_random_programs(cases, rng, budget, |program, oracle| {
        for engine in [Engine::dfs(), Engine::dfs().reduction(Reduction::Off)] {
            let parts: Vec<_> = (1..=shards)
                .map(|index| {
                    Explorer::new(program.clone())
                        .engine(engine.clone())
                        .shard(index, shards)
                        .run()
                })
                .collect();
            let deadlocked_parts = parts.iter().filter(|part| deadlocked(part)).count();
            prop_assert_eq!(
                deadlocked_parts > 0,
                oracle.deadlocks,
                "{}: deadlock found by the whole search or by its parts only",
                engine
            );
            if oracle.deadlocks {
                continue;
            }
            let mut reached = BTreeSet::new();
            for part in &parts {
                prop_assert!(part.counterexample().is_none(), "{}", part);
                reached.extend(outcomes(part));
            }
            prop_assert_eq!(reached, oracle.outcomes(), "{}", engine);
            if engine.reduction_applied() == Reduction::Off {
                let executions: u64 = parts.iter().map(|part| part.executions()).sum();
                prop_assert_eq!(executions, oracle.report.executions());
            }
        }
        Ok(())
    });
}

/// The same with fresh programs each time: `cargo test -- --ignored random_programs`.
#[test]
#[ignore = "a soak test: hundreds of random programs, minutes"]
fn shards_of_the_dfs_together_reach_every_outcome_of_many_fresh_random_programs() {
    compare_shards(300, fresh(), 200_000, 3);
}

#[test]
fn shards_of_the_dfs_together_reach_every_outcome_of_random_programs() {
    compare_shards(30, fixed(), 50_000, 3);
}

#[test]
fn samplers_reach_only_outcomes_of_the_unreduced_dfs_on_random_programs() {
    compare_samplers(30, fixed(), 50_000);
}

/// The same with fresh programs each time: `cargo test -- --ignored random_programs`.
#[test]
#[ignore = "a soak test: hundreds of random programs, minutes"]
fn samplers_reach_only_outcomes_of_the_unreduced_dfs_on_many_fresh_random_programs() {
    compare_samplers(300, fresh(), 200_000);
}

/// True if the search ended on a deadlock (and on nothing else: these programs have no
/// other way to fail).
fn deadlocked(report: &Report<Vec<String>>) -> bool {
    let kind = report.counterexample().map(|cx| cx.kind());
    kind == Some(CounterexampleKind::Deadlock)
}

/// The programs of the tests that `cargo test` runs: the same every time.
fn fixed() -> TestRng {
    TestRng::deterministic_rng(RngAlgorithm::ChaCha)
}

/// Fresh programs for a soak run, from a seed it prints.
fn fresh() -> TestRng {
    TestRng::from_seed(RngAlgorithm::ChaCha, &rand_seed())
}

/// Both sides of a deadlock comparison were exercised: some of the `cases` programs could
/// deadlock, and some could not.
fn both_sides_of_deadlock_exercised(deadlocking: u32, cases: u32) {
    eprintln!("{deadlocking} of {cases} programs could deadlock");
    assert!(
        (3..=cases - 3).contains(&deadlocking),
        "{deadlocking} of {cases} deadlock"
    );
}

fn rand_seed() -> [u8; 32] {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut seed = [0u8; 32];
    seed[..16].copy_from_slice(&nanos.to_le_bytes());
    eprintln!("seed {seed:?}");
    seed
}
