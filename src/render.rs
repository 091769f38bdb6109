//! Plain-text rendering of counterexamples, traces and outcome tables.
//!
//! A trace is one row per step and one column per thread. Wide or long traces are cut down
//! to what tells the story: the columns are the threads that take part in the failure (the
//! rest share one column), and the rows kept are the marked steps, the steps around them and
//! the start; every gap says how many steps it hides.

use crate::report::{Counterexample, CounterexampleKind, Report};
use crate::trace::{Op, Trace};
use std::collections::BTreeSet;
use std::fmt::{self, Write};

/// How to present a report: colour, and the width to fit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Style {
    /// ANSI colours: marked steps and violating outcomes in red, holding outcomes in green.
    pub colour: bool,
    /// Widest line, in characters (the trace's cells are cut to fit).
    pub width: usize,
    /// Most trace rows shown before steps far from the marked ones are elided.
    pub max_rows: usize,
}

impl Style {
    /// No colour, 120 columns: for files, pipes, logs and snapshots.
    pub fn plain() -> Self {
        Style {
            colour: false,
            width: 120,
            max_rows: 40,
        }
    }

    /// Colour only when standard output is a terminal and `NO_COLOR` is not set.
    pub fn for_stdout() -> Self {
        use std::io::IsTerminal;
        let no_colour = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            colour: !no_colour && std::io::stdout().is_terminal(),
            ..Style::plain()
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

impl Default for Style {
    fn default() -> Self {
        Style::plain()
    }
}

const RED: &str = "1;31";
const GREEN: &str = "32";

/// Threads given a column of their own before the rest share one.
const MAX_COLUMNS: usize = 5;
/// Rows around each marked step that are kept.
const CONTEXT: usize = 2;
/// Rows at the start that are kept (the spawns that set the scene).
const HEAD: usize = 3;
/// Narrowest a cell is cut to, however many columns there are.
const MIN_CELL: usize = 12;

pub(crate) fn counterexample(out: &mut String, cx: &Counterexample, style: &Style) -> fmt::Result {
    let kind = cx.kind().describe();
    let first = wrap(&format!("{kind}: {}", cx.message()), style.width);
    let first = first.replacen(kind, &style.paint(RED, kind), 1);
    writeln!(out, "{first}")?;
    let mut lines = Vec::new();
    if let Some(summary) = cx.summary() {
        lines.push(summary.to_owned());
    }
    if cx.kind() == CounterexampleKind::DataRace {
        lines.push(match cx.failure() {
            Some(failure) => format!("property broken: {failure}"),
            None => {
                "the property held in this execution: the race is a bug all the same".to_owned()
            }
        });
    }
    if let Some(outcome) = cx.outcome() {
        lines.push(format!("outcome: {outcome}"));
    }
    if !cx.is_recorded() {
        lines.push(if cx.not_repeated {
            format!(
                "execution {} (no trace: this run kept none, and the bug did not come back when \
                 its executions ran again traced; the model depends on something outside it, \
                 such as a global, the clock or randomness)",
                cx.execution()
            )
        } else {
            format!(
                "execution {} (unrecorded: no trace and no schedule to replay; run it recorded, \
                 or on a model-checking engine, to see the interleaving)",
                cx.execution()
            )
        });
        for line in lines {
            writeln!(out, "{}", wrap(&line, style.width))?;
        }
        return Ok(());
    }
    let mut numbers = format!(
        "execution {}, {} steps, {}",
        cx.execution(),
        cx.trace()
            .events
            .iter()
            .filter(|e| e.op != Op::Finish)
            .count(),
        crate::report::count(cx.preemptions() as u64, "preemption"),
    );
    if let Some(how) = cx.minimality() {
        write!(numbers, " ({how})")?;
    }
    lines.push(numbers);
    for line in lines {
        writeln!(out, "{}", wrap(&line, style.width))?;
    }
    trace(
        out,
        cx.trace(),
        cx.marked_events(),
        &cx.diagnosis.context,
        style,
    )
}

/// Wraps a line of prose to `width`, continuation lines indented.
fn wrap(text: &str, width: usize) -> String {
    let options = textwrap::Options::new(width).subsequent_indent("    ");
    textwrap::wrap(text, options).join("\n")
}

/// One cell or a gap line of the rendered trace.
enum Row {
    Step(usize),
    Gap { steps: usize, threads: Vec<usize> },
}

pub(crate) fn trace(
    out: &mut String,
    trace: &Trace,
    marks: &[usize],
    context: &[usize],
    style: &Style,
) -> fmt::Result {
    let shown: Vec<usize> = (0..trace.events.len())
        .filter(|&i| trace.events[i].op != Op::Finish)
        .collect();
    let acting: Vec<usize> = (0..trace.threads.len())
        .filter(|&t| shown.iter().any(|&i| trace.events[i].thread == t))
        .collect();
    let columns = choose_columns(trace, &acting, marks, context);
    let shared_column = acting.len() > columns.len();
    let column_of = |thread: usize| {
        columns
            .iter()
            .position(|&t| t == thread)
            .or(shared_column.then_some(columns.len()))
    };
    let mut headers: Vec<String> = columns.iter().map(|&t| trace.threads[t].clone()).collect();
    if shared_column {
        headers.push(format!("{} others", acting.len() - columns.len()));
    }
    let cell = |i: usize| {
        let event = &trace.events[i];
        if columns.contains(&event.thread) {
            event.to_string()
        } else {
            format!("{}: {event}", trace.threads[event.thread])
        }
    };
    let rows = choose_rows(trace, &shown, marks, context, style.max_rows);
    let step_width = shown.len().to_string().len().max(4);
    let fixed = 3 + step_width + 1;
    let cap = (style.width.saturating_sub(fixed) / headers.len().max(1))
        .saturating_sub(3)
        .max(MIN_CELL);
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count().min(cap)).collect();
    for row in &rows {
        if let Row::Step(i) = row {
            if let Some(c) = column_of(trace.events[*i].thread) {
                widths[c] = widths[c].max(cell(*i).chars().count().min(cap));
            }
        }
    }
    let mut line = format!("   {:>step_width$} ", "step");
    for (header, width) in headers.iter().zip(&widths) {
        write!(line, "| {:<width$} ", cut(header, *width))?;
    }
    writeln!(out, "{}", line.trim_end())?;
    for row in rows {
        match row {
            Row::Step(i) => {
                let event = &trace.events[i];
                let marked = marks.contains(&i);
                let column = column_of(event.thread);
                let mut line = format!(
                    "{} {:>step_width$} ",
                    if marked { ">>" } else { "  " },
                    event.step
                );
                for (c, width) in widths.iter().enumerate() {
                    let text = if Some(c) == column {
                        cut(&cell(i), *width)
                    } else {
                        String::new()
                    };
                    write!(line, "| {text:<width$} ")?;
                }
                let line = line.trim_end();
                if marked {
                    writeln!(out, "{}", style.paint(RED, line))?;
                } else {
                    writeln!(out, "{line}")?;
                }
            }
            Row::Gap { steps, threads } => {
                let names: Vec<&str> = threads.iter().map(|&t| trace.threads[t].as_str()).collect();
                let by = if names.len() > 3 {
                    format!("{}, … ({} threads)", names[..3].join(", "), names.len())
                } else {
                    names.join(", ")
                };
                let noun = if steps == 1 { "step" } else { "steps" };
                writeln!(out, "   {:>step_width$}   … {steps} {noun} by {by}", "")?;
            }
        }
    }
    Ok(())
}

/// The threads that get a column: all that act, when few do; else the ones the failure is
/// about (marked or context steps), then the busiest, up to the limit.
fn choose_columns(
    trace: &Trace,
    acting: &[usize],
    marks: &[usize],
    context: &[usize],
) -> Vec<usize> {
    if acting.len() <= MAX_COLUMNS {
        return acting.to_vec();
    }
    let mut chosen: BTreeSet<usize> = BTreeSet::new();
    for &i in marks.iter().chain(context) {
        if chosen.len() < MAX_COLUMNS - 1 {
            chosen.insert(trace.events[i].thread);
        }
    }
    chosen.into_iter().collect()
}

/// The rows kept: marked and context steps with their neighbours, the first few, and then
/// the nearest to a mark until the budget is spent. What is left out becomes gap lines.
fn choose_rows(
    trace: &Trace,
    shown: &[usize],
    marks: &[usize],
    context: &[usize],
    budget: usize,
) -> Vec<Row> {
    if shown.len() <= budget {
        return shown.iter().map(|&i| Row::Step(i)).collect();
    }
    let position = |event: usize| shown.iter().position(|&i| i == event);
    let anchors: Vec<usize> = marks
        .iter()
        .chain(context)
        .filter_map(|&e| position(e))
        .collect();
    let mut keep: BTreeSet<usize> = (0..HEAD.min(shown.len())).collect();
    for &a in &anchors {
        keep.insert(a);
    }
    for &a in &anchors {
        for r in a.saturating_sub(CONTEXT)..=(a + CONTEXT).min(shown.len() - 1) {
            if keep.len() >= budget {
                break;
            }
            keep.insert(r);
        }
    }
    // Then the rows closest to an anchor (before it first: the lead-up matters more).
    let mut by_distance: Vec<(usize, usize)> = (0..shown.len())
        .filter(|r| !keep.contains(r))
        .map(|r| {
            let distance = anchors
                .iter()
                .map(|&a| if r < a { 2 * (a - r) } else { 2 * (r - a) + 1 })
                .min()
                .unwrap_or(usize::MAX);
            (distance, r)
        })
        .collect();
    by_distance.sort_unstable();
    for (_, r) in by_distance {
        if keep.len() >= budget {
            break;
        }
        keep.insert(r);
    }
    let mut rows = Vec::new();
    let mut next = 0;
    for r in keep {
        if r > next {
            rows.push(gap(trace, shown, next, r));
        }
        rows.push(Row::Step(shown[r]));
        next = r + 1;
    }
    if next < shown.len() {
        rows.push(gap(trace, shown, next, shown.len()));
    }
    rows
}

fn gap(trace: &Trace, shown: &[usize], from: usize, to: usize) -> Row {
    let mut threads: Vec<usize> = Vec::new();
    for &i in &shown[from..to] {
        let thread = trace.events[i].thread;
        if !threads.contains(&thread) {
            threads.push(thread);
        }
    }
    Row::Gap {
        steps: to - from,
        threads,
    }
}

fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(width.saturating_sub(1)).collect();
        short.push('…');
        short
    }
}

