//! The std engine: the model as a real program on real OS threads.
//!
//! Sampling only: a run that passes shows one interleaving the OS happened to pick. Seeded
//! chaos yields or sleeps at facade operations to make rare interleavings common. A watchdog
//! turns a deadlock (every live thread waits, and each lock waiter, asked, fails to take its
//! lock once more) into a counterexample and a model that stops making progress into a
//! step-limit counterexample: no run ever hangs the caller.

use super::Job;
use crate::context::{self, Backend, Chaos, Execution, FailureKind, Recording, Status};
use crate::report::CounterexampleKind;
use std::any::Any;
use std::sync::atomic::Ordering;
use std::sync::{Arc, TryLockError, mpsc};
use std::time::{Duration, Instant};

/// How long every live thread must wait, with no step taken, before it is a deadlock.
const DEADLOCK_AFTER: Duration = Duration::from_millis(100);
/// How long a run may take no step at all before it is reported as stuck.
const STUCK_AFTER: Duration = Duration::from_secs(10);
/// How long aborted threads get to unwind before the run is abandoned.
const UNWIND_GRACE: Duration = Duration::from_secs(2);
const POLL: Duration = Duration::from_millis(2);

pub(crate) fn drive(
    job: Arc<dyn Job>,
    runs: u64,
    chaos: Option<u64>,
    recording: Recording,
) -> Result<(), Box<dyn Any + Send>> {
    for run in 0..runs {
        let chaos = chaos.map(|seed| chaos_of_run(seed, run));
        if !job.more() {
            break;
        }
        let execution = job.begin(Backend::Std, chaos, recording);
        let (done, finished) = mpsc::channel::<()>();
        let main = {
            let job = Arc::clone(&job);
            let execution = Arc::clone(&execution);
            std::thread::Builder::new()
                .name("interleavings-main".into())
                .spawn(move || {
                    // Dropped however the thread ends, which wakes the watchdog.
                    let _done = done;
                    context::install(Arc::clone(&execution), 0);
                    job.run_main(&execution);
                    context::uninstall();
                })
                .expect("cannot spawn the model's main thread")
        };
        if !watch(&execution, &main, &finished) {
            // Threads that cannot be stopped are left behind; say so rather than hang. The
            // watchdog stops a run only for a failure it has recorded (a deadlock, no step
            // for too long), which the note completes.
            execution.add_to_failure(&format!(
                " Its threads could not be stopped within {} s and were left running.",
                UNWIND_GRACE.as_secs()
            ));
        }
        if !job.finish(&execution) {
            break;
        }
    }
    Ok(())
}

/// Waits for the main model thread; returns `false` if it had to be abandoned.
fn watch(
    execution: &Execution,
    main: &std::thread::JoinHandle<()>,
    finished: &mpsc::Receiver<()>,
) -> bool {
    let mut last_steps = execution.steps.load(Ordering::Relaxed);
    let mut last_change = Instant::now();
    // Every live thread has seemed to wait since the last step: the probe asks the lock
    // waiters to show that their locks are still taken (see `Log::waits_confirmed`).
    let mut probe = None;
    while let Err(mpsc::RecvTimeoutError::Timeout) = finished.recv_timeout(POLL) {
        let steps = execution.steps.load(Ordering::Relaxed);
        if steps != last_steps {
            last_steps = steps;
            last_change = Instant::now();
            probe = None;
            continue;
        }
        let idle = last_change.elapsed();
        if idle >= DEADLOCK_AFTER {
            match probe {
                None => probe = execution.raise_deadlock_probe(),
                Some(raised) => {
                    let log = execution.log();
                    if log.probe_void(raised) {
                        // A thread stopped waiting (or ended) since: ask again.
                        probe = None;
                    } else if log.waits_confirmed(raised) {
                        drop(log);
                        let message = execution.deadlock_message();
                        execution.fail(FailureKind::Model(CounterexampleKind::Deadlock), message);
                        return abort(execution, main);
                    }
                }
            }
        }
        if idle >= STUCK_AFTER {
            execution.fail(
                FailureKind::Model(CounterexampleKind::StepLimit),
                format!(
                    "no thread took a step for {} s: a thread spins without touching any \
                     facade object, or blocks outside the facade",
                    STUCK_AFTER.as_secs()
                ),
            );
            return abort(execution, main);
        }
    }
    true
}

