//! What a counterexample shows: the exact text (snapshots), the fewest preemptions, and a
//! trace that fits a terminal even at the tutorial's size.

use interleavings::models::{Counter, CounterGuard, TicketSale};
use interleavings::{Counterexample, Engine, Explorer, Model, Style};

fn counterexample<M: Model>(model: M, engine: Engine) -> Counterexample {
    let report = Explorer::new(model).engine(engine).run();
    report
        .counterexample()
        .unwrap_or_else(|| panic!("expected a violation\n{report}"))
        .clone()
}

#[test]
fn racy_counter_counterexample_snapshot() {
    let cx = counterexample(Counter::new(CounterGuard::None), Engine::loom());
    insta::assert_snapshot!("counter_none_loom", cx.to_string());
}

#[test]
fn racy_ticket_office_counterexample_snapshots() {
    let cx = counterexample(TicketSale::unguarded(3, 3), Engine::loom());
    insta::assert_snapshot!("tickets_3_3_none_loom", cx.to_string());
    let cx = counterexample(TicketSale::unguarded(3, 3), Engine::pct(1_000, 3).seed(3));
    insta::assert_snapshot!("tickets_3_3_none_pct", cx.to_string());
}

#[test]
fn rendering_is_the_same_run_after_run() {
    for engine in [Engine::loom(), Engine::dfs(), Engine::pct(500, 3).seed(9)] {
        let first = counterexample(TicketSale::unguarded(3, 3), engine.clone()).to_string();
        for _ in 0..3 {
            let again = counterexample(TicketSale::unguarded(3, 3), engine.clone()).to_string();
            assert_eq!(first, again, "{engine}");
        }
    }
}

#[test]
fn the_counterexample_has_the_fewest_preemptions_on_every_model_checker() {
    let engines = [
        Engine::loom(),
        Engine::dfs(),
        Engine::pct(2_000, 3).seed(1),
        Engine::pct(2_000, 3).seed(2),
        Engine::random(2_000).seed(1),
        Engine::random(2_000).seed(2),
        Engine::std().runs(300).chaos(4),
    ];
    for engine in engines {
        for (name, cx) in [
            (
                "counter/none",
                counterexample(Counter::new(CounterGuard::None), engine.clone()),
            ),
            (
                "tickets(2,1)/none",
                counterexample(TicketSale::unguarded(2, 1), engine.clone()),
            ),
        ] {
            // 0 preemptions cannot lose an update: each thread's read and write are adjacent.
            assert_eq!(cx.preemptions(), 1, "{name} on {engine}\n{cx}");
            assert!(
                cx.failure().is_some(),
                "{name} on {engine}: the failure shows\n{cx}"
            );
            assert!(cx.minimality().is_some(), "{name} on {engine}");
        }
    }
}

/// The count is the trace's own, whatever it is: none for a failure that needs no switch,
/// several for a random schedule left unshrunk, and the summary line says the same.
#[test]
fn the_preemption_count_is_the_traces_own_and_the_summary_says_it() {
    let fails_alone = || {
        let x = interleavings::Shared::new(1).named("x");
        assert_eq!(x.get(), 2, "a failure that needs no other thread");
    };
    for engine in [Engine::loom(), Engine::dfs(), Engine::pct(10, 3)] {
        let report = interleavings::explore(fails_alone)
            .engine(engine.clone())
            .run();
        let cx = report.counterexample().expect("it always fails");
        assert_eq!(cx.preemptions(), 0, "{engine}\n{cx}");
    }
    let report = Explorer::new(TicketSale::unguarded(3, 3))
        .engine(Engine::random(200).seed(4))
        .minimize(false)
        .run();
    let cx = report.counterexample().expect("random finds the race");
    let count = cx.preemptions();
    assert_eq!(count, cx.trace().preemptions(), "{cx}");
    assert!(
        count > 1,
        "an unshrunk random schedule switches often: {cx}"
    );
    assert!(
        cx.to_string().contains(&format!("{count} preemptions")),
        "{cx}"
    );
}

#[test]
fn the_seed_size_counterexample_fits_a_terminal() {
    let cx = counterexample(TicketSale::unguarded(10, 50), Engine::pct(10_000, 3));
    let text = cx.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() < 60, "{} lines:\n{text}", lines.len());
    for line in &lines {
        assert!(line.chars().count() <= 120, "too wide:\n{line}");
    }
    // The story is there: the marked steps and who acted in them.
    assert!(text.contains(">>"), "{text}");
    assert!(text.contains("others"), "{text}");
    assert!(text.contains("steps by"), "{text}");
}

#[test]
fn colour_only_when_asked_and_plain_text_has_no_escapes() {
    let cx = counterexample(Counter::new(CounterGuard::None), Engine::loom());
    assert!(!cx.to_string().contains('\x1b'));
    let coloured = cx.render(&Style {
        colour: true,
        ..Style::plain()
    });
    assert!(coloured.contains("\x1b[1;31m>>"), "{coloured}");
    let report = Explorer::new(Counter::new(CounterGuard::None))
        .engine(Engine::loom())
        .run();
    assert!(!report.to_string().contains('\x1b'));
}

/// An atomic's steps show what each operation saw and left, on every engine that keeps a
/// trace: a load its value, a store what it wrote, a read-modify-write `old → new`, a failed
/// compare-exchange what it saw instead.
#[test]
fn each_atomic_step_shows_the_value_it_saw_and_the_value_it_left() {
    use interleavings::sync::atomic::{AtomicBool, AtomicU32, Ordering};
    use interleavings::trace::Op;

    let every_operation = || {
        let n = AtomicU32::new(0).named("n");
        let flag = AtomicBool::new(false).named("flag");
        n.fetch_add(1, Ordering::SeqCst);
        n.swap(7, Ordering::SeqCst);
        n.fetch_sub(2, Ordering::SeqCst);
        assert!(
            n.compare_exchange(9, 1, Ordering::SeqCst, Ordering::SeqCst)
                .is_err()
        );
        assert!(
            n.compare_exchange(5, 6, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        );
        n.store(40, Ordering::SeqCst);
        flag.store(true, Ordering::SeqCst);
        assert_eq!(n.load(Ordering::SeqCst), 41, "fails, to keep the trace");
    };
    let expected = [
        (Op::FetchAdd, "n", "0 → 1"),
        (Op::Swap, "n", "1 → 7"),
        (Op::FetchSub, "n", "7 → 5"),
        (Op::CompareExchange, "n", "5, expected 9: unchanged"),
        (Op::CompareExchange, "n", "5 → 6"),
        (Op::Store, "n", "40"),
        (Op::Store, "flag", "true"),
        (Op::Load, "n", "40"),
    ];
    for engine in [Engine::loom(), Engine::dfs(), Engine::pct(10, 3)] {
        let report = interleavings::explore(every_operation)
            .engine(engine.clone())
            .run();
        let cx = report.counterexample().expect("the last assertion fails");
        let steps: Vec<(Op, &str, &str)> = cx
            .trace()
            .events
            .iter()
            .filter(|e| e.object.as_ref() == "n" || e.object.as_ref() == "flag")
            .map(|e| (e.op, e.object.as_ref(), e.value.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(steps, expected, "{engine}\n{cx}");
        assert!(
            cx.to_string().contains("fetch_add n = 0 → 1"),
            "{engine}\n{cx}"
        );
    }
}
