//! Regression and proof files: the checked-in ones still hold, replays are exact and
//! deterministic, and a damaged file is a precise error, never a panic or a skipped check.

use interleavings::models::{Counter, CounterGuard, TicketSale};
use interleavings::proof::{self, Checked, Proof};
use interleavings::regression::{self, Regression};
use interleavings::{Engine, Error, Explorer, Model};
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

#[test]
fn every_checked_in_regression_still_fails_the_same_way() {
    let checked = regression::check_all(&repo(regression::DIRECTORY)).unwrap();
    let names: Vec<String> = checked
        .iter()
        .map(|(path, _)| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for required in [
        "counter-none-loom.toml",
        "counter-none-pct.toml",
        "tickets-none-3-3-loom.toml",
        "tickets-none-3-3-pct.toml",
    ] {
        assert!(
            names.iter().any(|n| n == required),
            "{required} missing: {names:?}"
        );
    }
    for (path, result) in checked {
        if let Err(error) = result {
            panic!("{}: {error}", path.display());
        }
    }
}

#[test]
fn replaying_a_regression_100_times_gives_identical_traces() {
    for path in std::fs::read_dir(repo(regression::DIRECTORY)).unwrap() {
        let path = path.unwrap().path();
        let saved = Regression::load(&path).unwrap();
        let first = saved.check(&path).unwrap().to_string();
        let trace = |text: &str| text.split("outcomes:").next().unwrap().to_owned();
        for _ in 0..99 {
            let again = saved.check(&path).unwrap().to_string();
            assert_eq!(trace(&first), trace(&again), "{}", path.display());
        }
    }
}

fn replays_exactly<M: Model + Clone>(model: M, engine: Engine) {
    let report = Explorer::new(model.clone())
        .engine(engine.clone())
        .minimize(false)
        .run();
    let found = report.counterexample().expect("violated");
    let replayed = Explorer::new(model)
        .engine(Engine::schedule(found.schedule().clone()))
        .run();
    let again = replayed.counterexample().expect("the replay fails too");
    assert_eq!(again.trace(), found.trace(), "{engine}");
    assert_eq!(
        (again.kind(), again.message()),
        (found.kind(), found.message()),
        "{engine}"
    );
}

#[test]
fn a_schedule_found_by_any_engine_replays_to_the_same_failure() {
    for engine in [
        Engine::loom(),
        Engine::dfs(),
        Engine::random(1_000).seed(3),
        Engine::pct(1_000, 3).seed(3),
        Engine::std().runs(300).chaos(3),
    ] {
        replays_exactly(Counter::new(CounterGuard::None), engine.clone());
        replays_exactly(TicketSale::unguarded(3, 3), engine);
    }
}

#[test]
fn every_checked_in_proof_gives_the_same_result() {
    let update = proof::update_requested();
    let checked = proof::check_all(&repo(proof::DIRECTORY), update).unwrap();
    assert!(checked.len() >= 4, "{checked:?}");
    for (path, result) in checked {
        match result {
            Ok(Checked::Same) => {}
            Ok(Checked::Updated(diff)) => eprintln!("updated {}: {diff:?}", path.display()),
            Err(error) => panic!("{error}"),
        }
    }
}

/// A copy of a checked-in file in a fresh directory, edited by `edit`.
fn tampered(
    dir: &str,
    name: &str,
    edit: impl Fn(String) -> String,
) -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo(dir).join(name)).unwrap();
    let path = temp.path().join(name);
    std::fs::write(&path, edit(text)).unwrap();
    (temp, path)
}

fn file_error(result: Result<impl std::fmt::Debug, Error>) -> (Option<usize>, String) {
    match result {
        Err(Error::File { line, message, .. }) => (line, message),
        other => panic!("expected a file error, got {other:?}"),
    }
}

const COUNTER: &str = "counter-none-loom.toml";