fn abort(execution: &Execution, main: &std::thread::JoinHandle<()>) -> bool {
    execution.abort.store(true, Ordering::Relaxed);
    let start = Instant::now();
    while !main.is_finished() {
        if start.elapsed() > UNWIND_GRACE {
            return false;
        }
        std::thread::sleep(POLL);
    }
    true
}

/// Locks a std mutex as a model thread: marks the thread as waiting while it cannot get the
/// lock, and gives up (unwinding) when the watchdog aborts the run.
pub(crate) fn lock<'a, T>(
    mutex: &'a std::sync::Mutex<T>,
    execution: &Execution,
    thread: usize,
    object: crate::race::ObjectId,
    name: &Arc<str>,
) -> std::sync::LockResult<std::sync::MutexGuard<'a, T>> {
    let mut spins = 0u32;
    let mut answered = 0;
    loop {
        // Read before the attempt: a failure answers only a probe raised before it. The
        // first attempt answers none (the thread is not waiting yet), which keeps the load
        // off the uncontended path.
        let probe = if spins > 0 {
            execution.deadlock_probe.load(Ordering::SeqCst)
        } else {
            answered
        };
        match mutex.try_lock() {
            Ok(guard) => {
                if spins > 0 {
                    execution.set_status(thread, Status::Running);
                }
                return Ok(guard);
            }
            Err(TryLockError::Poisoned(poisoned)) => {
                if spins > 0 {
                    execution.set_status(thread, Status::Running);
                }
                return Err(poisoned);
            }
            Err(TryLockError::WouldBlock) => {}
        }
        if probe != answered {
            execution.confirm_probe(thread, probe);
            answered = probe;
        }
        if spins == 0 {
            execution.note_contention(thread, object, name);
            execution.wait_for_lock(thread, object, name);
        }
        if execution.abort.load(Ordering::Relaxed) {
            std::panic::panic_any(context::Stop);
        }
        spins = spins.saturating_add(1);
        if spins < 64 {
            std::thread::yield_now();
        } else {
            std::thread::sleep(Duration::from_micros(50));
        }
    }
}

/// Chaos at one facade operation: mostly nothing, often a yield, sometimes a short sleep.
pub(crate) fn perturb(chaos: Chaos, thread: usize, step: usize) {
    match perturbation(chaos, thread, step) {
        Perturbation::Nothing => {}
        Perturbation::Yield => std::thread::yield_now(),
        Perturbation::Sleep(duration) => std::thread::sleep(duration),
    }
}

/// What chaos does at one facade operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Perturbation {
    Nothing,
    Yield,
    Sleep(Duration),
}

/// The perturbation of `thread`'s operation at `step`: 6 in 16 nothing, 8 a yield, 2 a
/// sleep of 1 to 50 µs.
fn perturbation(chaos: Chaos, thread: usize, step: usize) -> Perturbation {
    let roll = mix(chaos.seed ^ mix(thread as u64) ^ mix(step as u64).rotate_left(17));
    match roll % 16 {
        0..=5 => Perturbation::Nothing,
        6..=13 => Perturbation::Yield,
        _ => Perturbation::Sleep(Duration::from_micros(1 + (roll >> 8) % 50)),
    }
}

/// The perturbation of run `run` of a search seeded with `seed`: its own for every run.
fn chaos_of_run(seed: u64, run: u64) -> Chaos {
    Chaos {
        seed: mix(seed ^ mix(run)),
    }
}

/// splitmix64's finaliser: a well-mixed hash of one word.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Spawns model thread `index` as an OS thread that belongs to `execution`.
pub(crate) fn spawn<T: Send + 'static>(
    execution: Arc<Execution>,
    index: usize,
    name: Option<String>,
    body: impl FnOnce() -> T + Send + 'static,
) -> std::io::Result<std::thread::JoinHandle<T>> {
    let mut builder = std::thread::Builder::new();
    if let Some(name) = name {
        builder = builder.name(name);
    }
    builder.spawn(move || {
        context::install(execution, index);
        let result = body();
        context::uninstall();
        result
    })
}

