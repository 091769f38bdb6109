//! The command line: exit codes 0 (holds), 1 (violated), 2 (bad input), and messages that
//! name what was wrong.

use std::process::{Command, Output};

fn interleavings(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interleavings"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_violation_exits_1_and_prints_the_counterexample() {
    let out = interleavings(&["explore", "counter", "--guard", "none", "--engine", "loom"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("verdict: VIOLATED"), "{stdout}");
    assert!(
        stdout.contains("| one") && stdout.contains("| two"),
        "{stdout}"
    );
}

#[test]
fn a_proof_exits_0() {
    let out = interleavings(&["explore", "counter", "--guard", "mutex"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("PROVED: every interleaving explored (105 executions)"));
}

#[test]
fn the_readme_command_shows_the_ticket_race() {
    let out = interleavings(&[
        "explore",
        "tickets",
        "--sellers",
        "10",
        "--tickets",
        "50",
        "--guard",
        "none",
        "--engine",
        "pct",
        "--iterations",
        "1000",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("seller-"), "{stdout}");
}

#[test]
fn bad_input_exits_2_naming_what_was_wrong() {
    let cases: [(&[&str], &str); 16] = [
        (&["explore", "nosuch"], "no model `nosuch`"),
        (
            &["explore", "counter", "--guard", "spinlock"],
            "parameter `guard`",
        ),
        (
            &["explore", "counter", "--sellers", "3"],
            "parameter `sellers`: no such parameter",
        ),
        (
            &["explore", "tickets", "--sellers", "many"],
            "`many` is not a whole number",
        ),
        (
            &["explore", "counter", "--engine", "loom", "--seed", "3"],
            "--seed does not apply",
        ),
        (
            &["explore", "counter", "--engine", "loom", "--unrecorded"],
            "--unrecorded does not apply to --engine loom (it applies to: std, pct, random)",
        ),
        (
            &["explore", "counter", "--shard", "0/3"],
            "`0/3` is not a shard",
        ),
        (
            &["explore", "counter", "--shard", "4/3"],
            "`4/3` is not a shard",
        ),
        (
            &["explore", "counter", "--shard", "a/b"],
            "`a/b` is not a shard",
        ),
        (
            &["explore", "counter", "--engine", "loom", "--shard", "1/2"],
            "--shard does not apply to --engine loom",
        ),
        (
            &["explore", "counter", "--engine", "pct", "--iterations", "0"],
            "invalid value '0' for '--iterations",
        ),
        (
            &["explore", "counter", "--engine", "pct", "--depth", "0"],
            "invalid value '0' for '--depth",
        ),
        (
            &["explore", "counter", "--max-steps", "0"],
            "invalid value '0' for '--max-steps",
        ),
        (
            &["explore", "counter", "--engine", "pct", "--jobs", "0"],
            "invalid value '0' for '--jobs",
        ),
        (
            &["run", "counter", "--runs", "0"],
            "invalid value '0' for '--runs",
        ),
        (
            &["merge", "/nonexistent/part.json"],
            "/nonexistent/part.json",
        ),
    ];
    for (args, expected) in cases {
        let out = interleavings(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing half-printed");
    }
}

#[test]
fn list_names_every_model_and_parameter() {
    let out = interleavings(&["list"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    for needle in ["counter", "tickets", "--sellers", "none | mutex | atomic"] {
        assert!(stdout.contains(needle), "{stdout}");
    }
}

#[test]
fn unknown_models_and_values_show_the_valid_choices() {
    let out = interleavings(&["explore", "nosuch"]);
    assert!(text(&out.stderr).contains("known: counter, tickets"));
    let out = interleavings(&["explore", "counter", "--guard", "spinlock"]);
    assert!(text(&out.stderr).contains("not one of none, mutex, atomic"));
    let out = interleavings(&["explore", "counter", "--sellers", "3"]);
    assert!(text(&out.stderr).contains("known: guard"));
}

#[test]
fn json_is_the_only_output_and_follows_the_schema() {
    let out = interleavings(&[
        "explore", "counter", "--guard", "none", "--engine", "pct", "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report: interleavings::json::JsonReport =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON report");
    assert_eq!(report.schema, interleavings::json::SCHEMA);
    assert_eq!(report.verdict.name, "violated");
    let cx = report.counterexample.expect("a counterexample");
    assert_eq!(cx.kind, "data race");
    assert_eq!(cx.schedule.len(), cx.trace.events.len());
    assert!(!cx.rendered.contains('\x1b'));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for field in [
        "schema",
        "model",
        "engine",
        "verdict",
        "executions",
        "outcomes",
        "counterexample",
    ] {
        assert!(value.get(field).is_some(), "missing {field}");
    }
    let out = interleavings(&["explore", "counter", "--guard", "mutex", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let report: interleavings::json::JsonReport = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report.verdict.name, "proved");
    assert_eq!(report.verdict.executions, 105);
}

fn json_of(args: &[&str]) -> interleavings::json::JsonReport {
    let out = interleavings(args);
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", text(&out.stderr)))
}

#[test]
fn jobs_do_not_change_the_result() {
    let run = |jobs: &str| {
        json_of(&[
            "explore",
            "tickets",
            "--sellers",
            "4",
            "--tickets",
            "6",
            "--guard",
            "none",
            "--engine",
            "pct",
            "--iterations",
            "3000",
            "--seed",
            "5",
            "--jobs",
            jobs,
            "--json",
        ])
    };
    let (one, two) = (run("1"), run("2"));
    assert_eq!(one.verdict, two.verdict);
    assert_eq!(one.executions, two.executions);
    assert_eq!(one.counterexample, two.counterexample);
    let passing = |jobs: &str| {
        json_of(&[
            "explore",
            "tickets",
            "--sellers",
            "3",
            "--tickets",
            "3",
            "--guard",
            "mutex",
            "--engine",
            "random",
            "--iterations",
            "2500",
            "--jobs",
            jobs,
            "--json",
        ])
    };
    let (one, two) = (passing("1"), passing("2"));
    assert_eq!((one.verdict, one.outcomes), (two.verdict, two.outcomes));
}

#[test]
fn dfs_shards_merge_into_the_unsharded_result() {
    let dir = tempfile::tempdir().unwrap();
    let whole = json_of(&[
        "explore",
        "counter",
        "--guard",
        "none",
        "--engine",
        "dfs",
        "--keep-going",
        "--json",
    ]);
    let mut files = Vec::new();
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let out = interleavings(&[
            "explore",
            "counter",
            "--guard",
            "none",
            "--engine",
            "dfs",
            "--keep-going",
            "--shard",
            &shard,
            "--json",
        ]);
        let path = dir.path().join(format!("part{i}.json"));
        std::fs::write(&path, &out.stdout).unwrap();
        files.push(path.display().to_string());
    }
    let mut args = vec!["merge", "--json"];
    args.extend(files.iter().map(String::as_str));
    let merged = json_of(&args);
    assert_eq!(merged.executions, whole.executions);
    assert_eq!(merged.outcomes, whole.outcomes);
    assert_eq!(merged.verdict.name, "violated");
    // A proof splits and merges into a proof.
    let mut files = Vec::new();
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let out = interleavings(&[
            "explore", "counter", "--guard", "atomic", "--engine", "dfs", "--shard", &shard,
            "--json",
        ]);
        let part: interleavings::json::JsonReport = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            part.verdict.name, "incomplete",
            "a part alone proves nothing"
        );
        let path = dir.path().join(format!("atomic{i}.json"));
        std::fs::write(&path, &out.stdout).unwrap();
        files.push(path.display().to_string());
    }
    let mut args = vec!["merge", "--json"];
    args.extend(files.iter().map(String::as_str));
    let merged = json_of(&args);
    assert_eq!(
        (merged.verdict.name.as_str(), merged.executions),
        ("proved", 251)
    );
    // A missing shard is refused.
    let out = interleavings(&["merge", &files[0], &files[2]]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("shard 2 of 3 is missing"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn run_prints_each_real_run() {
    let out = interleavings(&[
        "run", "counter", "--guard", "mutex", "--runs", "3", "--engine", "std",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    assert!(stdout.contains("run 3: 109 — ok"), "{stdout}");
    let out = interleavings(&["run", "join", "--join", "yes"]);
    assert_eq!(
        text(&out.stdout).lines().take(3).collect::<Vec<_>>(),
        ["**", "***", "****"]
    );
    let out = interleavings(&["run", "counter", "--engine", "loom"]);
    assert_eq!(out.status.code(), Some(2));
    let out = interleavings(&[
        "run",
        "tickets",
        "--sellers",
        "2",
        "--tickets",
        "3",
        "--guard",
        "mutex",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(stdout.matches(" sold ticket ").count(), 3, "{stdout}");
    assert!(stdout.contains("sold ticket 1, 0 left"), "{stdout}");
    // Narration is for real runs only: an exploration prints nothing of it.
    let out = interleavings(&[
        "explore",
        "tickets",
        "--sellers",
        "2",
        "--tickets",
        "3",
        "--guard",
        "mutex",
    ]);
    assert!(!text(&out.stdout).contains("sold ticket"));
    // Nor do the model's own lines show, even on real threads: they are in the outcomes.
    let out = interleavings(&["explore", "join", "--join", "yes", "--engine", "std"]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains(r#"["**", "***", "****"]"#), "{stdout}");
    assert!(!stdout.lines().any(|line| line == "**"), "{stdout}");
}

#[test]
fn run_forks_real_processes_and_refuses_what_it_cannot_share() {
    let out = interleavings(&["run", "fork", "--with", "process"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    // "child pid C parent P saw 103", then the parent's line with its own pid P.
    let child: Vec<&str> = stdout.lines().next().unwrap().split(' ').collect();
    let (child_pid, child_parent) = (child[2], child[4]);
    assert_ne!(child_pid, child_parent, "{stdout}");
    assert!(
        stdout.contains(&format!("parent pid {child_parent} sees 100")),
        "{stdout}"
    );
    assert_ne!(child_pid, "2", "a real pid, not a modelled one: {stdout}");
    let out = interleavings(&[
        "explore",
        "terminate",
        "--when",
        "after-release",
        "--engine",
        "std",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not supported on the std engine: Mutex `lock`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn prove_writes_a_proof_file_that_checks() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("counter.toml");
    let out = interleavings(&[
        "prove",
        "counter",
        "--guard",
        "atomic",
        "--engine",
        "loom",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let checked = interleavings::proof::Proof::check(&file, false).unwrap();
    assert_eq!(checked, interleavings::proof::Checked::Same);
    let out = interleavings(&["prove", "--check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let edited = std::fs::read_to_string(&file)
        .unwrap()
        .replace("\"atomic\"", "\"none\"");
    std::fs::write(&file, edited).unwrap();
    let out = interleavings(&["prove", "--check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("verdict: proved -> violated"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn the_reduction_is_a_setting_of_the_engine_and_of_proof_files() {
    let explore = |reduction: &str| {
        let out = interleavings(&[
            "explore",
            "tickets",
            "--sellers",
            "2",
            "--tickets",
            "2",
            "--guard",
            "mutex",
            "--engine",
            "dfs",
            "--reduction",
            reduction,
            "--json",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        serde_json::from_slice::<interleavings::json::JsonReport>(&out.stdout).unwrap()
    };
    let (reduced, full) = (explore("sync-points"), explore("off"));
    assert_eq!(reduced.verdict.name, "proved");
    assert_eq!(full.verdict.name, "proved");
    assert!(reduced.executions < full.executions);
    assert_eq!(reduced.outcomes.len(), full.outcomes.len());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tickets.toml");
    let out = interleavings(&[
        "prove",
        "tickets",
        "--sellers",
        "2",
        "--tickets",
        "2",
        "--guard",
        "mutex",
        "--engine",
        "dfs",
        "--reduction",
        "off",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("reduction = \"off\""), "{written}");
    assert!(
        written.contains(&format!("executions = {}", full.executions)),
        "{written}"
    );
    let out = interleavings(&["prove", "--check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = interleavings(&[
        "explore",
        "counter",
        "--engine",
        "pct",
        "--reduction",
        "off",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn replay_against_takes_a_variant() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/regressions/counter-none-loom.toml"
    );
    let out = interleavings(&["replay", file, "--against", "mutex"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("109"));
    let out = interleavings(&["replay", file, "--against", "spinlock"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn estimate_says_how_big_an_exhaustive_search_is() {
    let out = interleavings(&[
        "estimate",
        "counter",
        "--guard",
        "mutex",
        "--samples",
        "300",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("an exhaustive DFS without partial-order reduction takes about"),
        "{stdout}"
    );
    // The trial of the reduced DFS finishes this one.
    assert!(
        stdout
            .contains("the DFS with its partial-order reduction finished: proved in 20 executions"),
        "{stdout}"
    );
    let out = interleavings(&["estimate", "counter", "--samples", "0"]);
    assert_eq!(out.status.code(), Some(2));
    let out = interleavings(&["estimate", "counter", "--trial", "soon"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn estimate_extrapolates_from_a_trial_of_the_reduced_dfs() {
    // 279,936 executions: a tenth of a second covers a small part of them.
    let out = interleavings(&[
        "estimate",
        "tickets",
        "--sellers",
        "6",
        "--tickets",
        "7",
        "--guard",
        "mutex",
        "--samples",
        "10",
        "--trial",
        "100ms",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("the DFS with its partial-order reduction, run for 100ms: ")
            && stdout.contains("of the search tree explored: the whole search takes about"),
        "{stdout}"
    );
    // Without a trial, only the probes.
    let out = interleavings(&["estimate", "counter", "--trial", "0s"]);
    assert!(!text(&out.stdout).contains("the DFS with its"));
}

#[test]
fn the_save_variable_saves_only_when_set_to_something_but_0() {
    for (value, saves) in [
        (None, false),
        (Some("0"), false),
        (Some(""), false),
        (Some("1"), true),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_interleavings"));
        command
            .args(["explore", "counter", "--guard", "none"])
            .current_dir(dir.path())
            .env_remove(interleavings::SAVE_VARIABLE);
        if let Some(value) = value {
            command.env(interleavings::SAVE_VARIABLE, value);
        }
        let out = command.output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        let saved = dir.path().join(interleavings::regression::DIRECTORY);
        assert_eq!(saved.exists(), saves, "{value:?}");
    }
}
