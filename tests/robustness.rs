//! Inputs that must not hurt the checker: arbitrary or damaged files, reports and
//! command-line arguments give an error (or a result), never a panic, a hang or a partial
//! file.

use interleavings::Error;
use interleavings::json;
use interleavings::proof::Proof;
use interleavings::regression::Regression;
use proptest::prelude::*;
use std::path::Path;
use std::process::Command;

fn repo(relative: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)).unwrap()
}

/// Replaces the byte range `at..at+len` (clamped) of `text` with `with`.
fn damage(text: &str, at: usize, len: usize, with: &str) -> String {
    let bytes = text.as_bytes();
    let at = at % (bytes.len() + 1);
    let end = (at + len).min(bytes.len());
    let mut out = bytes[..at].to_vec();
    out.extend_from_slice(with.as_bytes());
    out.extend_from_slice(&bytes[end..]);
    String::from_utf8_lossy(&out).into_owned()
}

fn load_both(text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.toml");
    std::fs::write(&path, text).unwrap();
    match Regression::load(&path) {
        Ok(regression) => {
            // Whatever it says, checking it ends with a report or an error.
            let _ = regression.check(&path);
        }
        Err(Error::File { path: named, .. }) => assert!(named.ends_with("damaged.toml")),
        Err(other) => panic!("a bad regression file must be a file error: {other}"),
    }
    match Proof::load(&path) {
        Ok(_) => {}
        Err(Error::File { .. }) => {}
        Err(other) => panic!("a bad proof file must be a file error: {other}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_are_a_file_error(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        load_both(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn damaged_regression_files_never_panic(at in 0usize..2_000, len in 0usize..40, with in "[ -~\n]{0,12}") {
        load_both(&damage(&repo("models/regressions/counter-none-loom.toml"), at, len, &with));
    }

    #[test]
    fn damaged_proof_files_never_panic(at in 0usize..1_200, len in 0usize..40, with in "[ -~\n]{0,12}") {
        load_both(&damage(&repo("models/proofs/counter-mutex-loom.toml"), at, len, &with));
    }

    #[test]
    fn damaged_reports_do_not_merge_silently(at in 0usize..3_000, len in 0usize..20, with in "[ -~]{0,8}") {
        let report = interleavings::explore(|| {})
            .engine(interleavings::Engine::dfs())
            .shard(1, 1)
            .run()
            .to_json();
        let text = serde_json::to_string(&report).unwrap();
        if let Ok(part) = serde_json::from_str::<json::JsonReport>(&damage(&text, at, len, &with)) {
            // Parsed: merging it either works or says why; it never panics.
            let _ = json::merge(vec![part]);
        }
    }
}

#[test]
fn arbitrary_arguments_never_crash_the_command_line() {
    let words = [
        "explore",
        "replay",
        "prove",
        "merge",
        "run",
        "list",
        "counter",
        "tickets",
        "join",
        "--guard",
        "none",
        "mutex",
        "--sellers",
        "-1",
        "99999999999999999999",
        "--engine",
        "pct",
        "loom",
        "--iterations",
        "0",
        "--shard",
        "1/0",
        "--json",
        "--jobs",
        "0",
        "--time-limit",
        "0s",
        "--check",
        "/dev/null",
        "--output",
        "/nonexistent/x.toml",
        "",
    ];
    // Anything a command writes (a proof file, say) lands in a scratch directory.
    let scratch = tempfile::tempdir().unwrap();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..60 {
        let mut args = Vec::new();
        for _ in 0..(state % 6) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            args.push(words[(state % words.len() as u64) as usize]);
        }
        state = state.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let out = Command::new(env!("CARGO_BIN_EXE_interleavings"))
            .args(&args)
            .env("INTERLEAVINGS_SAVE", "0")
            .current_dir(scratch.path())
            .output()
            .unwrap();
        let code = out.status.code();
        assert!(
            matches!(code, Some(0..=2)),
            "{args:?} ended with {code:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A catalogue model and its parameters, now and then with a value that is not valid.
/// Sizes stay small enough for any engine to finish in seconds.
fn model_arguments() -> impl Strategy<Value = Vec<String>> {
    let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    prop_oneof![
        prop::sample::select(vec!["none", "mutex", "atomic", "spinlock"])
            .prop_map(move |g| words(&["counter", "--guard", g])),
        (
            prop::sample::select(vec![
                ("0", "2"),
                ("1", "0"),
                ("1", "3"),
                ("2", "2"),
                ("2", "3"),
                ("3", "1"),
                ("-1", "2"),
                ("2", "4294967296"),
                ("99999999999", "1"),
            ]),
            prop::sample::select(vec!["none", "mutex", "mutex-exit-holding"]),
        )
            .prop_map(move |((s, t), g)| words(&[
                "tickets",
                "--sellers",
                s,
                "--tickets",
                t,
                "--guard",
                g
            ])),
        prop::sample::select(vec!["no", "yes"]).prop_map(move |j| words(&["join", "--join", j])),
        prop::sample::select(vec!["thread", "process"])
            .prop_map(move |w| words(&["fork", "--with", w])),
        prop::sample::select(vec!["assume-done", "join"]).prop_map(move |a| words(&[
            "lifecycle",
            "--after_timeout",
            a
        ])),
        prop::sample::select(vec!["any-time", "after-release"]).prop_map(move |w| words(&[
            "terminate",
            "--when",
            w
        ])),
    ]
}

/// A command-line option: its name, values at the edges of what it accepts, values past
/// them.
#[derive(Debug)]
struct Flag(
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);

const ITERATIONS: Flag = Flag(
    "--iterations",
    &["1", "2", "999", "1000", "1001", "2500"],
    &["0", "-3"],
);
const DEPTH: Flag = Flag("--depth", &["1", "2", "3", "40"], &["0"]);
const BOUND: Flag = Flag("--preemption-bound", &["0", "1", "2"], &["-1"]);
const SEED: Flag = Flag(
    "--seed",
    &["0", "1", "18446744073709551615"],
    &["18446744073709551616"],
);
const RUNS: Flag = Flag("--runs", &["1", "3", "20"], &["0"]);
const CHAOS: Flag = Flag("--chaos", &["0", "7"], &["x"]);
const JOBS: Flag = Flag("--jobs", &["1", "2", "3"], &["0"]);
const SHARD: Flag = Flag(
    "--shard",
    &["1/1", "1/2", "2/2", "2/3", "3/3", "3/4"],
    &["0/1", "2/1"],
);
const REDUCTION: Flag = Flag(
    "--reduction",
    &["off", "sync-points", "sync-points-only"],
    &["some"],
);
const TIME_LIMIT: Flag = Flag("--time-limit", &["0s", "1ms", "50ms", "300ms"], &["soon"]);
const MAX_STEPS: Flag = Flag("--max-steps", &["1", "7", "30", "100000"], &["0"]);
const SAMPLES: Flag = Flag("--samples", &["1", "2", "50"], &["0"]);

/// The flag with an edge value (often), a value past the edge (now and then), or absent.
fn sometimes(flag: &'static Flag) -> BoxedStrategy<Vec<String>> {
    let with = |values: &'static [&'static str]| {
        prop::sample::select(values).prop_map(|v| vec![flag.0.to_owned(), v.to_owned()])
    };
    prop_oneof![4 => Just(Vec::new()), 5 => with(flag.1), 1 => with(flag.2)].boxed()
}

/// Options of `explore` and `prove`: those of one engine, the budget options, and now and
/// then an option the engine does not take.
fn engine_arguments() -> impl Strategy<Value = Vec<String>> {
    let engines: [(&str, &[&'static Flag]); 6] = [
        ("", &[&ITERATIONS, &BOUND, &REDUCTION]),
        ("loom", &[&ITERATIONS, &BOUND, &REDUCTION]),
        ("dfs", &[&ITERATIONS, &REDUCTION, &SHARD]),
        ("pct", &[&ITERATIONS, &DEPTH, &SEED, &JOBS, &SHARD]),
        ("random", &[&ITERATIONS, &SEED, &JOBS, &SHARD]),
        ("std", &[&RUNS, &CHAOS, &JOBS, &SHARD]),
    ];
    let everything: &'static [&'static Flag] = &[
        &ITERATIONS,
        &DEPTH,
        &BOUND,
        &SEED,
        &RUNS,
        &CHAOS,
        &JOBS,
        &SHARD,
        &REDUCTION,
    ];
    prop::sample::select(engines.to_vec()).prop_flat_map(move |(engine, flags)| {
        let mut parts: Vec<BoxedStrategy<Vec<String>>> =
            flags.iter().map(|f| sometimes(f)).collect();
        parts.push(sometimes(&TIME_LIMIT));
        parts.push(sometimes(&MAX_STEPS));
        parts.push(
            prop::option::weighted(0.1, prop::sample::select(everything.to_vec()))
                .prop_map(|f| f.map_or(Vec::new(), |f| vec![f.0.to_owned(), f.1[0].to_owned()]))
                .boxed(),
        );
        // `--unrecorded` is the sampling engines'; now and then given to another.
        let unrecorded = if matches!(engine, "std" | "pct" | "random") {
            0.4
        } else {
            0.03
        };
        for (switch, weight) in [
            ("--keep-going", 0.3),
            ("--json", 0.3),
            ("--unrecorded", unrecorded),
        ] {
            parts.push(
                prop::option::weighted(weight, Just(vec![switch.to_owned()]))
                    .prop_map(Option::unwrap_or_default)
                    .boxed(),
            );
        }
        let name = (!engine.is_empty()).then(|| vec!["--engine".to_owned(), engine.to_owned()]);
        parts.prop_map(move |parts| {
            let mut args = name.clone().unwrap_or_default();
            args.extend(parts.concat());
            args
        })
    })
}

fn command_lines() -> impl Strategy<Value = Vec<String>> {
    let with = |command: &'static str, options: BoxedStrategy<Vec<String>>| {
        (model_arguments(), options).prop_map(move |(model, options)| {
            let mut args = vec![command.to_owned()];
            args.extend(model);
            args.extend(options);
            args
        })
    };
    prop_oneof![
        6 => with("explore", engine_arguments().boxed()),
        1 => with("prove", engine_arguments().boxed()),
        1 => with("run", (sometimes(&RUNS), sometimes(&CHAOS), prop::bool::ANY).prop_map(|(a, b, unrecorded)| {
            let switch = unrecorded.then(|| "--unrecorded".to_owned());
            [a, b, switch.into_iter().collect()].concat()
        }).boxed()),
        1 => with("estimate", sometimes(&SAMPLES)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    /// Well-formed command lines with values at and past every edge: a verdict (0 or 1,
    /// on stdout) or a usage error (2, on stderr, stdout empty), never a panic, an
    /// internal bug or a hang.
    #[test]
    fn command_lines_at_the_edges_end_in_a_verdict_or_a_usage_error(args in command_lines()) {
        let scratch = tempfile::tempdir().unwrap();
        // Output goes to files: a pipe nobody reads fills up and stops the child.
        let stdout_path = scratch.path().join("stdout");
        let stderr_path = scratch.path().join("stderr");
        let mut child = Command::new(env!("CARGO_BIN_EXE_interleavings"))
            .args(&args)
            .env("INTERLEAVINGS_SAVE", "0")
            .current_dir(scratch.path())
            .stdout(std::fs::File::create(&stdout_path).unwrap())
            .stderr(std::fs::File::create(&stderr_path).unwrap())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > std::time::Duration::from_secs(60) {
                child.kill().unwrap();
                panic!("{args:?} still ran after 60 s");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let stdout = std::fs::read_to_string(&stdout_path).unwrap();
        let stderr = std::fs::read_to_string(&stderr_path).unwrap();
        let code = status.code();
        prop_assert!(matches!(code, Some(0..=2)), "{args:?} ended with {code:?}: {stderr}");
        prop_assert!(!stderr.contains("internal bug") && !stderr.contains("panicked"), "{args:?}: {stderr}");
        if code == Some(2) && args[0] == "run" && !stdout.is_empty() {
            // `run` prints each run as it ends; a model found unfit for real threads during
            // run k leaves the lines of the runs before it, each whole.
            prop_assert!(stdout.ends_with('\n'), "{args:?}: half-printed {stdout}");
            prop_assert!(stderr.contains("not supported"), "{args:?}: {stderr}");
        } else if code == Some(2) {
            prop_assert!(stdout.is_empty(), "{args:?}: half-printed {stdout}");
            prop_assert!(!stderr.trim().is_empty(), "{args:?}: an error that says nothing");
        } else {
            prop_assert!(!stdout.trim().is_empty(), "{args:?}: a verdict that says nothing");
            prop_assert!(!stdout.contains("PASSED 0 "), "{args:?}: a pass on no evidence: {stdout}");
            if args.iter().any(|a| a == "--json") && args[0] == "explore" {
                prop_assert!(
                    serde_json::from_str::<json::JsonReport>(&stdout).is_ok(),
                    "{args:?}: not a JSON report: {stdout}"
                );
            }
        }
    }
}

#[test]
fn saving_into_an_unwritable_place_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-directory");
    std::fs::write(&blocker, "a file where a directory should be").unwrap();
    let error = interleavings::Explorer::new(interleavings::models::TicketSale::unguarded(2, 1))
        .engine(interleavings::Engine::pct(50, 3))
        .save_regressions(blocker.join("regressions"))
        .try_run()
        .unwrap_err();
    assert!(matches!(error, Error::File { .. }), "{error}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "only the blocking file remains");
    assert_eq!(
        std::fs::read_to_string(&blocker).unwrap(),
        "a file where a directory should be"
    );
}
