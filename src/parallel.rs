//! Sampling searches in chunks: spread over OS threads (`jobs`) and machines (`shard`), and
//! assembled in chunk order, so that the result does not depend on either.
//!
//! A random or PCT search of `n` iterations is cut into chunks of [`CHUNK`] executions;
//! chunk `k` runs with a seed derived from the engine's seed and `k` (chunk 0 keeps the seed
//! itself). Workers take chunks in order; once a chunk fails, later chunks are skipped, but
//! every earlier chunk still runs to its end. The report is then put together from chunks
//! `0..=k` only: the same executions, outcomes and counterexample however many workers
//! there were and whatever order they finished in. A time limit ends the run before the
//! first chunk (after chunk 0) it leaves without an execution; chunk 0 always counts, so
//! that a run with no execution at all is `Incomplete`, never passed.

use crate::engine::{Engine, EngineKind};
use crate::error::Error;
use crate::explore::{Explorer, Model};
use crate::report::{Report, Shard, Verdict};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Executions per chunk of a sampling search.
pub const CHUNK: u64 = 1_000;

pub(crate) fn run<M: Model>(explorer: &Explorer<M>) -> Result<Report<M::Outcome>, Error> {
    let (jobs, shard, time_limit) = explorer.settings();
    if let Some((index, count)) = shard {
        if count == 0 || index == 0 || index > count {
            return Err(Error::InvalidEngine(format!(
                "shard {index}/{count} does not exist: shards are numbered 1 to N, N at least 1"
            )));
        }
    }
    let engine = explorer.engine_ref();
    let chunks = match &engine.kind {
        EngineKind::Random { iterations, .. } | EngineKind::Pct { iterations, .. } => {
            Chunks::new(engine, *iterations, shard)
        }
        EngineKind::Std { runs, .. } if jobs > 1 || shard.is_some() => {
            Chunks::new(engine, *runs, shard)
        }
        EngineKind::Dfs { .. } => {
            let mut report = explorer.main_search(&with_shard(engine, shard), time_limit)?;
            if let Some((index, count)) = shard {
                report.engine = format!("{engine}, shard {index}/{count}");
                report.shard = Some(Shard {
                    index,
                    count,
                    part_complete: matches!(report.verdict, Verdict::Proved { .. }),
                });
                // One part of a search proves nothing about the whole.
                if let Verdict::Proved { executions } = report.verdict {
                    report.verdict = Verdict::Incomplete {
                        executions,
                        reason: format!(
                            "shard {index}/{count} explored its part of the search to the end; \
                             merge all {count} parts for the verdict"
                        ),
                    };
                }
            }
            return Ok(report);
        }
        _ if shard.is_some() => {
            return Err(Error::InvalidEngine(format!(
                "the {} engine cannot be sharded (random, pct, std and dfs can)",
                engine.name()
            )));
        }
        _ => return explorer.main_search(engine, time_limit),
    };
    let mut report = match (chunks.len, shard) {
        (0, Some((index, count))) => empty_shard(explorer, &chunks, index, count),
        _ => run_chunks(explorer, &chunks, jobs, time_limit)?,
    };
    report.engine = match shard {
        Some((index, count)) => format!("{engine}, shard {index}/{count}"),
        None => engine.to_string(),
    };
    report.shard = shard.map(|(index, count)| Shard {
        index,
        count,
        part_complete: chunks.len == 0 || !matches!(report.verdict, Verdict::Incomplete { .. }),
    });
    Ok(report)
}

fn with_shard(engine: &Engine, shard: Option<(usize, usize)>) -> Engine {
    let mut engine = engine.clone();
    if let EngineKind::Dfs { shard: part, .. } = &mut engine.kind {
        *part = shard;
    }
    engine
}