#[cfg(test)]
mod tests {
    use super::{
        Chaos, CounterexampleKind, FailureKind, POLL, Perturbation, Status, chaos_of_run, lock,
        mix, perturbation, watch,
    };
    use crate::context::{Backend, Execution};
    use crate::trace::Op;
    use std::collections::HashSet;
    use std::sync::atomic::Ordering;
    use std::sync::{Arc, mpsc};
    use std::time::Duration;
    use std::time::Instant;

    #[test]
    fn chaos_does_nothing_yields_and_sleeps_in_the_stated_shares() {
        let mut counts = [0usize; 3];
        let mut sleeps = HashSet::new();
        for seed in [1, 2] {
            for thread in 0..4 {
                for step in 0..2_000 {
                    match perturbation(Chaos { seed }, thread, step) {
                        Perturbation::Nothing => counts[0] += 1,
                        Perturbation::Yield => counts[1] += 1,
                        Perturbation::Sleep(duration) => {
                            assert!((1..=50).contains(&duration.as_micros()), "{duration:?}");
                            sleeps.insert(duration);
                            counts[2] += 1;
                        }
                    }
                }
            }
        }
        // 16,000 operations: 6,000, 8,000 and 2,000 expected, each within 5 %.
        for (count, expected) in counts.iter().zip([6_000.0, 8_000.0, 2_000.0]) {
            assert!(
                (*count as f64 - expected).abs() < expected * 0.05,
                "{counts:?}"
            );
        }
        assert_eq!(sleeps.len(), 50, "every sleep length from 1 to 50 µs");
        assert!(sleeps.contains(&Duration::from_micros(50)));
    }

    #[test]
    fn threads_steps_and_seeds_are_perturbed_independently() {
        // Two independent draws agree about 39 % of the time (6/16 squared plus 8/16
        // squared, plus a little for equal sleeps).
        let alike = |a: (u64, usize, usize), b: (u64, usize, usize)| {
            let draw = |(seed, thread, step)| perturbation(Chaos { seed }, thread, step);
            (0..1_000)
                .filter(|&i| draw((a.0, a.1, a.2 + i)) == draw((b.0, b.1, b.2 + i)))
                .count()
        };
        for (a, b) in [
            ((1, 0, 0), (1, 1, 0)),
            ((1, 2, 0), (1, 3, 0)),
            ((1, 0, 0), (2, 0, 0)),
            ((1, 0, 0), (1, 0, 1_000)),
        ] {
            let same = alike(a, b);
            assert!(
                (300..500).contains(&same),
                "{a:?} {b:?}: {same} of 1,000 alike"
            );
        }
    }

    /// The first outputs of splitmix64 seeded with 0 and with 1, as its reference
    /// implementation gives them: the hash is the published one, not a near miss.
    #[test]
    fn the_mix_is_splitmix64s_finaliser() {
        assert_eq!(mix(0), 0xe220_a839_7b1d_cdaf);
        assert_eq!(mix(1), 0x910a_2dec_8902_5cc1);
    }

    #[test]
    fn every_run_is_perturbed_its_own_way_and_seeds_differ() {
        for seed in [0, 1, 2, u64::MAX] {
            let seeds: HashSet<u64> = (0..10_000)
                .map(|run| chaos_of_run(seed, run).seed)
                .collect();
            assert_eq!(seeds.len(), 10_000, "seed {seed}");
        }
        assert_ne!(chaos_of_run(1, 0).seed, chaos_of_run(2, 0).seed);
    }

    /// An execution whose main thread waits to join thread 1, which has the status `worker`.
    fn main_joining_a_thread_that(worker: Status) -> (Arc<Execution>, usize) {
        let execution = Execution::recorded_for_tests(Backend::Std);
        let thread = execution.add_thread(0, None);
        execution.set_status(thread, worker);
        let join = Status::Waiting {
            op: Op::Join,
            target: thread,
        };
        execution.set_status(0, join);
        (execution, thread)
    }

