//! The std engine runs a `Process` as a real OS process (Linux): real pids, its own memory,
//! real exit codes, a real `terminate`; what it cannot run faithfully it refuses by name.

use interleavings::models::{Fork, ForkWith, JoinOrder, Lifecycle, TerminateHolder};
use interleavings::process::{self, EXIT_PANICKED, EXIT_TERMINATED, Process};
use interleavings::sync::{Arc, Mutex};
use interleavings::{Engine, Error, Explorer, Shared, explore, io, thread};
use std::time::{Duration, Instant};

fn real() -> Engine {
    Engine::std().runs(3)
}

/// The pid a line `pid P parent Q` names, and its parent.
fn ids(line: &str) -> (u32, u32) {
    let words: Vec<&str> = line.split(' ').collect();
    (words[1].parse().unwrap(), words[3].parse().unwrap())
}

#[test]
fn a_real_child_has_a_real_pid_and_its_parent_is_this_process() {
    let report = explore(|| {
        let mut child = Process::new(|| {
            io::println!("pid {} parent {}", process::id(), process::parent_id());
        })
        .name("child");
        child.start();
        let pid = child.pid().expect("started");
        child.join();
        let output = io::output();
        assert_eq!(output.len(), 1, "{output:?}");
        let (child_pid, child_parent) = ids(&output[0]);
        assert_eq!(
            child_pid, pid,
            "the pid the parent knows is the child's own"
        );
        assert_ne!(child_pid, std::process::id(), "another process");
        assert_eq!(child_parent, std::process::id(), "whose parent is this one");
        assert_eq!(process::id(), std::process::id());
        assert_eq!(child.exit_code(), Some(0));
        assert!(!child.is_alive());
    })
    .engine(real())
    .run();
    assert!(report.is_passed(), "{report}");
    assert_eq!(report.executions(), 3);
}

#[test]
fn the_fork_model_keeps_memory_apart_with_real_processes() {
    let report = Explorer::new(Fork {
        with: ForkWith::Process,
    })
    .engine(real())
    .run();
    assert!(report.is_passed(), "{report}");
    let outcome = report.outcomes().keys().next().unwrap();
    assert_eq!((outcome.parent_sees, outcome.child_saw), (100, 103));
    assert!(
        outcome.other_process && outcome.parent_id_matches,
        "{outcome:?}"
    );
    // The same program with a thread shares the variable, on real threads too.
    let report = Explorer::new(Fork {
        with: ForkWith::Thread,
    })
    .engine(real())
    .run();
    let cx = report.counterexample().expect("a thread shares memory");
    assert!(cx.to_string().contains("memory is shared"), "{report}");
}

#[test]
fn exit_codes_are_the_real_ones() {
    let report = explore(|| {
        let mut ok = Process::new(|| {});
        let mut panics = Process::new(|| panic!("the child fails"));
        let mut exits = Process::new(|| std::process::exit(7));
        ok.start();
        panics.start();
        exits.start();
        ok.join();
        panics.join();
        exits.join();
        assert_eq!(
            [ok.exit_code(), panics.exit_code(), exits.exit_code()],
            [Some(0), Some(EXIT_PANICKED), Some(7)]
        );
    })
    .engine(real())
    .run();
    assert!(report.is_passed(), "{report}");
}

