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
    let cases: [(&[&str], &str); 5] = [
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
