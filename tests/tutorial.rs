//! The rest of the classic tutorial: join ordering, fork isolation, a process's lifecycle,
//! terminating a lock holder, and the seller that leaves holding the lock. Each model's
//! correct variant is proved on the exhaustive engines; its wrong one gives the expected
//! kind of counterexample on every model checker.

use interleavings::models::{
    Fork, ForkWith, JoinOrder, Lifecycle, TerminateHolder, TicketGuard, TicketSale,
};
use interleavings::{CounterexampleKind, Engine, Error, Explorer, Model, io, thread};
use std::collections::BTreeSet;

fn exhaustive() -> [Engine; 2] {
    [Engine::loom(), Engine::dfs()]
}

fn checkers() -> [Engine; 3] {
    [Engine::loom(), Engine::dfs(), Engine::pct(2_000, 3).seed(6)]
}

fn proved<M: Model + Clone>(model: M) {
    for engine in exhaustive() {
        let report = Explorer::new(model.clone()).engine(engine.clone()).run();
        assert!(report.is_proved(), "{} on {engine}\n{report}", model.name());
    }
}

fn violated<M: Model + Clone>(model: M, kind: CounterexampleKind) -> Vec<String> {
    checkers()
        .into_iter()
        .map(|engine| {
            let report = Explorer::new(model.clone()).engine(engine.clone()).run();
            let cx = report.counterexample().unwrap_or_else(|| {
                panic!("{} on {engine}: expected {kind}\n{report}", model.name())
            });
            assert_eq!(cx.kind(), kind, "{} on {engine}\n{report}", model.name());
            cx.to_string()
        })
        .collect()
}

#[test]
fn join_makes_the_output_order_deterministic() {
    proved(JoinOrder { join: true });
    for shown in violated(JoinOrder { join: false }, CounterexampleKind::Invariant) {
        assert!(shown.contains("print \"****\""), "{shown}");
    }
    // The exact output, on every engine.
    for engine in [
        Engine::loom(),
        Engine::dfs(),
        Engine::pct(50, 3),
        Engine::random(50),
        Engine::std().runs(5),
    ] {
        let report = Explorer::new(JoinOrder { join: true })
            .engine(engine.clone())
            .run();
        let outcomes: Vec<_> = report.outcomes().keys().cloned().collect();
        assert_eq!(outcomes, [vec!["**", "***", "****"]], "{engine}");
    }
}

#[test]
fn a_child_process_has_its_own_memory_and_a_thread_does_not() {
    proved(Fork {
        with: ForkWith::Process,
    });
    let report = Explorer::new(Fork {
        with: ForkWith::Process,
    })
    .engine(Engine::loom())
    .run();
    let outcome = report.outcomes().keys().next().unwrap();
    assert_eq!((outcome.parent_sees, outcome.child_saw), (100, 103));
    assert!(outcome.other_process && outcome.parent_id_matches);
    for shown in violated(
        Fork {
            with: ForkWith::Thread,
        },
        CounterexampleKind::Invariant,
    ) {
        assert!(shown.contains("memory is shared"), "{shown}");
    }
}

#[test]
fn join_timeout_can_return_before_the_child_ends() {
    proved(Lifecycle {
        join_after_timeout: true,
    });
    violated(
        Lifecycle {
            join_after_timeout: false,
        },
        CounterexampleKind::Invariant,
    );
    let report = Explorer::new(Lifecycle {
        join_after_timeout: true,
    })
    .engine(Engine::loom())
    .run();
    let in_time: Vec<bool> = report.outcomes().keys().map(|o| o.ended_in_time).collect();
    assert!(
        in_time.contains(&true) && in_time.contains(&false),
        "both branches: {in_time:?}"
    );
}

#[test]
fn terminating_a_lock_holder_leaves_the_lock_locked() {
    proved(TerminateHolder {
        wait_for_release: true,
    });
    for shown in violated(
        TerminateHolder {
            wait_for_release: false,
        },
        CounterexampleKind::Deadlock,
    ) {
        assert!(
            shown.contains("held by holder, which has exited"),
            "{shown}"
        );
    }
}

#[test]
fn the_tutorials_seller_leaves_holding_the_lock() {
    let model = TicketSale {
        guard: TicketGuard::MutexExitHolding,
        ..TicketSale::guarded(2, 2)
    };
    for shown in violated(model, CounterexampleKind::Deadlock) {
        assert!(shown.contains("which has exited"), "{shown}");
    }
    proved(TicketSale::guarded(2, 2));
}

#[test]
fn sleep_is_a_scheduling_point_and_output_is_outside_prints() {
    let report = interleavings::explore(|| {
        let t = thread::spawn(|| {
            thread::sleep(std::time::Duration::from_secs(3600));
            io::println!("late");
        });
        io::println!("early");
        t.join().unwrap();
        assert_eq!(io::output(), ["early", "late"]);
    })
    .engine(Engine::loom())
    .run();
    let cx = report
        .counterexample()
        .expect("an hour's sleep does not order anything");
    assert_eq!(cx.kind(), CounterexampleKind::Invariant);
    assert!(io::output().is_empty(), "no execution outside explorations");
}