/// The chunks of a sampling search that this run takes, each made when it is taken: a
/// search of 10⁹ executions has a million of them.
struct Chunks<'e> {
    engine: &'e Engine,
    /// Executions of the whole search, over every shard.
    total: u64,
    /// The number, in the whole search, of this run's first chunk, and the distance between
    /// its chunks (a shard takes every `count`-th chunk).
    first: u64,
    stride: u64,
    /// How many chunks this run takes.
    len: usize,
}

impl<'e> Chunks<'e> {
    fn new(engine: &'e Engine, total: u64, shard: Option<(usize, usize)>) -> Self {
        let all = total.div_ceil(CHUNK).max(1);
        let (first, stride) =
            shard.map_or((0, 1), |(index, count)| (index as u64 - 1, count as u64));
        Chunks {
            engine,
            total,
            first,
            stride,
            len: usize::try_from(all.saturating_sub(first).div_ceil(stride))
                .expect("fewer chunks than addressable memory"),
        }
    }

    /// The engine of this run's chunk at `position`.
    fn engine(&self, position: usize) -> Engine {
        let k = self.first + position as u64 * self.stride;
        let size = CHUNK.min(self.total - k * CHUNK);
        let mut chunk = self.engine.clone();
        match &mut chunk.kind {
            EngineKind::Random {
                iterations, seed, ..
            }
            | EngineKind::Pct {
                iterations, seed, ..
            } => {
                *iterations = size;
                *seed = derive(*seed, k);
            }
            EngineKind::Std { runs, chaos, .. } => {
                *runs = size;
                *chaos = chaos.map(|c| derive(c, k));
            }
            _ => unreachable!("only sampling engines are chunked"),
        }
        chunk
    }
}

