//! The README shows output of the tool; these tests generate it again and compare, so that
//! it cannot go stale. `INTERLEAVINGS_UPDATE=1 cargo test readme` rewrites the blocks.

use interleavings::models::{Counter, CounterGuard, TicketSale};
use interleavings::{Engine, Explorer, Style};
use std::path::Path;

/// How a generated block sits in the README after its `<!-- generated: NAME -->` line.
#[derive(Clone, Copy)]
pub(crate) enum Block {
    /// In a ```text fence.
    Fenced,
    /// Plain lines (a Markdown table), up to the next blank line.
    Table,
}

/// Checks the README block named `name` against `generated`; with `INTERLEAVINGS_UPDATE`
/// set, rewrites it instead (atomically).
pub(crate) fn check_block(name: &str, generated: &str, block: Block) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md is readable");
    let (opening, closing, keep) = match block {
        Block::Fenced => ("```text\n", "```\n", 0),
        Block::Table => ("", "\n\n", 1),
    };
    let marker = format!("<!-- generated: {name} -->\n{opening}");
    let start = readme
        .find(&marker)
        .unwrap_or_else(|| panic!("README.md has no `<!-- generated: {name} -->` block"))
        + marker.len();
    let end = start
        + keep
        + readme[start..]
            .find(closing)
            .unwrap_or_else(|| panic!("README.md: the `{name}` block is not closed"));
    if readme[start..end] == *generated {
        return;
    }
    if std::env::var_os("INTERLEAVINGS_UPDATE").is_some() {
        let updated = format!("{}{generated}{}", &readme[..start], &readme[end..]);
        let temporary = path.with_extension("md.tmp");
        std::fs::write(&temporary, updated).expect("write README.md.tmp");
        std::fs::rename(&temporary, &path).expect("replace README.md");
        return;
    }
    panic!(
        "README.md's `{name}` block is stale; run `INTERLEAVINGS_UPDATE=1 cargo test`.\n\
         expected:\n{generated}\nfound:\n{}",
        &readme[start..end]
    );
}

#[test]
fn readme_shows_the_seed_size_counterexample_the_first_command_prints() {
    // The README's first command: explore tickets --sellers 10 --tickets 50 --guard none
    // --engine pct --iterations 10000 (depth 3, the default seed).
    let report = Explorer::new(TicketSale::unguarded(10, 50))
        .engine(Engine::pct(10_000, 3))
        .run();
    let cx = report.counterexample().expect("violated");
    check_block(
        "tickets-seed-size",
        &cx.render(&Style::plain()),
        Block::Fenced,
    );
}

#[test]
fn readme_shows_the_racy_counter_outcome_table() {
    let report = Explorer::new(Counter::new(CounterGuard::None))
        .engine(Engine::loom())
        .keep_going()
        .run();
    check_block(
        "counter-outcomes",
        &report.outcome_table(&Style::plain()),
        Block::Fenced,
    );
}
