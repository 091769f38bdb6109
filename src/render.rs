//! Plain-text rendering of traces and outcome tables.

use crate::report::Report;
use crate::trace::{Op, Trace};
use std::fmt::{self, Write};

/// Widest a thread column may be; longer cells are cut with `…`.
const MAX_COLUMN: usize = 30;

/// One row per step, one column per thread that acts.
pub(crate) fn trace(f: &mut fmt::Formatter<'_>, trace: &Trace) -> fmt::Result {
    let acting: Vec<usize> = (0..trace.threads.len())
        .filter(|&t| {
            trace
                .events
                .iter()
                .any(|e| e.thread == t && e.op != Op::Finish)
        })
        .collect();
    let column_of = |thread: usize| acting.iter().position(|&t| t == thread);
    let cells: Vec<String> = trace.events.iter().map(|e| cut(&e.to_string())).collect();
    let mut widths: Vec<usize> = acting
        .iter()
        .map(|&t| trace.threads[t].chars().count())
        .collect();
    for (event, cell) in trace.events.iter().zip(&cells) {
        if let Some(c) = column_of(event.thread) {
            widths[c] = widths[c].max(cell.chars().count());
        }
    }
    let step_width = trace.events.len().to_string().len().max(4);
    let mut line = format!("  {:>step_width$} ", "step");
    for (c, &t) in acting.iter().enumerate() {
        write!(line, "| {:<w$} ", trace.threads[t], w = widths[c])?;
    }
    writeln!(f, "{}", line.trim_end())?;
    let shown: Vec<usize> = (0..trace.events.len())
        .filter(|&i| trace.events[i].op != Op::Finish)
        .collect();
    let mut skip_until = 0;
    for (row, &step) in shown.iter().enumerate() {
        let event = &trace.events[step];
        let cell = &cells[step];
        let Some(column) = column_of(event.thread) else {
            continue;
        };
        if row < skip_until {
            continue;
        }
        // A long stretch by one thread alone shows its first and last steps only.
        let run = shown[row..]
            .iter()
            .take_while(|&&i| trace.events[i].thread == event.thread)
            .count();
        if run > 2 * KEEP_AT_EDGES + 1
            && (row == 0 || trace.events[shown[row - 1]].thread != event.thread)
        {
            for &i in &shown[row..row + KEEP_AT_EDGES] {
                row_line(f, i, step_width, &widths, column, &cells[i])?;
            }
            let elided = run - 2 * KEEP_AT_EDGES;
            let mut line = format!("  {:>step_width$} ", "");
            for (c, width) in widths.iter().enumerate() {
                let text = if c == column {
                    format!("… {elided} more")
                } else {
                    String::new()
                };
                write!(line, "| {text:<width$} ")?;
            }
            writeln!(f, "{}", line.trim_end())?;
            skip_until = row + run - KEEP_AT_EDGES;
            continue;
        }
        row_line(f, step, step_width, &widths, column, cell)?;
    }
    Ok(())
}

/// Steps shown at each end of a long single-thread stretch.
const KEEP_AT_EDGES: usize = 2;

fn row_line(
    f: &mut fmt::Formatter<'_>,
    step: usize,
    step_width: usize,
    widths: &[usize],
    column: usize,
    cell: &str,
) -> fmt::Result {
    {
        let mut line = String::new();
        write!(line, "  {:>step_width$} ", step + 1)?;
        for (c, width) in widths.iter().enumerate() {
            let text = if c == column { cell } else { "" };
            write!(line, "| {text:<width$} ")?;
        }
        writeln!(f, "{}", line.trim_end())
    }
}

fn cut(text: &str) -> String {
    if text.chars().count() <= MAX_COLUMN {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(MAX_COLUMN - 1).collect();
        short.push('…');
        short
    }
}

/// The outcome table: each distinct outcome, how often, and whether it holds.
pub(crate) fn outcomes<O: Ord + fmt::Debug>(
    f: &mut fmt::Formatter<'_>,
    report: &Report<O>,
) -> fmt::Result {
    /// Rows shown before the rest is summarised in one line.
    const MAX_ROWS: usize = 20;
    if report.outcomes.is_empty() {
        return writeln!(f, "outcomes: none (no execution ran to completion)");
    }
    writeln!(f, "outcomes:")?;
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
        .unwrap_or(0);
    for ((outcome, count), text) in rows.iter().zip(&texts).take(MAX_ROWS) {
        let status = if report.violating.contains_key(*outcome) {
            "VIOLATES"
        } else {
            "ok"
        };
        let share = **count as f64 * 100.0 / total as f64;
        writeln!(f, "  {text:<width$}  {count:>9}  {share:>5.1}%  {status}")?;
    }
    if rows.len() > MAX_ROWS {
        let rest: u64 = rows[MAX_ROWS..].iter().map(|(_, c)| **c).sum();
        writeln!(
            f,
            "  … {} more outcomes ({rest} executions)",
            rows.len() - MAX_ROWS
        )?;
    }
    Ok(())
}