/// The seed of chunk `k`: the engine's own for chunk 0, then splitmix64 steps.
fn derive(seed: u64, k: u64) -> u64 {
    if k == 0 {
        return seed;
    }
    let mut z = seed.wrapping_add(k.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The report of a shard that has no chunk (more shards than chunks): its part is done,
/// and it says so rather than passing on no evidence.
fn empty_shard<M: Model>(
    explorer: &Explorer<M>,
    chunks: &Chunks,
    index: usize,
    count: usize,
) -> Report<M::Outcome> {
    Report {
        model: explorer.model_name(),
        engine: String::new(),
        verdict: Verdict::Incomplete {
            executions: 0,
            reason: format!(
                "shard {index}/{count} has no executions to run: {} executions make {} \
                 chunk(s) of at most {CHUNK}; merge all {count} parts for the verdict",
                chunks.total,
                chunks.total.div_ceil(CHUNK)
            ),
        },
        outcomes: BTreeMap::new(),
        violating: BTreeMap::new(),
        executions: 0,
        elapsed: Duration::ZERO,
        replayed: None,
        saved: None,
        shard: None,
        explored: None,
        deferred_yields: false,
    }
}

fn run_chunks<M: Model>(
    explorer: &Explorer<M>,
    chunks: &Chunks,
    jobs: usize,
    time_limit: Option<Duration>,
) -> Result<Report<M::Outcome>, Error> {
    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let first_failed = AtomicUsize::new(usize::MAX);
    // The first chunk after the first one that the time limit left without an execution:
    // the run ends before it. (The first chunk always counts: with no execution at all the
    // run is `Incomplete`, not passed.)
    let first_unrun = AtomicUsize::new(usize::MAX);
    let out_of_time = || time_limit.is_some_and(|limit| started.elapsed() >= limit);
    let assembly = Mutex::new(Assembly::default());
    let work = || {
        loop {
            let position = next.fetch_add(1, Ordering::Relaxed);
            if position >= chunks.len
                || position > first_failed.load(Ordering::Relaxed)
                || position > first_unrun.load(Ordering::Relaxed)
            {
                return;
            }
            if position > 0 && out_of_time() {
                first_unrun.fetch_min(position, Ordering::Relaxed);
                return;
            }
            let remaining = time_limit.map(|limit| limit.saturating_sub(started.elapsed()));
            let result = explorer.main_search(&chunks.engine(position), remaining);
            if position > 0
                && out_of_time()
                && matches!(
                    &result,
                    Ok(Report {
                        verdict: Verdict::Incomplete { executions: 0, .. },
                        ..
                    })
                )
            {
                first_unrun.fetch_min(position, Ordering::Relaxed);
                return;
            }
            let ends_the_run = match &result {
                Ok(report) => {
                    (report.is_violated() && !explorer.keeps_going())
                        || matches!(report.verdict, Verdict::Incomplete { .. })
                }
                Err(_) => true,
            };
            if ends_the_run {
                first_failed.fetch_min(position, Ordering::Relaxed);
            }
            assembly
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .add(position, result, ends_the_run);
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..jobs.min(chunks.len) {
            scope.spawn(work);
        }
        work();
    });
    let mut report = assembly
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .finish()?;
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The chunks' reports put together in chunk order as they come in: counts add up, the
/// counterexample is the first chunk's that has one, numbered among all executions before
/// it. Only the chunks from the first to the first one that ends the run count; reports
/// that arrive ahead of their turn wait (at most one per job).
struct Assembly<O> {
    total: Option<Report<O>>,
    /// Position of the next chunk to add to `total`.
    turn: usize,
    waiting: BTreeMap<usize, (Result<Report<O>, Error>, bool)>,
    /// A chunk that ends the run has been added (or failed): later ones do not count.
    ended: Option<Result<(), Error>>,
}

impl<O> Default for Assembly<O> {
    fn default() -> Self {
        Assembly {
            total: None,
            turn: 0,
            waiting: BTreeMap::new(),
            ended: None,
        }
    }
}

impl<O: Ord + Clone> Assembly<O> {
    fn add(&mut self, position: usize, result: Result<Report<O>, Error>, ends_the_run: bool) {
        self.waiting.insert(position, (result, ends_the_run));
        while self.ended.is_none() {
            let Some((result, ends_the_run)) = self.waiting.remove(&self.turn) else {
                return;
            };
            self.turn += 1;
            match result {
                Ok(part) => {
                    self.total = Some(match self.total.take() {
                        None => part,
                        Some(total) => append(total, part),
                    });
                    if ends_the_run {
                        self.ended = Some(Ok(()));
                    }
                }
                Err(error) => self.ended = Some(Err(error)),
            }
        }
    }

    fn finish(self) -> Result<Report<O>, Error> {
        if let Some(Err(error)) = self.ended {
            return Err(error);
        }
        let mut total = self.total.expect("the first chunk always runs");
        total.verdict = match total.verdict {
            Verdict::Passed { .. } => Verdict::Passed {
                executions: total.executions,
            },
            Verdict::Incomplete { reason, .. } => Verdict::Incomplete {
                executions: total.executions,
                reason,
            },
            other => other,
        };
        Ok(total)
    }
}

/// `total` followed by `part`.
fn append<O: Ord + Clone>(mut total: Report<O>, part: Report<O>) -> Report<O> {
    let before = total.executions;
    total.executions += part.executions;
    total.deferred_yields |= part.deferred_yields;
    for (outcome, count) in part.outcomes {
        *total.outcomes.entry(outcome).or_insert(0) += count;
    }
    for (outcome, message) in part.violating {
        total.violating.entry(outcome).or_insert(message);
    }
    total.verdict = match (total.verdict, part.verdict) {
        (Verdict::Violated(cx), _) => Verdict::Violated(cx),
        (_, Verdict::Violated(mut cx)) => {
            cx.execution += before;
            Verdict::Violated(cx)
        }
        (Verdict::Incomplete { reason, .. }, _) | (_, Verdict::Incomplete { reason, .. }) => {
            Verdict::Incomplete {
                executions: 0,
                reason,
            }
        }
        (other, _) => other,
    };
    total
}
