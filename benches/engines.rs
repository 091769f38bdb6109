//! Side by side, in one process: the same models on raw loom and raw shuttle, and through
//! interleavings on the same engine and budget. Prints executions, executions/second and
//! the ratios. Run with `cargo bench --bench engines`; `cargo bench --bench engines --
//! facade` (or `rates`, `proofs`, `counterexample`, `chaos`) runs one section; `pct-raw`,
//! `pct-interleavings`, `pct-unrecorded`, `loom-raw`, `loom-raw-cell`, `loom-interleavings`,
//! `loom-raw-3x3` and `loom-interleavings-3x3` run one side of a `rates` row alone, for a
//! profiler.

use interleavings::models::{Counter, CounterGuard, TicketSale};
use interleavings::{Engine, Explorer, Model, Reduction};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

static EXECUTIONS: AtomicU64 = AtomicU64::new(0);

struct Figure {
    executions: u64,
    elapsed: Duration,
}

impl Figure {
    fn rate(&self) -> f64 {
        self.executions as f64 / self.elapsed.as_secs_f64()
    }
}

fn ours<M: Model>(model: M, engine: Engine, jobs: usize) -> Figure {
    let started = Instant::now();
    let report = Explorer::new(model).engine(engine).jobs(jobs).run();
    Figure {
        executions: report.executions(),
        elapsed: started.elapsed(),
    }
}

/// Searches of the counter in each run of its `rates` row.
const COUNTER_SEARCHES: usize = 40;

/// `times` runs of `one`, taken together.
fn repeated(times: usize, one: impl Fn() -> Figure) -> Figure {
    (0..times).map(|_| one()).fold(
        Figure {
            executions: 0,
            elapsed: Duration::ZERO,
        },
        |sum, figure| Figure {
            executions: sum.executions + figure.executions,
            elapsed: sum.elapsed + figure.elapsed,
        },
    )
}

fn raw(run: impl FnOnce()) -> Figure {
    EXECUTIONS.store(0, Ordering::Relaxed);
    let started = Instant::now();
    run();
    Figure {
        executions: EXECUTIONS.load(Ordering::Relaxed),
        elapsed: started.elapsed(),
    }
}