    fn waiting_for_the_lock() -> Status {
        Status::Waiting {
            op: Op::Lock,
            target: LOCK,
        }
    }

    const LOCK: usize = 7;

    /// Watches a run whose main thread ends by itself after `ms`, or when the run is aborted.
    fn watch_a_main_thread_that_ends_after(execution: &Arc<Execution>, ms: u64) -> bool {
        let (done, finished) = mpsc::channel::<()>();
        let main = {
            let execution = Arc::clone(execution);
            std::thread::spawn(move || {
                let _done = done;
                let start = Instant::now();
                while start.elapsed() < Duration::from_millis(ms)
                    && !execution.abort.load(Ordering::Relaxed)
                {
                    std::thread::sleep(POLL);
                }
            })
        };
        watch(execution, &main, &finished)
    }

    fn failure_kind(execution: &Execution) -> Option<FailureKind> {
        execution.log().failure.as_ref().map(|f| f.kind)
    }

    #[test]
    fn a_lock_waiter_the_os_has_not_run_since_its_lock_came_free_is_no_deadlock() {
        // Nobody runs `lock` for thread 1: it stands for a waiter that stays descheduled
        // (a loaded machine) after its lock came free. It still says it waits.
        let (execution, _) = main_joining_a_thread_that(waiting_for_the_lock());
        assert!(watch_a_main_thread_that_ends_after(&execution, 400));
        assert_eq!(failure_kind(&execution), None);
    }

    #[test]
    fn a_join_of_a_thread_that_has_ended_is_no_deadlock() {
        let (execution, _) = main_joining_a_thread_that(Status::Finished);
        assert!(watch_a_main_thread_that_ends_after(&execution, 400));
        assert_eq!(failure_kind(&execution), None);
    }

    #[test]
    fn an_answer_given_before_a_thread_stopped_waiting_confirms_no_deadlock() {
        // Main waits to join thread 1, which has ended; thread 2 waits for a lock and
        // answers the probe while the lock is taken. Then main's join returns and main
        // waits to join thread 2, and the lock comes free (taking no step: an unlock while
        // unwinding), but thread 2 is not run again. Its answer predates main's change.
        let (execution, _) = main_joining_a_thread_that(Status::Finished);
        let waiter = execution.add_thread(0, None);
        execution.set_status(waiter, waiting_for_the_lock());
        let orchestrator = {
            let execution = Arc::clone(&execution);
            std::thread::spawn(move || {
                let start = Instant::now();
                loop {
                    let probe = execution.deadlock_probe.load(Ordering::SeqCst);
                    if probe > 0 {
                        execution.confirm_probe(waiter, probe);
                        break;
                    }
                    assert!(start.elapsed() < Duration::from_secs(5), "no probe raised");
                    std::thread::sleep(Duration::from_millis(1));
                }
                execution.set_status(0, Status::Running);
                let join = Status::Waiting {
                    op: Op::Join,
                    target: waiter,
                };
                execution.set_status(0, join);
            })
        };
        assert!(watch_a_main_thread_that_ends_after(&execution, 600));
        orchestrator.join().unwrap();
        assert_eq!(failure_kind(&execution), None);
    }

    #[test]
    fn a_lock_waiter_that_still_finds_its_lock_taken_is_a_deadlock() {
        let (execution, thread) = main_joining_a_thread_that(Status::Running);
        let mutex = Arc::new(std::sync::Mutex::new(()));
        let held = mutex.lock().unwrap();
        let waiter = {
            let (execution, mutex) = (Arc::clone(&execution), Arc::clone(&mutex));
            std::thread::spawn(move || {
                let name: Arc<str> = "lock".into();
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    lock(&mutex, &execution, thread, LOCK, &name).map(drop)
                }))
                .is_err()
            })
        };
        let start = Instant::now();
        // Found soon after the 100 ms of waiting, not when the main thread gives up.
        assert!(watch_a_main_thread_that_ends_after(&execution, 10_000));
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(
            failure_kind(&execution),
            Some(FailureKind::Model(CounterexampleKind::Deadlock))
        );
        assert!(
            waiter.join().unwrap(),
            "the waiter was stopped by the abort"
        );
        drop(held);
    }
}