/// loom makes no scheduling point at a print by itself; the facade's point for standard
/// output is made once a search has printed (the search then runs again with it). Here
/// `reader` prints before `writer` only if loom switches threads between the writer's
/// unlock and its print: without the point, that order would never be explored.
#[test]
fn every_order_of_prints_is_explored_under_loom() {
    use interleavings::sync::{Arc, Mutex};
    let report = interleavings::explore(|| {
        let value = Arc::new(Mutex::new(0).named("value"));
        let theirs = Arc::clone(&value);
        let reader = thread::spawn(move || {
            if *theirs.lock().unwrap() == 1 {
                io::println!("read 1");
            }
        });
        *value.lock().unwrap() = 1;
        io::println!("wrote 1");
        reader.join().unwrap();
        assert_ne!(io::output(), ["read 1", "wrote 1"]);
    })
    .engine(Engine::loom())
    .run();
    let cx = report.counterexample().expect("the reader can print first");
    assert_eq!(cx.kind(), CounterexampleKind::Invariant, "{report}");
    assert!(cx.is_recorded(), "{report}");
}

#[test]
fn a_plain_variable_cannot_be_shared_with_a_process() {
    use interleavings::process::Process;
    use interleavings::sync::Arc;
    let error = interleavings::explore(|| {
        let value = Arc::new(interleavings::Shared::new(100).named("value"));
        let theirs = Arc::clone(&value);
        let mut child = Process::new(move || theirs.set(theirs.get() + 1)).name("child");
        child.start();
        child.join();
    })
    .engine(Engine::loom())
    .try_run()
    .unwrap_err();
    assert!(matches!(error, Error::Misuse(_)), "{error}");
    assert!(
        error.to_string().contains("processes do not share memory"),
        "{error}"
    );
}

/// Threads that a process spawned stop with it: after `terminate` returns, a worker of the
/// process completes at most the one operation it already had under way, and the parent,
/// which joins only the process, is not held up by it.
#[test]
fn terminate_stops_the_threads_the_process_spawned() {
    use interleavings::process::Process;
    use interleavings::sync::Arc;
    use interleavings::sync::atomic::{AtomicUsize, Ordering};
    for engine in exhaustive() {
        let report = interleavings::explore(|| {
            let ticks = Arc::new(AtomicUsize::new(0));
            let theirs = Arc::clone(&ticks);
            let mut child = Process::new(move || {
                let worker = thread::spawn(move || {
                    for _ in 0..4 {
                        theirs.fetch_add(1, Ordering::SeqCst);
                    }
                });
                worker.join().unwrap();
            })
            .name("child");
            child.start();
            child.terminate();
            child.join();
            let after = ticks.load(Ordering::SeqCst);
            let later = (0..3).fold(after, |_, _| ticks.load(Ordering::SeqCst));
            assert!(
                later <= after + 1,
                "the worker went on after terminate: {after}, then {later}"
            );
        })
        .engine(engine.clone())
        .run();
        assert!(report.is_proved(), "{engine}\n{report}");
    }
}

/// Inside an execution, `thread::current().name()` is the model thread's own: `main` for the
/// model's main thread, the `Builder`'s name for a named thread, none for an unnamed one.
#[test]
fn the_current_thread_is_named_as_the_model_named_it_on_every_engine() {
    for engine in [
        Engine::std(),
        Engine::loom(),
        Engine::dfs(),
        Engine::pct(20, 3),
    ] {
        let report = interleavings::explore(|| {
            let named = thread::Builder::new()
                .name("seller 1".into())
                .spawn(|| thread::current().name().map(str::to_owned))
                .unwrap();
            let unnamed = thread::spawn(|| thread::current().name().map(str::to_owned));
            assert_eq!(named.join().unwrap().as_deref(), Some("seller 1"));
            assert_eq!(unnamed.join().unwrap(), None);
            assert_eq!(thread::current().name(), Some("main"));
        })
        .engine(engine.clone())
        .run();
        assert!(
            report.is_proved() || report.is_passed(),
            "{engine}\n{report}"
        );
    }
}

/// A parent that starts a child, asks `is_alive` once, and sees whether the child has run
/// (set its flag). `is_alive` of a modelled process is false only once the child has run to
/// its end, and both answers are reached.
#[derive(Clone)]
struct AliveAfterStart;

impl Model for AliveAfterStart {
    type Outcome = (bool, bool);

    fn name(&self) -> String {
        "is_alive after start".into()
    }

