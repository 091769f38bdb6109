//! Sampling searches in chunks: spread over OS threads (`jobs`) and machines (`shard`), and
//! assembled in chunk order, so that the result does not depend on either.
//!
//! A random or PCT search of `n` iterations is cut into chunks of [`CHUNK`] executions;
//! chunk `k` runs with a seed derived from the engine's seed and `k` (chunk 0 keeps the seed
//! itself). Workers take chunks in order; once a chunk fails, later chunks are skipped, but
//! every earlier chunk still runs to its end. The report is then put together from chunks
//! `0..=k` only: the same executions, outcomes and counterexample however many workers
//! there were and whatever order they finished in.

use crate::engine::{Engine, EngineKind};
use crate::error::Error;
use crate::explore::{Explorer, Model};
use crate::report::{Report, Shard, Verdict};
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
            chunk_engines(engine, *iterations)
        }
        EngineKind::Std { runs, .. } if jobs > 1 || shard.is_some() => chunk_engines(engine, *runs),
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
    let mine: Vec<(usize, Engine)> = chunks
        .into_iter()
        .enumerate()
        .filter(|(k, _)| shard.is_none_or(|(index, count)| k % count == index - 1))
        .collect();
    let mut report = run_chunks(explorer, &mine, jobs, time_limit)?;
    report.engine = match shard {
        Some((index, count)) => format!("{engine}, shard {index}/{count}"),
        None => engine.to_string(),
    };
    report.shard = shard.map(|(index, count)| Shard {
        index,
        count,
        part_complete: !matches!(report.verdict, Verdict::Incomplete { .. }),
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

/// The engines of each chunk of an `total`-execution sampling search.
fn chunk_engines(engine: &Engine, total: u64) -> Vec<Engine> {
    let count = total.div_ceil(CHUNK).max(1);
    (0..count)
        .map(|k| {
            let size = CHUNK.min(total - k * CHUNK);
            let mut chunk = engine.clone();
            match &mut chunk.kind {
                EngineKind::Random { iterations, seed }
                | EngineKind::Pct {
                    iterations, seed, ..
                } => {
                    *iterations = size;
                    *seed = derive(*seed, k);
                }
                EngineKind::Std { runs, chaos } => {
                    *runs = size;
                    *chaos = chaos.map(|c| derive(c, k));
                }
                _ => unreachable!("only sampling engines are chunked"),
            }
            chunk
        })
        .collect()
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

fn run_chunks<M: Model>(
    explorer: &Explorer<M>,
    chunks: &[(usize, Engine)],
    jobs: usize,
    time_limit: Option<Duration>,
) -> Result<Report<M::Outcome>, Error> {
    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let first_failed = AtomicUsize::new(usize::MAX);
    type Slot<O> = Mutex<Option<Result<Report<O>, Error>>>;
    let results: Vec<Slot<M::Outcome>> = chunks.iter().map(|_| Mutex::new(None)).collect();
    let work = || {
        loop {
            let position = next.fetch_add(1, Ordering::Relaxed);
            if position >= chunks.len() || position > first_failed.load(Ordering::Relaxed) {
                return;
            }
            let remaining = time_limit.map(|limit| limit.saturating_sub(started.elapsed()));
            let result = explorer.main_search(&chunks[position].1, remaining);
            let stop = match &result {
                Ok(report) => {
                    (report.is_violated() && !explorer.keeps_going())
                        || matches!(report.verdict, Verdict::Incomplete { .. })
                }
                Err(_) => true,
            };
            if stop {
                first_failed.fetch_min(position, Ordering::Relaxed);
            }
            *results[position].lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..jobs.min(chunks.len()) {
            scope.spawn(work);
        }
        work();
    });
    let last = first_failed
        .load(Ordering::Relaxed)
        .min(chunks.len().saturating_sub(1));
    let mut parts = Vec::new();
    for slot in results.into_iter().take(last + 1) {
        match slot.into_inner().unwrap_or_else(|p| p.into_inner()) {
            Some(result) => parts.push(result?),
            None => unreachable!("every chunk up to the first failing one runs"),
        }
    }
    let mut report = assemble(parts);
    report.elapsed = started.elapsed();
    Ok(report)
}

/// One report from the chunks' reports, in chunk order: counts add up, the counterexample
/// is the first chunk's that has one, numbered among all executions before it.
fn assemble<O: Ord + Clone>(parts: Vec<Report<O>>) -> Report<O> {
    let mut parts = parts.into_iter();
    let mut total = parts.next().expect("at least one chunk");
    for part in parts {
        let before = total.executions;
        total.executions += part.executions;
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
    }
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
    total
}