/// The outcome table: each distinct outcome, how often, and whether it holds.
pub(crate) fn outcomes<O: Ord + fmt::Debug>(
    out: &mut String,
    report: &Report<O>,
    style: &Style,
) -> fmt::Result {
    /// Rows shown before the rest is summarised in one line.
    const MAX_ROWS: usize = 20;
    if report.outcomes.is_empty() {
        return writeln!(out, "outcomes: none (no execution ran to completion)");
    }
    writeln!(out, "outcomes:")?;
    let total: u64 = report.outcomes.values().sum();
    let mut rows: Vec<(&O, &u64)> = report.outcomes.iter().collect();
    // Most frequent first; ties in outcome order, so the table is stable.
    rows.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let texts: Vec<String> = rows.iter().map(|(o, _)| format!("{o:?}")).collect();
    let width = texts
        .iter()
        .take(MAX_ROWS)
        .map(|t| t.chars().count())
        .max()
        .unwrap_or(0)
        .min(style.width.saturating_sub(31));
    for ((outcome, count), text) in rows.iter().zip(&texts).take(MAX_ROWS) {
        let status = if report.violating.contains_key(*outcome) {
            style.paint(RED, "VIOLATES")
        } else {
            style.paint(GREEN, "ok")
        };
        let share = **count as f64 * 100.0 / total as f64;
        let text = cut(text, width);
        writeln!(out, "  {text:<width$}  {count:>9}  {share:>5.1}%  {status}")?;
    }
    if rows.len() > MAX_ROWS {
        let rest: u64 = rows[MAX_ROWS..].iter().map(|(_, c)| **c).sum();
        writeln!(
            out,
            "  … {} more outcomes ({rest} executions)",
            rows.len() - MAX_ROWS
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Event;

    /// `threads` threads taking turns, one `get x` each, for `steps` steps.
    fn round_robin(threads: usize, steps: usize) -> Trace {
        Trace {
            threads: (0..threads).map(|t| format!("t{t}")).collect(),
            events: (0..steps)
                .map(|i| Event {
                    step: i + 1,
                    thread: i % threads,
                    op: Op::Get,
                    object: "x".into(),
                    value: None,
                })
                .collect(),
            races: Vec::new(),
        }
    }

    /// Rows as text: a step by its event index, a gap by its size and threads.
    fn rows(trace: &Trace, marks: &[usize], context: &[usize], budget: usize) -> Vec<String> {
        let shown: Vec<usize> = (0..trace.events.len()).collect();
        choose_rows(trace, &shown, marks, context, budget)
            .into_iter()
            .map(|row| match row {
                Row::Step(i) => i.to_string(),
                Row::Gap { steps, threads } => format!("gap {steps} {threads:?}"),
            })
            .collect()
    }

    #[test]
    fn a_trace_within_the_budget_keeps_every_row() {
        let trace = round_robin(3, 6);
        assert_eq!(rows(&trace, &[4], &[], 6), ["0", "1", "2", "3", "4", "5"]);
    }

    /// The start, the mark with two rows each side, then the nearest rows, the lead-up
    /// first (9 before 15, though both are three rows away), until the budget is spent.
    #[test]
    fn a_long_trace_keeps_its_start_its_marks_and_their_nearest_rows() {
        let trace = round_robin(3, 20);
        assert_eq!(
            rows(&trace, &[12], &[], 11),
            [
                "0",
                "1",
                "2",
                "gap 5 [0, 1, 2]",
                "8",
                "9",
                "10",
                "11",
                "12",
                "13",
                "14",
                "15",
                "gap 4 [1, 2, 0]"
            ]
        );
        assert_eq!(
            rows(&trace, &[12], &[], 4),
            ["0", "1", "2", "gap 9 [0, 1, 2]", "12", "gap 7 [1, 2, 0]"]
        );
    }

    #[test]
    fn a_mark_on_the_last_row_keeps_the_rows_before_it() {
        let trace = round_robin(2, 12);
        assert_eq!(
            rows(&trace, &[11], &[], 8),
            ["0", "1", "2", "gap 4 [1, 0]", "7", "8", "9", "10", "11"]
        );
    }

    #[test]
    fn context_steps_anchor_rows_as_marks_do() {
        let trace = round_robin(2, 30);
        assert_eq!(
            rows(&trace, &[20], &[5], 9),
            [
                "0",
                "1",
                "2",
                "gap 2 [1, 0]",
                "5",
                "gap 12 [0, 1]",
                "18",
                "19",
                "20",
                "21",
                "22",
                "gap 7 [1, 0]"
            ]
        );
    }

    #[test]
    fn up_to_five_threads_each_get_a_column() {
        let trace = round_robin(5, 10);
        assert_eq!(
            choose_columns(&trace, &[0, 1, 2, 3, 4], &[], &[]),
            [0, 1, 2, 3, 4]
        );
    }

    /// With more threads, four columns go to the threads of the marked and context steps
    /// (in thread order), and the rest share the fifth.
    #[test]
    fn past_five_threads_the_failing_threads_get_the_columns() {
        let trace = round_robin(7, 14);
        let acting = [0, 1, 2, 3, 4, 5, 6];
        assert_eq!(choose_columns(&trace, &acting, &[6, 2], &[1]), [1, 2, 6]);
        assert_eq!(
            choose_columns(&trace, &acting, &[6, 2, 13], &[1, 3, 5]),
            [1, 2, 3, 6]
        );
    }

    #[test]
    fn a_cell_too_wide_is_cut_with_an_ellipsis() {
        assert_eq!(cut("lock tickets", 12), "lock tickets");
        assert_eq!(cut("lock tickets", 6), "lock …");
        assert_eq!(cut("lock", 0), "…");
    }

    /// Seven threads: four columns and one they share, each cell of the shared one naming
    /// its thread; a gap names at most three threads and counts the rest.
    #[test]
    fn the_threads_without_a_column_share_one_and_gaps_name_three_at_most() {
        let trace = round_robin(7, 30);
        let style = Style {
            max_rows: 8,
            ..Style::plain()
        };
        let mut out = String::new();
        trace_text(&mut out, &trace, &[20], &[16], &style);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0].split('|').map(str::trim).collect::<Vec<_>>(),
            ["step", "t2", "t6", "5 others"]
        );
        assert!(lines.iter().any(|l| l.contains("| t0: get x")), "{out}");
        assert!(lines.iter().any(|l| l.starts_with(">>")), "{out}");
        assert!(
            out.contains("… 13 steps by t3, t4, t5, … (7 threads)\n"),
            "{out}"
        );
        assert!(out.contains("… 1 step by t3\n"), "{out}");
        assert!(
            out.contains("… 8 steps by t1, t2, t3, … (7 threads)\n"),
            "{out}"
        );
        assert_eq!(lines.len(), 1 + 8 + 3, "{out}");
    }

    fn trace_text(out: &mut String, t: &Trace, marks: &[usize], context: &[usize], style: &Style) {
        trace(out, t, marks, context, style).expect("writing to a string");
    }
}