#[test]
fn a_truncated_regression_names_the_file_and_what_is_missing() {
    let (_dir, path) = tampered(regression::DIRECTORY, COUNTER, |text| {
        text[..text.find("schedule = [").unwrap()].to_owned()
    });
    let error = Regression::load(&path).unwrap_err();
    assert!(
        error.to_string().starts_with(&path.display().to_string()),
        "{error}"
    );
    let (_, message) = file_error(Err::<(), _>(error));
    assert!(message.contains("schedule"), "{message}");
}

#[test]
fn a_wrong_field_type_names_its_line() {
    let (_dir, path) = tampered(regression::DIRECTORY, COUNTER, |text| {
        text.replace("format = 1", "format = \"one\"")
    });
    let (line, message) = file_error(Regression::load(&path));
    let expected = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .position(|l| l.starts_with("format"))
        .unwrap()
        + 1;
    assert_eq!(line, Some(expected), "{message}");
}

#[test]
fn an_unknown_model_or_parameter_is_an_error_on_the_model_line() {
    let (_dir, path) = tampered(regression::DIRECTORY, COUNTER, |text| {
        text.replace("model = \"counter\"", "model = \"countr\"")
    });
    let (line, message) = file_error(Regression::load(&path));
    assert!(
        line.is_some() && message.contains("no model `countr`"),
        "{message}"
    );
    let (_dir, path) = tampered(regression::DIRECTORY, COUNTER, |text| {
        text.replace("guard = \"none\"", "guard = \"spinlock\"")
    });
    let (_, message) = file_error(Regression::load(&path));
    assert!(message.contains("`spinlock` is not one of"), "{message}");
    let (_dir, path) = tampered(proof::DIRECTORY, "counter-mutex-loom.toml", |text| {
        text.replace("[params]", "[params]\ncolour = \"red\"")
    });
    let (_, message) = file_error(Proof::load(&path));
    assert!(message.contains("parameter `colour`"), "{message}");
}

#[test]
fn a_hand_edited_kind_or_format_is_refused() {
    let (_dir, path) = tampered(regression::DIRECTORY, COUNTER, |text| {
        text.replace("kind = \"data race\"", "kind = \"race\"")
    });
    let (_, message) = file_error(Regression::load(&path));
    assert!(message.contains("unknown kind `race`"), "{message}");
    let (_dir, path) = tampered(regression::DIRECTORY, COUNTER, |text| {
        text.replace("format = 1", "format = 7")
    });
    let (_, message) = file_error(Regression::load(&path));
    assert!(message.contains("format 7 is not supported"), "{message}");
}

#[test]
fn a_schedule_for_a_different_model_says_where_it_stops_applying() {
    // The counter's schedule names threads 1 and 2; the ticket office with 3 sellers has
    // them too, but they do other things: the replay diverges, and the check says where.
    let (_dir, path) = tampered(regression::DIRECTORY, COUNTER, |text| {
        text.replace("model = \"counter\"", "model = \"tickets\"")
            .replace(
                "guard = \"none\"",
                "guard = \"none\"\nsellers = \"1\"\ntickets = \"1\"",
            )
    });
    let saved = Regression::load(&path).unwrap();
    match saved.check(&path) {
        Err(Error::Stale { message, .. }) => {
            assert!(message.contains("the schedule does not apply"), "{message}");
        }
        other => panic!("expected a stale regression, got {other:?}"),
    }
}

#[test]
fn a_regression_whose_model_was_fixed_says_it_no_longer_fails() {
    let (_dir, path) = tampered(regression::DIRECTORY, COUNTER, |text| {
        text.replace("guard = \"none\"", "guard = \"mutex\"")
    });
    let saved = Regression::load(&path).unwrap();
    let Err(Error::Stale { message, .. }) = saved.check(&path) else {
        panic!("a fixed model cannot fail the same way");
    };
    assert!(
        message.contains("does not apply") || message.contains("no longer fails"),
        "{message}"
    );
}