#[test]
fn terminate_stops_a_real_child_and_it_is_no_longer_alive() {
    let started = Instant::now();
    let report = explore(|| {
        let mut child = Process::new(|| {
            io::println!("working");
            loop {
                thread::sleep(Duration::from_millis(20));
            }
        })
        .name("sleeper");
        child.start();
        // A real wait that times out: the child never ends by itself.
        assert!(!child.join_timeout(Duration::from_millis(100)));
        assert!(child.is_alive());
        child.terminate();
        child.join();
        assert!(!child.is_alive());
        assert_eq!(child.exit_code(), Some(EXIT_TERMINATED));
        assert_eq!(io::output(), ["working"]);
    })
    .engine(real())
    .run();
    assert!(report.is_passed(), "{report}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn the_lifecycle_model_runs_with_real_processes() {
    let report = Explorer::new(Lifecycle {
        join_after_timeout: true,
    })
    .engine(Engine::std().runs(20))
    .run();
    assert!(report.is_passed(), "{report}");
    for outcome in report.outcomes().keys() {
        assert!(
            !outcome.alive_before_start && !outcome.alive_at_end,
            "{outcome:?}"
        );
        assert_eq!(outcome.exit_code, Some(0));
    }
}

#[test]
fn a_childs_output_keeps_its_order_with_the_parents() {
    // The join model with a process in place of the thread.
    let report = explore(|| {
        let mut child = Process::new(|| {
            io::println!("**");
            thread::sleep(Duration::from_millis(10));
            io::println!("***");
        });
        child.start();
        child.join();
        io::println!("****");
        assert_eq!(io::output(), ["**", "***", "****"]);
    })
    .engine(Engine::std().runs(10))
    .run();
    assert!(report.is_passed(), "{report}");
    // And the thread version on real threads.
    let report = Explorer::new(JoinOrder { join: true })
        .engine(Engine::std().runs(10))
        .run();
    assert!(report.is_passed(), "{report}");
}

#[test]
fn a_lock_shared_with_a_real_child_is_refused_by_name() {
    let error = Explorer::new(TerminateHolder {
        wait_for_release: true,
    })
    .engine(real())
    .try_run()
    .unwrap_err();
    assert!(matches!(error, Error::EngineLimit(_)), "{error}");
    let text = error.to_string();
    assert!(text.contains("not supported on the std engine"), "{text}");
    assert!(text.contains("Mutex `lock`"), "{text}");
    assert!(text.contains("Engine::loom()"), "{text}");
}

#[test]
fn a_plain_variable_of_the_parent_is_a_misuse_in_a_real_child() {
    let error = explore(|| {
        let value = Arc::new(Shared::new(100).named("value"));
        let theirs = Arc::clone(&value);
        let mut child = Process::new(move || theirs.set(theirs.get() + 1)).name("child");
        child.start();
        child.join();
    })
    .engine(real())
    .try_run()
    .unwrap_err();
    assert!(matches!(error, Error::Misuse(_)), "{error}");
    assert!(error.to_string().contains("Shared `value`"), "{error}");
}

#[test]
fn a_child_process_can_use_objects_of_its_own() {
    let report = explore(|| {
        let mut child = Process::new(|| {
            let lock = Arc::new(Mutex::new(0));
            let theirs = Arc::clone(&lock);
            let t = thread::spawn(move || *theirs.lock().unwrap() += 1);
            t.join().unwrap();
            io::println!("{}", *lock.lock().unwrap());
        });
        child.start();
        child.join();
        assert_eq!(io::output(), ["1"]);
    })
    .engine(real())
    .run();
    assert!(report.is_passed(), "{report}");
}

#[test]
fn a_process_dropped_without_join_is_killed_not_left_behind() {
    let pid = Arc::new(std::sync::Mutex::new(0));
    let seen = Arc::clone(&pid);
    let report = explore(move || {
        let mut child = Process::new(|| {
            loop {
                thread::sleep(Duration::from_millis(20));
            }
        });
        child.start();
        *seen.lock().unwrap() = child.pid().unwrap();
    })
    .engine(Engine::std().runs(1))
    .run();
    assert!(report.is_passed(), "{report}");
    let pid = *pid.lock().unwrap();
    assert!(pid > 0);
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "child {pid} still exists"
    );
}

#[test]
fn a_real_child_cannot_start_an_exploration_of_its_own() {
    let report = explore(|| {
        let mut child = Process::new(|| {
            let nested = explore(|| {}).engine(Engine::dfs()).try_run();
            io::println!("{}", matches!(nested, Err(Error::Nested)));
        });
        child.start();
        child.join();
        assert_eq!(io::output(), ["true"]);
    })
    .engine(Engine::std().runs(1))
    .run();
    assert!(report.is_passed(), "{report}");
}

#[test]
fn a_slow_childs_refusal_wins_over_the_parents_step_limit() {
    // The child refuses the parent's lock only after a while; the parent spins meanwhile
    // and reaches its step limit long before. The refusal says what is wrong, whatever the
    // fork's speed: it is the verdict. (The parent spins without yielding: a yield on a
    // loaded machine can give up the processor for milliseconds, and a hundred of them
    // would outlast the child's delay, so that the refusal came first without the wait
    // for it that this checks.)
    use interleavings::sync::atomic::{AtomicBool, Ordering};
    let error = explore(|| {
        let lock = Arc::new(Mutex::new(()));
        let done = Arc::new(AtomicBool::new(false));
        let theirs = Arc::clone(&lock);
        let mut child = Process::new(move || {
            std::thread::sleep(Duration::from_millis(300));
            drop(theirs.lock());
        })
        .name("slow");
        child.start();
        while !done.load(Ordering::SeqCst) {}
        child.join();
    })
    .engine(Engine::std().runs(1))
    .max_steps(100)
    .try_run()
    .unwrap_err();
    assert!(matches!(error, Error::EngineLimit(_)), "{error}");
    assert!(error.to_string().contains("Mutex"), "{error}");
}

/// The parent is the process that goes on after `fork`. Were it the other way round, the
/// test binary itself would end inside the child's target with the child's exit code
/// (0), and cargo would count the run as a pass: so the test runs, in a process of its
/// own, a test that forks, and checks that the harness reported it.
#[test]
fn after_a_fork_the_test_process_goes_on_as_the_parent() {
    // Into a file, not a pipe: a process that went on as the wrong one may keep a pipe
    // open for ever, and may hang; it gets a minute.
    let path = std::env::temp_dir().join(format!("interleavings-fork-{}", std::process::id()));
    let file = std::fs::File::create(&path).unwrap();
    let mut run = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "real_processes::a_child_process_can_use_objects_of_its_own",
        ])
        .stdout(file)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = run.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            run.kill().unwrap();
            panic!("the test run did not end within a minute");
        }
        thread::sleep(Duration::from_millis(10));
    };
    let stdout = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(status.success(), "{stdout}");
    assert!(stdout.contains("test result: ok. 1 passed"), "{stdout}");
}
