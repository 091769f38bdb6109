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