#[test]
fn a_proof_whose_model_changed_fails_with_a_readable_diff() {
    let (_dir, path) = tampered(proof::DIRECTORY, "counter-mutex-loom.toml", |text| {
        text.replace("guard = \"mutex\"", "guard = \"none\"")
    });
    let Err(Error::Stale { message, .. }) = Proof::check(&path, false) else {
        panic!("the proof must fail");
    };
    assert!(
        message.contains("verdict: proved -> violated (data race)"),
        "{message}"
    );
    assert!(message.contains("new outcome: 103"), "{message}");
    assert!(message.contains("INTERLEAVINGS_UPDATE=1"), "{message}");
    // With update, the file is rewritten atomically and then checks clean.
    assert!(matches!(Proof::check(&path, true), Ok(Checked::Updated(_))));
    assert_eq!(Proof::check(&path, false).unwrap(), Checked::Same);
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary files left: {leftovers:?}");
}

#[test]
fn explorer_saves_each_new_counterexample_once() {
    let dir = tempfile::tempdir().unwrap();
    let explore = || {
        Explorer::new(TicketSale::unguarded(2, 1))
            .engine(Engine::pct(100, 3).seed(4))
            .save_regressions(dir.path())
            .run()
    };
    let saved = explore().saved_to().unwrap().to_path_buf();
    assert_eq!(explore().saved_to(), Some(saved.as_path()));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    Regression::load(&saved).unwrap().check(&saved).unwrap();
}

#[test]
fn interleavings_save_makes_the_command_line_save_regressions() {
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_interleavings"))
        .args(["explore", "counter", "--guard", "none", "--engine", "pct"])
        .env("INTERLEAVINGS_SAVE", "1")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(1));
    let saved = dir.path().join("models/regressions/counter-none-pct.toml");
    Regression::load(&saved).unwrap().check(&saved).unwrap();
}

#[test]
fn replaying_the_racy_schedule_against_the_fixed_office_shows_it_correct() {
    let file = repo("models/regressions/tickets-none-3-3-pct.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_interleavings"))
        .args(["replay", file.to_str().unwrap(), "--guard", "mutex"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("sold 3 of 3, left 0"), "{stdout}");
    assert!(stdout.contains("blocked on lock"), "{stdout}");
    assert!(
        stdout.contains("does not fit this model exactly"),
        "{stdout}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_interleavings"))
        .args(["replay", file.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("replays exactly"), "{stdout}");
}

#[test]
fn a_bad_file_on_the_command_line_exits_2_naming_it() {
    // Truncated in the middle of a line: the value of `model` is missing.
    let (_dir, path) = tampered(regression::DIRECTORY, COUNTER, |_| {
        "format = 1\nmodel = \n".into()
    });
    let out = Command::new(env!("CARGO_BIN_EXE_interleavings"))
        .args(["replay", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:2", path.display())),
        "{stderr}"
    );
}

/// The engine settings a file records read back as the same engine, for every engine and
/// the settings that change what it explores; a default reduction is not written at all.
#[test]
fn engine_settings_read_back_as_the_engine_they_were_written_from() {
    use interleavings::{EngineSpec, Reduction};
    let engines = [
        Engine::loom(),
        Engine::loom().preemption_bound(2).max_iterations(50),
        Engine::dfs(),
        Engine::dfs().reduction(Reduction::Off),
        Engine::dfs().max_iterations(10),
        Engine::pct(100, 3).seed(9),
        Engine::random(40).seed(2),
        Engine::pct(100, 3).seed(9).unrecorded(),
        Engine::random(40).unrecorded(),
        Engine::std().runs(7).chaos(3),
        Engine::std().runs(7).unrecorded(),
    ];
    for engine in engines {
        let spec = EngineSpec::of(&engine);
        if engine.reduction_applied() == Reduction::default() || !engine.is_exhaustive() {
            assert_eq!(spec.reduction, None, "{engine}");
        }
        assert_eq!(spec.engine(), Ok(engine.clone()), "{engine}");
    }
}