    fn run(&self) -> (bool, bool) {
        use interleavings::process::Process;
        use interleavings::sync::Arc;
        use interleavings::sync::atomic::{AtomicUsize, Ordering};
        let flag = Arc::new(AtomicUsize::new(0));
        let theirs = Arc::clone(&flag);
        let mut child = Process::new(move || theirs.store(1, Ordering::SeqCst));
        child.start();
        let alive = child.is_alive();
        let ran = flag.load(Ordering::SeqCst) == 1;
        child.join();
        (alive, ran)
    }

    fn check(&self, &(alive, ran): &(bool, bool)) -> Result<(), String> {
        if alive || ran {
            Ok(())
        } else {
            Err("not alive, yet it has not run".into())
        }
    }
}

#[test]
fn a_modelled_process_is_alive_until_it_has_run_to_its_end() {
    for engine in exhaustive() {
        let report = Explorer::new(AliveAfterStart).engine(engine.clone()).run();
        assert!(report.is_proved(), "{engine}\n{report}");
        let alive: BTreeSet<bool> = report.outcomes().keys().map(|o| o.0).collect();
        assert_eq!(alive.len(), 2, "{engine}: is_alive gave only {alive:?}");
    }
}

/// Two processes started one after the other get ids of their own, and terminating one
/// leaves the other, and the threads it spawned, running.
#[test]
fn sibling_processes_have_their_own_ids_and_outlive_each_others_termination() {
    use interleavings::process::{self, Process};
    use interleavings::sync::Arc;
    use interleavings::sync::atomic::{AtomicUsize, Ordering};
    for engine in exhaustive() {
        let report = interleavings::explore(|| {
            let done = Arc::new(AtomicUsize::new(0));
            let theirs = Arc::clone(&done);
            let mut first = Process::new(|| {}).name("first");
            let mut second = Process::new(move || {
                let worker = thread::spawn(move || theirs.store(1, Ordering::SeqCst));
                worker.join().unwrap();
            })
            .name("second");
            first.start();
            second.start();
            let ids = [process::id(), first.pid().unwrap(), second.pid().unwrap()];
            assert!(
                ids[0] != ids[1] && ids[0] != ids[2] && ids[1] != ids[2],
                "ids {ids:?}"
            );
            first.terminate();
            first.join();
            second.join();
            assert_eq!(
                done.load(Ordering::SeqCst),
                1,
                "the second process was stopped with the first"
            );
        })
        .engine(engine.clone())
        .run();
        assert!(report.is_proved(), "{engine}\n{report}");
    }
}

/// A process puts the handle of a thread it spawned where the parent can take it: after
/// `terminate`, joining that thread gives `Ok` if it had finished, and otherwise `Err`
/// saying that its process was terminated (it never hangs, and never gives a value). Every
/// one of the four endings is reached.
#[derive(Clone)]
struct JoinAVanishedThread;

impl Model for JoinAVanishedThread {
    type Outcome = String;

    fn name(&self) -> String {
        "join a thread of a terminated process".into()
    }

    fn run(&self) -> String {
        use interleavings::process::Process;
        use interleavings::sync::{Arc, Mutex};
        let slot: Arc<Mutex<Option<thread::JoinHandle<u32>>>> = Arc::new(Mutex::new(None));
        let theirs = Arc::clone(&slot);
        let mut child = Process::new(move || {
            let worker = thread::spawn(|| {
                thread::yield_now();
                7
            });
            *theirs.lock().unwrap() = Some(worker);
        })
        .name("child");
        child.start();
        child.terminate();
        child.join();
        // The child may have been stopped holding the slot's lock: that lock stays locked.
        let Ok(mut slot) = slot.try_lock() else {
            return "slot locked for ever".into();
        };
        match slot.take().map(thread::JoinHandle::join) {
            None => "no worker".into(),
            Some(Ok(value)) => format!("joined: {value}"),
            Some(Err(payload)) => match payload.downcast_ref::<String>() {
                Some(message) => format!("stopped: {message}"),
                None => "stopped without a message".into(),
            },
        }
    }

    fn check(&self, outcome: &String) -> Result<(), String> {
        let expected = [
            "slot locked for ever",
            "no worker",
            "joined: 7",
            "stopped: thread `thread-2` was stopped: its process was terminated",
        ];
        if expected.contains(&outcome.as_str()) {
            Ok(())
        } else {
            Err(format!("unexpected: {outcome}"))
        }
    }
}

#[test]
fn joining_a_thread_of_a_terminated_process_gives_its_value_or_err() {
    for engine in exhaustive() {
        let report = Explorer::new(JoinAVanishedThread)
            .engine(engine.clone())
            .run();
        assert!(report.is_proved(), "{engine}\n{report}");
        let outcomes: Vec<&str> = report.outcomes().keys().map(String::as_str).collect();
        assert_eq!(outcomes.len(), 4, "{engine}: {outcomes:?}");
    }
}