/// Two threads add 1 and 2 three times each under a loom mutex (std `Arc`, as the facade),
/// named `one` and `two` as the catalogue model names them (as the raw ticket offices name
/// their sellers): the model's own work is on both sides.
fn loom_counter() {
    let mut builder = loom::model::Builder::new();
    builder.max_branches = 100_000;
    builder.check(|| {
        EXECUTIONS.fetch_add(1, Ordering::Relaxed);
        let num = Arc::new(loom::sync::Mutex::new(100u64));
        let handles: Vec<_> = [("one", 1u64), ("two", 2)]
            .into_iter()
            .map(|(name, k)| {
                let num = Arc::clone(&num);
                loom::thread::Builder::new()
                    .name(name.to_owned())
                    .spawn(move || {
                        for _ in 0..3 {
                            *num.lock().unwrap() += k;
                        }
                    })
                    .unwrap()
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(*num.lock().unwrap(), 109);
    });
}

/// The locked ticket office against raw shuttle, step for step as the catalogue model:
/// each seller locks, reads the count (check), reads it again (the ticket), writes it, and
/// unlocks; each of the three accesses is one engine step (a read-modify-write on an
/// engine atomic, as a `Shared` access is). With `tally`, the raw model also does the
/// catalogue model's own work: named sellers that return the tickets they sold, and a
/// table of sales checked at the end (see [`tally`]); without it, only the steps.
macro_rules! raw_ticket_office {
    ($engine:ident, $sellers:expr, $tickets:expr, $tally:expr) => {{
        EXECUTIONS.fetch_add(1, Ordering::Relaxed);
        let count = Arc::new($engine::sync::Mutex::new($tickets));
        let step = Arc::new($engine::sync::atomic::AtomicUsize::new(0));
        let handles: Vec<_> = (1..=$sellers)
            .map(|i| {
                let (count, step) = (Arc::clone(&count), Arc::clone(&step));
                let name = if $tally {
                    format!("seller-{i}")
                } else {
                    String::new()
                };
                let handle = $engine::thread::Builder::new()
                    .name(name.clone())
                    .spawn(move || {
                        let mut sold = Vec::new();
                        loop {
                            let mut left = count.lock().unwrap();
                            step.fetch_add(0, Ordering::SeqCst);
                            if *left <= 0 {
                                return sold;
                            }
                            step.fetch_add(0, Ordering::SeqCst);
                            step.fetch_add(1, Ordering::SeqCst);
                            if $tally {
                                sold.push(*left);
                            }
                            *left -= 1;
                        }
                    })
                    .unwrap();
                (name, handle)
            })
            .collect();
        let sales: Vec<_> = handles
            .into_iter()
            .map(|(name, h)| (name, h.join().unwrap()))
            .collect();
        if $tally {
            tally(sales, *count.lock().unwrap(), $tickets);
        }
    }};
}

/// What the catalogue model does after its sellers are joined: a table of who sold each
/// ticket, and the check that every ticket was sold once and none is left.
fn tally(sales: Vec<(String, Vec<i64>)>, left: i64, total: i64) {
    let mut table: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    let mut sold = 0;
    for (name, tickets) in sales {
        for ticket in tickets {
            sold += 1;
            table.entry(ticket).or_default().push(name.clone());
        }
    }
    let wrong = table
        .into_iter()
        .filter(|(ticket, sellers)| sellers.len() > 1 || !(1..=total).contains(ticket))
        .count();
    assert!(wrong == 0 && sold == total && left == 0);
}

/// The locked ticket office as one would write it for a raw engine: a plain count inside
/// the lock, so that only the lock and unlock are engine steps (what the facade's default
/// reduction makes of the catalogue model), with the catalogue model's tally.
macro_rules! natural_ticket_office {
    ($engine:ident, $sellers:expr, $tickets:expr) => {{
        EXECUTIONS.fetch_add(1, Ordering::Relaxed);
        let count = Arc::new($engine::sync::Mutex::new($tickets));
        let handles: Vec<_> = (1..=$sellers)
            .map(|i| {
                let count = Arc::clone(&count);
                let name = format!("seller-{i}");
                let handle = $engine::thread::Builder::new()
                    .name(name.clone())
                    .spawn(move || {
                        let mut sold = Vec::new();
                        loop {
                            let mut left = count.lock().unwrap();
                            if *left <= 0 {
                                return sold;
                            }
                            sold.push(*left);
                            *left -= 1;
                        }
                    })
                    .unwrap();
                (name, handle)
            })
            .collect();
        let sales = handles
            .into_iter()
            .map(|(name, h)| (name, h.join().unwrap()))
            .collect();
        tally(sales, *count.lock().unwrap(), $tickets);
    }};
}

/// The count of [`loom_tickets_cell`]: a plain variable that loom checks for data races,
/// as the facade checks a `Shared`. loom's cell is not `Sync`; the model's lock is what
/// makes sharing it sound.
struct Count(loom::cell::UnsafeCell<i64>);

// SAFETY: every access but the last is made under the model's lock, and the last after
// every seller was joined; loom itself checks that no two accesses race.
unsafe impl Sync for Count {}

impl Count {
    fn get(&self) -> i64 {
        // SAFETY: see the `Sync` impl; loom panics on an access that races.
        self.0.with(|count| unsafe { *count })
    }

    fn set(&self, value: i64) {
        // SAFETY: as in `get`.
        self.0.with_mut(|count| unsafe { *count = value })
    }
}

/// The catalogue model as one writes it for raw loom: a lock that guards nothing itself and
/// a plain count (loom's race-checked cell) read twice and written once under it, as the
/// facade's `Shared` is. Without `every_access_a_step`, only the lock and unlock are loom
/// steps (cell accesses are checked for races, not scheduled), which is what the facade's
/// default reduction makes of the catalogue model; with it, each access of the count is
/// also a step (a read-modify-write of a loom atomic just before it), as with
/// `Reduction::Off`. With the catalogue model's tally.
fn loom_tickets_cell(sellers: usize, tickets: i64, every_access_a_step: bool) {
    let mut builder = loom::model::Builder::new();
    builder.max_branches = 100_000;
    builder.check(move || {
        EXECUTIONS.fetch_add(1, Ordering::Relaxed);
        let count = Arc::new(Count(loom::cell::UnsafeCell::new(tickets)));
        let lock = Arc::new(loom::sync::Mutex::new(()));
        let step = every_access_a_step.then(|| Arc::new(loom::sync::atomic::AtomicUsize::new(0)));
        let handles: Vec<_> = (1..=sellers)
            .map(|i| {
                let (count, lock, step) = (Arc::clone(&count), Arc::clone(&lock), step.clone());
                let name = format!("seller-{i}");
                let handle = loom::thread::Builder::new()
                    .name(name.clone())
                    .spawn(move || {
                        let pass = |add| {
                            if let Some(step) = &step {
                                step.fetch_add(add, Ordering::SeqCst);
                            }
                        };
                        let mut sold = Vec::new();
                        loop {
                            let _held = lock.lock().unwrap();
                            pass(0);
                            if count.get() <= 0 {
                                return sold;
                            }
                            pass(0);
                            let ticket = count.get();
                            pass(1);
                            count.set(ticket - 1);
                            sold.push(ticket);
                        }
                    })
                    .unwrap();
                (name, handle)
            })
            .collect();
        let sales = handles
            .into_iter()
            .map(|(name, h)| (name, h.join().unwrap()))
            .collect();
        tally(sales, count.get(), tickets);
    });
}

fn loom_tickets_natural(sellers: usize, tickets: i64) {
    let mut builder = loom::model::Builder::new();
    builder.max_branches = 100_000;
    builder.check(move || natural_ticket_office!(loom, sellers, tickets));
}

/// Raw shuttle's exhaustive DFS (no reduction) on the natural office.
fn shuttle_dfs_tickets_natural(sellers: usize, tickets: i64) {
    let scheduler = shuttle::scheduler::DfsScheduler::new(None, false);
    let mut config = shuttle::Config::new();
    config.failure_persistence = shuttle::FailurePersistence::None;
    // Shuttle installs a process-wide panic hook, which would report loom's own internal
    // panics in the runs that follow as failed shuttle tests: put the previous one back.
    let hook = std::panic::take_hook();
    shuttle::Runner::new(scheduler, config)
        .run(move || natural_ticket_office!(shuttle, sellers, tickets));
    std::panic::set_hook(hook);
}

fn shuttle_tickets(sellers: usize, tickets: i64, iterations: usize, seed: u64) {
    shuttle_office(sellers, tickets, iterations, seed, true)
}

fn shuttle_office(sellers: usize, tickets: i64, iterations: usize, seed: u64, tally: bool) {
    let scheduler = shuttle::scheduler::PctScheduler::new_from_seed(seed, 3, iterations);
    let mut config = shuttle::Config::new();
    config.failure_persistence = shuttle::FailurePersistence::None;
    shuttle::Runner::new(scheduler, config)
        .run(move || raw_ticket_office!(shuttle, sellers, tickets, tally));
}

fn row(name: &str, compared: &Alternated) {
    let (raw, ours) = (&compared.first, &compared.second);
    println!(
        "| {name} | {} | {:.0}/s | {} | {:.0}/s | {:.2} | {:.2} | {:.2}–{:.2} |",
        raw.executions,
        raw.rate(),
        ours.executions,
        ours.rate(),
        compared.ratio(),
        compared.median(),
        compared.middle_half().0,
        compared.middle_half().1,
    );
}

/// The sections, in the order a full run prints them; `cargo bench --bench engines -- NAME`
/// runs the named ones only.
const SECTIONS: [(&str, fn()); 5] = [
    ("rates", rates),
    ("proofs", proofs),
    ("counterexample", counterexample),
    ("chaos", chaos),
    ("facade", facade),
];

type OneSide = fn() -> Figure;

/// One side of a `rates` row each, run only when named: for a profiler, whose figures
/// (instructions executed, cache misses) the load of a shared machine does not move. For
/// instance `valgrind --tool=callgrind target/release/deps/engines-HASH pct-raw`.
const ONE_SIDED: [(&str, OneSide); 12] = [
    ("pct-raw", || raw(|| shuttle_tickets(10, 50, 1_000, 1))),
    ("pct-interleavings", || {
        ours(
            TicketSale::guarded(10, 50),
            Engine::pct(1_000, 3).seed(1),
            1,
        )
    }),
    ("pct-unrecorded", || {
        ours(
            TicketSale::guarded(10, 50),
            Engine::pct(1_000, 3).seed(1).unrecorded(),
            1,
        )
    }),
    // The counter's row: 40 searches of 105 executions.
    ("loom-raw-counter", || {
        repeated(COUNTER_SEARCHES, || raw(loom_counter))
    }),
    ("loom-interleavings-counter", || {
        repeated(COUNTER_SEARCHES, || {
            ours(Counter::new(CounterGuard::Mutex), Engine::loom(), 1)
        })
    }),
    ("loom-raw", || raw(|| loom_tickets_natural(3, 2))),
    ("loom-raw-cell", || raw(|| loom_tickets_cell(3, 2, false))),
    // Every access of the count a loom step, on both sides (`Reduction::Off`).
    ("loom-raw-every", || raw(|| loom_tickets_cell(3, 2, true))),
    ("loom-interleavings-every", || {
        ours(
            TicketSale::guarded(3, 2),
            Engine::loom().reduction(Reduction::Off),
            1,
        )
    }),
    ("loom-interleavings", || {
        ours(TicketSale::guarded(3, 2), Engine::loom(), 1)
    }),
    // The exhaustive model, three times as many executions as (3, 2).
    ("loom-raw-3x3", || raw(|| loom_tickets_natural(3, 3))),
    ("loom-interleavings-3x3", || {
        ours(TicketSale::guarded(3, 3), Engine::loom(), 1)
    }),
];

fn main() {
    // cargo passes `--bench`; the other arguments name sections.
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let names = || SECTIONS.iter().map(|(name, _)| *name);
    let one_sided_names = || ONE_SIDED.iter().map(|(name, _)| *name);
    if let Some(unknown) = wanted
        .iter()
        .find(|w| !names().chain(one_sided_names()).any(|name| name == *w))
    {
        let all: Vec<&str> = names().chain(one_sided_names()).collect();
        eprintln!(
            "unknown section `{unknown}`: the sections are {}",
            all.join(", ")
        );
        std::process::exit(2);
    }
    for (name, section) in SECTIONS {
        if wanted.is_empty() || wanted.iter().any(|w| w == name) {
            section();
        }
    }
    for (name, side) in ONE_SIDED {
        if wanted.iter().any(|w| w == name) {
            let figure = side();
            println!(
                "{name}: {} executions in {:.3} s",
                figure.executions,
                figure.elapsed.as_secs_f64()
            );
        }
    }
}

/// Rounds of a `rates` comparison of loom (short runs, and ratios within a few points of
/// the 0.95: an odd number, so that the median is one round's ratio).
const LOOM_ROUNDS: usize = 11;

/// Rounds of the other `rates` comparisons (sampling; a run of each side takes longer).
const ROUNDS: usize = 5;

/// Both sides of a comparison run alternately: each one's fastest run, and the second's
/// rate against the first's in each round, in increasing order.
struct Alternated {
    first: Figure,
    second: Figure,
    paired: Vec<f64>,
}

impl Alternated {
    /// The second's best rate against the first's.
    fn ratio(&self) -> f64 {
        self.second.rate() / self.first.rate()
    }

    /// The median over the rounds of the ratio within a round.
    fn median(&self) -> f64 {
        self.paired[self.paired.len() / 2]
    }

    /// The lowest and highest round ratios once the lowest and highest quarter are left
    /// out: how far a single round can be trusted.
    fn middle_half(&self) -> (f64, f64) {
        let quarter = self.paired.len() / 4;
        (
            self.paired[quarter],
            self.paired[self.paired.len() - 1 - quarter],
        )
    }
}

/// Runs `first` and `second` alternately `rounds` times and keeps each one's fastest run.
/// On a shared host, interference only ever slows a run down: the best of several runs is
/// the truest figure of each side, and alternating puts both through the same spells of
/// load. (A single pair of runs read ratios from 0.62 to 1.09 on one quiet day.) The two
/// runs of a round, a moment apart, mostly share their spell of load: the median of the
/// rounds' ratios is the steadier figure when the load comes and goes.
fn best_of_alternated(
    rounds: usize,
    first: impl Fn() -> Figure,
    second: impl Fn() -> Figure,
) -> Alternated {
    let faster = |a: Figure, b: Figure| if b.rate() > a.rate() { b } else { a };
    let (mut best_first, mut best_second) = (first(), second());
    let mut paired = vec![best_second.rate() / best_first.rate()];
    for _ in 1..rounds {
        let (one, two) = (first(), second());
        paired.push(two.rate() / one.rate());
        best_first = faster(best_first, one);
        best_second = faster(best_second, two);
    }
    paired.sort_by(f64::total_cmp);
    Alternated {
        first: best_first,
        second: best_second,
        paired,
    }
}

/// Executions per second, raw engines against the same models through the facade, and
/// sampling with one and two jobs.
fn rates() {
    println!(
        "Best of {LOOM_ROUNDS} (loom) or {ROUNDS} (PCT) alternated runs of each side; the last \
         columns are the median over the rounds of the ratio of the two runs of a round, and \
         the range of the middle half of those ratios.\n\n\
         | model, engine | raw executions | raw rate | interleavings executions | interleavings rate | rate ratio | median ratio of the rounds | middle half of the rounds |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    // One search of the counter takes 2.5 ms: a run of one search each read anywhere from
    // 0.87 to 0.99 on one quiet day, so each run makes several.
    let compared = best_of_alternated(
        LOOM_ROUNDS,
        || repeated(COUNTER_SEARCHES, || raw(loom_counter)),
        || {
            repeated(COUNTER_SEARCHES, || {
                ours(Counter::new(CounterGuard::Mutex), Engine::loom(), 1)
            })
        },
    );
    row(
        &format!("counter/mutex, loom ({COUNTER_SEARCHES} searches a run)"),
        &compared,
    );
    let compared = best_of_alternated(
        LOOM_ROUNDS,
        || raw(|| loom_tickets_natural(3, 3)),
        || ours(TicketSale::guarded(3, 3), Engine::loom(), 1),
    );
    row("tickets(3,3)/mutex, loom (default reduction)", &compared);
    let compared = best_of_alternated(
        LOOM_ROUNDS,
        || raw(|| loom_tickets_cell(3, 3, false)),
        || ours(TicketSale::guarded(3, 3), Engine::loom(), 1),
    );
    row(
        "tickets(3,3)/mutex, loom, raw count in loom's race-checked cell",
        &compared,
    );
    let compared = best_of_alternated(
        LOOM_ROUNDS,
        || raw(|| loom_tickets_cell(3, 3, true)),
        || {
            ours(
                TicketSale::guarded(3, 3),
                Engine::loom().reduction(Reduction::Off),
                1,
            )
        },
    );
    row("tickets(3,3)/mutex, loom, every access a step", &compared);
    let pct = |iterations, jobs| {
        ours(
            TicketSale::guarded(10, 50),
            Engine::pct(iterations, 3).seed(1),
            jobs,
        )
    };
    let compared = best_of_alternated(
        ROUNDS,
        || raw(|| shuttle_tickets(10, 50, 10_000, 1)),
        || pct(10_000, 1),
    );
    row("tickets(10,50)/mutex, PCT 10,000", &compared);
    // What recording (the trace, happens-before) costs: the same run without it.
    let compared = best_of_alternated(
        ROUNDS,
        || raw(|| shuttle_tickets(10, 50, 10_000, 1)),
        || {
            ours(
                TicketSale::guarded(10, 50),
                Engine::pct(10_000, 3).seed(1).unrecorded(),
                1,
            )
        },
    );
    row("tickets(10,50)/mutex, PCT 10,000, unrecorded", &compared);
    let compared = best_of_alternated(
        ROUNDS,
        || raw(|| shuttle_office(10, 50, 10_000, 1, false)),
        || pct(10_000, 1),
    );
    row(
        "tickets(10,50)/mutex, PCT 10,000, raw without the tally",
        &compared,
    );
    // What the machine itself gives two threads: raw shuttle on one OS thread, then two
    // raw runs of half the iterations each on two OS threads at once.
    let machine = best_of_alternated(
        ROUNDS,
        || raw(|| shuttle_tickets(10, 50, 10_000, 1)),
        || {
            raw(|| {
                std::thread::scope(|scope| {
                    for seed in [1, 2] {
                        scope.spawn(move || shuttle_tickets(10, 50, 5_000, seed));
                    }
                })
            })
        },
    );
    let short = best_of_alternated(ROUNDS, || pct(10_000, 1), || pct(10_000, 2));
    // Chunks of 1,000 are dealt to the jobs as they free up, so a longer run loses less
    // to the last chunk, when one job may already be idle.
    let long = best_of_alternated(ROUNDS, || pct(40_000, 1), || pct(40_000, 2));
    println!();
    println!(
        "PCT 40,000 on tickets(10,50)/mutex: jobs 1 {:.0}/s, jobs 2 {:.0}/s, ratio {:.2} (median of the rounds {:.2})",
        long.first.rate(),
        long.second.rate(),
        long.ratio(),
        long.median()
    );
    println!(
        "PCT 10,000 on tickets(10,50)/mutex: jobs 1 {:.0}/s, jobs 2 {:.0}/s, ratio {:.2} (median {:.2}); raw shuttle on one and two OS threads: {:.0}/s, {:.0}/s, ratio {:.2} (median {:.2}; the machine's ceiling)",
        short.first.rate(),
        short.second.rate(),
        short.ratio(),
        short.median(),
        machine.first.rate(),
        machine.second.rate(),
        machine.ratio(),
        machine.median()
    );
    println!();
}

/// Time to prove the locked ticket office, raw engines against ours: what a user waits
/// for, whatever the executions per second. Raw shuttle's DFS has no reduction, so it runs
/// only the smallest size.
fn proofs() {
    println!(
        "| model | raw loom | raw shuttle DFS | interleavings loom | interleavings DFS | raw loom / interleavings DFS |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    let cell = |f: &Figure| {
        format!(
            "{} executions, {:.3} s",
            f.executions,
            f.elapsed.as_secs_f64()
        )
    };
    for (sellers, tickets) in [(3, 2), (3, 3)] {
        let raw_loom = raw(|| loom_tickets_natural(sellers, tickets));
        let raw_dfs = (sellers, tickets) == (3, 2);
        let raw_shuttle = raw_dfs.then(|| raw(|| shuttle_dfs_tickets_natural(sellers, tickets)));
        let model = TicketSale::guarded(sellers, tickets as u32);
        let our_loom = ours(model, Engine::loom(), 1);
        let our_dfs = ours(model, Engine::dfs(), 1);
        println!(
            "| tickets({sellers},{tickets})/mutex | {} | {} | {} | {} | {:.0}× |",
            cell(&raw_loom),
            raw_shuttle.as_ref().map_or("not run".to_owned(), cell),
            cell(&our_loom),
            cell(&our_dfs),
            raw_loom.elapsed.as_secs_f64() / our_dfs.elapsed.as_secs_f64()
        );
    }
    println!();
}

/// Time to a minimised counterexample in the seed-size office.
fn counterexample() {
    let mut times = Vec::new();
    for seed in 1..=7 {
        let started = Instant::now();
        let report = Explorer::new(TicketSale::unguarded(10, 50))
            .engine(Engine::pct(10_000, 3).seed(seed))
            .jobs(1)
            .run();
        let cx = report.counterexample().expect("the race");
        times.push((started.elapsed(), report.executions(), cx.preemptions()));
    }
    times.sort();
    let (median, executions, preemptions) = times[times.len() / 2];
    println!(
        "tickets(10,50)/none, PCT: median {:.1} ms to a minimised counterexample ({} executions, {} preemption(s)), 7 seeds",
        median.as_secs_f64() * 1e3,
        executions,
        preemptions
    );
    println!();
}

/// How often the unguarded office goes wrong on real threads, with and without chaos.
fn chaos() {
    println!("Unguarded ticket office on real threads: runs that sell a ticket twice or oversell");
    println!();
    println!("| size | runs | no chaos | chaos (seed 1) |");
    println!("| --- | --- | --- | --- |");
    for (sellers, tickets, runs) in [(2, 1, 500), (3, 3, 500), (4, 4, 500), (10, 50, 100)] {
        let broken = |chaos: Option<u64>| {
            let mut engine = Engine::std().runs(runs);
            if let Some(seed) = chaos {
                engine = engine.chaos(seed);
            }
            let report = Explorer::new(TicketSale::unguarded(sellers, tickets))
                .engine(engine)
                .keep_going()
                .minimize(false)
                .run();
            let table = report.to_json();
            let bad: u64 = table
                .outcomes
                .iter()
                .filter(|o| !o.holds)
                .map(|o| o.count)
                .sum();
            100.0 * bad as f64 / report.executions() as f64
        };
        println!(
            "| {sellers} x {tickets} | {runs} | {:.1} % | {:.1} % |",
            broken(None),
            broken(Some(1))
        );
    }
    println!();
}

/// The facade's cost on an uncontended lock: outside explorations and inside the std engine.
fn facade() {
    // Best of several alternating rounds: the machine's noise only ever adds time.
    let rounds = 1_000_000;
    let std_mutex = std::sync::Mutex::new(0u64);
    let facade = interleavings::sync::Mutex::new(0u64);
    let (mut plain, mut ours_outside) = (Duration::MAX, Duration::MAX);
    for _ in 0..7 {
        let started = Instant::now();
        for _ in 0..rounds {
            *std::hint::black_box(&std_mutex).lock().unwrap() += 1;
        }
        plain = plain.min(started.elapsed());
        let started = Instant::now();
        for _ in 0..rounds {
            *std::hint::black_box(&facade).lock().unwrap() += 1;
        }
        ours_outside = ours_outside.min(started.elapsed());
    }
    println!(
        "uncontended lock+unlock, {rounds} rounds outside any exploration (best of 7): std {:.1} ns, facade {:.1} ns, ratio {:.2}",
        plain.as_nanos() as f64 / rounds as f64,
        ours_outside.as_nanos() as f64 / rounds as f64,
        ours_outside.as_secs_f64() / plain.as_secs_f64()
    );
    let per_run = 10_000;
    let started = Instant::now();
    let report = interleavings::explore(move || {
        let m = interleavings::sync::Mutex::new(0u64);
        for _ in 0..per_run {
            *m.lock().unwrap() += 1;
        }
    })
    .engine(Engine::std().runs(10))
    .max_steps(10 * per_run)
    .run();
    let inside = started.elapsed();
    assert!(report.holds());
    println!(
        "uncontended lock+unlock inside the std engine (every step recorded): {:.1} ns, {:.1}x std",
        inside.as_nanos() as f64 / (10 * per_run) as f64,
        (inside.as_secs_f64() / (10 * per_run) as f64) / (plain.as_secs_f64() / rounds as f64)
    );
    // Unrecorded: both loops on the same model thread of the same run, alternating, best of
    // 7 runs (the run's own setup is not in either figure).
    let best = Arc::new(std::sync::Mutex::new((Duration::MAX, Duration::MAX)));
    let kept = Arc::clone(&best);
    let report = interleavings::explore(move || {
        let plain = std::sync::Mutex::new(0u64);
        let facade = interleavings::sync::Mutex::new(0u64);
        let started = Instant::now();
        for _ in 0..rounds {
            *std::hint::black_box(&plain).lock().unwrap() += 1;
        }
        let plain_time = started.elapsed();
        let started = Instant::now();
        for _ in 0..rounds {
            *std::hint::black_box(&facade).lock().unwrap() += 1;
        }
        let facade_time = started.elapsed();
        let mut best = kept.lock().unwrap();
        *best = (best.0.min(plain_time), best.1.min(facade_time));
    })
    .engine(Engine::std().runs(7).unrecorded())
    .max_steps(2 * rounds)
    .run();
    assert!(report.holds(), "{report}");
    let (plain, facade) = *best.lock().unwrap();
    println!(
        "uncontended lock+unlock inside an unrecorded std run, {rounds} rounds on the same model thread (best of 7): std {:.1} ns, facade {:.1} ns, ratio {:.2}",
        plain.as_nanos() as f64 / rounds as f64,
        facade.as_nanos() as f64 / rounds as f64,
        facade.as_secs_f64() / plain.as_secs_f64()
    );
}
