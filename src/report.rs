//! What an exploration showed: the verdict, the counterexample, the outcome table, statistics.

use crate::diagnose::Diagnosis;
use crate::race::Race;
pub use crate::render::Style;
use crate::schedule::Schedule;
use crate::trace::Trace;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// What the exploration showed, and no more.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Some execution broke the property, raced, deadlocked, panicked or hit the step limit.
    Violated(Box<Counterexample>),
    /// An exhaustive engine finished with no bound: every interleaving was explored.
    Proved {
        /// Executions explored.
        executions: u64,
    },
    /// loom finished every interleaving with at most `preemptions` preemptions.
    ProvedWithinBound {
        /// The preemption bound.
        preemptions: usize,
        /// Executions explored.
        executions: u64,
    },
    /// A sampling engine (std, random, PCT) found nothing in `executions` runs. Not a proof.
    Passed {
        /// Executions run.
        executions: u64,
    },
    /// A budget ran out before an exhaustive search finished. Not a proof.
    Incomplete {
        /// Executions explored before the budget ran out.
        executions: u64,
        /// Which budget ran out.
        reason: String,
    },
}

/// The class of failure a counterexample shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum CounterexampleKind {
    /// The model's property (its `check`, or an `assert!` in a closure model) failed.
    Invariant,
    /// Conflicting accesses to a `Shared` not ordered by happens-before.
    DataRace,
    /// Every live thread waited for another.
    Deadlock,
    /// A model thread panicked.
    Panic,
    /// The execution took more steps than allowed: a thread probably spins forever.
    StepLimit,
}

impl CounterexampleKind {
    /// The kind in words, as the report prints it.
    pub fn describe(self) -> &'static str {
        match self {
            CounterexampleKind::Invariant => "invariant violated",
            CounterexampleKind::DataRace => "data race",
            CounterexampleKind::Deadlock => "deadlock",
            CounterexampleKind::Panic => "panic",
            CounterexampleKind::StepLimit => "step limit",
        }
    }
}

impl CounterexampleKind {
    /// The kind whose [`describe`](Self::describe) text is `text`.
    pub fn from_description(text: &str) -> Option<Self> {
        [
            CounterexampleKind::Invariant,
            CounterexampleKind::DataRace,
            CounterexampleKind::Deadlock,
            CounterexampleKind::Panic,
            CounterexampleKind::StepLimit,
        ]
        .into_iter()
        .find(|kind| kind.describe() == text)
    }
}

impl fmt::Display for CounterexampleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// One failing execution, with everything needed to understand and replay it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counterexample {
    pub(crate) kind: CounterexampleKind,
    pub(crate) message: String,
    pub(crate) property: Option<String>,
    pub(crate) outcome: Option<String>,
    pub(crate) trace: Trace,
    pub(crate) preemptions: usize,
    pub(crate) schedule: Schedule,
    pub(crate) execution: u64,
    pub(crate) diagnosis: Diagnosis,
    pub(crate) minimality: Option<String>,
    /// False when it comes from an unrecorded run: no trace, no schedule.
    pub(crate) recorded: bool,
    /// The execution had a data race: known from happens-before even when no trace was
    /// kept to name its accesses.
    pub(crate) raced: bool,
    /// Found by a run that kept no trace, and not found again when its executions ran
    /// again traced: the model did something else the second time.
    pub(crate) not_repeated: bool,
}

impl Counterexample {
    /// A counterexample from one execution's trace. `failure` is what broke, if something
    /// visibly did: the property's message, a panic, a deadlock. With a data race in the
    /// trace and no failure of its own kind, the counterexample is a data race.
    pub(crate) fn new(
        kind: CounterexampleKind,
        failure: Option<String>,
        outcome: Option<String>,
        trace: Trace,
        execution: u64,
    ) -> Self {
        let diagnosis = crate::diagnose::diagnose(&trace, kind);
        let message = match (kind, diagnosis.race) {
            (CounterexampleKind::DataRace, Some(race)) => {
                crate::diagnose::describe_race(&trace, race)
            }
            (CounterexampleKind::DataRace, None) => failure.clone().unwrap_or_else(|| {
                "two accesses to a `Shared` that happens-before does not order (this run kept \
                 no trace to name them)"
                    .to_owned()
            }),
            _ => failure.clone().unwrap_or_default(),
        };
        let raced = diagnosis.race.is_some();
        Counterexample {
            kind,
            message,
            property: failure,
            outcome,
            preemptions: trace.preemptions(),
            schedule: Schedule::from_trace(&trace),
            trace,
            execution,
            diagnosis,
            minimality: None,
            recorded: true,
            raced,
            not_repeated: false,
        }
    }

    /// False for a counterexample without a trace: of an unrecorded run (std, random or
    /// PCT; [`Engine::unrecorded`](crate::Engine::unrecorded)), or of a random, PCT or loom
    /// model that did not repeat the bug when its executions ran again traced. It has no
    /// trace and no schedule, only what broke and the outcome.
    pub fn is_recorded(&self) -> bool {
        self.recorded
    }

    /// The class of failure.
    pub fn kind(&self) -> CounterexampleKind {
        self.kind
    }

    /// What went wrong, in words. For a data race: the two accesses and their steps.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What visibly broke in this execution — the property's message, the panic, the
    /// deadlock — or `None` for a data race that left the outcome correct this time.
    pub fn failure(&self) -> Option<&str> {
        self.property.as_deref()
    }

    /// A one-line explanation of the failure where one is known (a lost update).
    pub fn summary(&self) -> Option<&str> {
        self.diagnosis.summary.as_deref()
    }

    /// The data race this execution shows, if any: indices into the trace's events.
    pub fn race(&self) -> Option<Race> {
        self.diagnosis.race
    }

    /// The execution's outcome, rendered with `Debug`, when the model got as far as one.
    pub fn outcome(&self) -> Option<&str> {
        self.outcome.as_deref()
    }

    /// Every step of the failing execution.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Preemptions in the failing execution: switches away from a thread that could go on.
    pub fn preemptions(&self) -> usize {
        self.preemptions
    }

    /// How the preemption count was made small: which searches found nothing with fewer.
    pub fn minimality(&self) -> Option<&str> {
        self.minimality.as_deref()
    }

    /// The order in which threads acted.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// Which execution of its search failed (1 is the first).
    pub fn execution(&self) -> u64 {
        self.execution
    }

    /// Events marked in the rendered trace: where the property broke or the race happened.
    pub fn marked_events(&self) -> &[usize] {
        &self.diagnosis.marks
    }

    /// Orders counterexamples by how well they show the bug: one where something visibly
    /// broke before a race that left the outcome right, then fewer preemptions, then fewer
    /// steps.
    pub(crate) fn rank(&self) -> (bool, usize, usize) {
        (
            self.property.is_none(),
            self.preemptions,
            self.trace.events.len(),
        )
    }

    /// Renders it with the given presentation.
    pub fn render(&self, style: &Style) -> String {
        let mut out = String::new();
        let _ = crate::render::counterexample(&mut out, self, style);
        out
    }
}

impl fmt::Display for Counterexample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(&Style::plain()))
    }
}

/// Said under the verdict of a report whose executions yielded under an engine that never
/// runs a yielding thread on at once ([`Report::deferred_yields`]); its second line is
/// indented as the verdict's text.
pub(crate) const DEFERRED_YIELDS: &str = concat!(
    "note: a thread yielded, and this engine never runs a yielding thread on at once:\n",
    "         executions in which it goes straight on are not covered (see thread::yield_now)",
);

/// The result of an exploration.
#[derive(Clone, Debug)]
pub struct Report<O> {
    pub(crate) model: String,
    pub(crate) engine: String,
    pub(crate) verdict: Verdict,
    pub(crate) outcomes: BTreeMap<O, u64>,
    /// Outcomes that break the property, with the property's message.
    pub(crate) violating: BTreeMap<O, String>,
    pub(crate) executions: u64,
    pub(crate) elapsed: Duration,
    /// The one execution of a replay ([`Engine::schedule`](crate::Engine::schedule)).
    pub(crate) replayed: Option<Trace>,
    /// The regression file the counterexample was saved to.
    pub(crate) saved: Option<std::path::PathBuf>,
    /// Which part of a sharded search this is.
    pub(crate) shard: Option<Shard>,
    /// How much of its search tree an exhaustive DFS covered, as it estimated when it
    /// stopped (see [`Report::explored_fraction`]).
    pub(crate) explored: Option<f64>,
    /// See [`Report::deferred_yields`].
    pub(crate) deferred_yields: bool,
}

/// Which part of a sharded search a report covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    /// From 1.
    pub index: usize,
    /// How many parts the search was split into.
    pub count: usize,
    /// The part was explored to its end (no budget, no violation cut it short).
    pub part_complete: bool,
}

impl<O: Ord + fmt::Debug> Report<O> {
    /// For a DFS cut short by a budget (`Incomplete`), how much of its search tree it
    /// covered, from 0 to 1: an estimate from the tree's shape so far, each decision's
    /// finished choices over the choices it explores, as if sibling subtrees were alike.
    /// Within a factor of two of the truth on the catalogue's locked ticket offices (see
    /// BENCHMARKS.md), further off where sibling subtrees differ: enough to tell a search
    /// minutes from its end from one a century from it, not more. `None` for other
    /// engines and verdicts.
    pub fn explored_fraction(&self) -> Option<f64> {
        self.explored
            .filter(|_| matches!(self.verdict, Verdict::Incomplete { .. }))
    }

    /// For a DFS cut short by a budget, how long its whole search would take, from
    /// [`Report::explored_fraction`] and the pace so far.
    pub fn whole_search(&self) -> Option<WholeSearch> {
        let fraction = self.explored_fraction().filter(|f| *f > 0.0)?;
        Some(WholeSearch {
            fraction,
            executions: self.executions as f64 / fraction,
            seconds: self.elapsed.as_secs_f64() / fraction,
        })
    }

    /// Which part of a sharded search this report covers, if it is one.
    pub fn shard(&self) -> Option<Shard> {
        self.shard
    }

    /// The regression file the counterexample is saved in, when saving was asked for.
    pub fn saved_to(&self) -> Option<&std::path::Path> {
        self.saved.as_deref()
    }

    /// The trace of the execution a replay ran, failing or not (`None` for other engines).
    pub fn replayed_trace(&self) -> Option<&Trace> {
        self.replayed.as_ref()
    }

    /// True when a model thread yielded under an engine that takes a yield as "this thread
    /// waits for another" (loom, DFS, PCT): the yielding thread was never run on at once
    /// while another could step, so executions in which it goes straight on, which real
    /// threads can run, are not among those explored (see [`crate::thread::yield_now`]).
    pub fn deferred_yields(&self) -> bool {
        self.deferred_yields
    }

    /// The verdict.
    pub fn verdict(&self) -> &Verdict {
        &self.verdict
    }

    /// True if some execution broke the property.
    pub fn is_violated(&self) -> bool {
        matches!(self.verdict, Verdict::Violated(_))
    }

    /// True if the property held in everything explored. Only [`Verdict::Proved`] means it
    /// holds in every interleaving.
    pub fn holds(&self) -> bool {
        !self.is_violated()
    }

    /// True if some execution visibly broke the property (its check, a panic, a deadlock,
    /// the step limit) — unlike [`is_violated`](Self::is_violated), a data race that left
    /// every result right does not count. Useful for properties over single schedules
    /// ([`Engine::schedule`](crate::Engine::schedule)), where nearly every execution of a
    /// racy program races but only some break it.
    pub fn property_broken(&self) -> bool {
        self.counterexample()
            .is_some_and(|cx| cx.failure().is_some())
    }

    /// True only for [`Verdict::Proved`]: every interleaving explored, no bound.
    pub fn is_proved(&self) -> bool {
        matches!(self.verdict, Verdict::Proved { .. })
    }

    /// True only for [`Verdict::Passed`]: every sampled execution held, which is not a
    /// proof.
    pub fn is_passed(&self) -> bool {
        matches!(self.verdict, Verdict::Passed { .. })
    }

    /// Executions run, up to and including the failing one.
    pub fn executions(&self) -> u64 {
        self.executions
    }

    /// Every distinct outcome seen, with how many executions reached it.
    pub fn outcomes(&self) -> &BTreeMap<O, u64> {
        &self.outcomes
    }

    /// Whether an outcome satisfies the property (`None` if it was never seen).
    pub fn outcome_holds(&self, outcome: &O) -> Option<bool> {
        self.outcomes
            .contains_key(outcome)
            .then(|| !self.violating.contains_key(outcome))
    }

    /// The counterexample, if the property was violated.
    pub fn counterexample(&self) -> Option<&Counterexample> {
        match &self.verdict {
            Verdict::Violated(cx) => Some(cx),
            _ => None,
        }
    }

    /// The model's name with its parameters.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The engine and its budget, in words.
    pub fn engine(&self) -> &str {
        &self.engine
    }

    /// Wall time of the exploration.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Executions per second of wall time.
    pub fn executions_per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.executions as f64 / seconds
        } else {
            0.0
        }
    }
}

/// An outcome already rendered as text; its `Debug` is the text itself.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rendered(pub String);

impl fmt::Debug for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<O: fmt::Debug> Report<O> {
    /// The same report with each outcome rendered by `Debug`, for callers that handle many
    /// models with one type (the command line).
    pub fn erase_outcomes(self) -> Report<Rendered> {
        let render = |o: O| Rendered(format!("{o:?}"));
        Report {
            model: self.model,
            engine: self.engine,
            verdict: self.verdict,
            outcomes: self
                .outcomes
                .into_iter()
                .map(|(o, n)| (render(o), n))
                .collect(),
            violating: self
                .violating
                .into_iter()
                .map(|(o, m)| (render(o), m))
                .collect(),
            executions: self.executions,
            elapsed: self.elapsed,
            replayed: self.replayed,
            saved: self.saved,
            shard: self.shard,
            explored: self.explored,
            deferred_yields: self.deferred_yields,
        }
    }
}

impl Verdict {
    /// The verdict in one word or two, as proof files record it: `violated`, `proved`,
    /// `proved within bound`, `passed` or `incomplete`.
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Violated(_) => "violated",
            Verdict::Proved { .. } => "proved",
            Verdict::ProvedWithinBound { .. } => "proved within bound",
            Verdict::Passed { .. } => "passed",
            Verdict::Incomplete { .. } => "incomplete",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Violated(cx) => write!(f, "VIOLATED ({})", cx.kind),
            Verdict::Proved { executions } => write!(
                f,
                "PROVED: every interleaving explored ({})",
                count(*executions, "execution")
            ),
            Verdict::ProvedWithinBound {
                preemptions,
                executions,
            } => write!(
                f,
                "PROVED WITHIN BOUND: every interleaving with at most {preemptions} \
                 preemptions explored ({}); interleavings with more \
                 were not explored",
                count(*executions, "execution")
            ),
            Verdict::Passed { executions } => write!(
                f,
                "PASSED {}: no violation found (sampling, not a proof)",
                count(*executions, "sampled execution")
            ),
            Verdict::Incomplete { executions, reason } => write!(
                f,
                "INCOMPLETE after {}: {reason} (not a proof)",
                count(*executions, "execution")
            ),
        }
    }
}

impl<O: Ord + fmt::Debug> Report<O> {
    /// The whole report, as `Display` prints it, with the given presentation.
    pub fn render(&self, style: &Style) -> String {
        let mut out = String::new();
        let _ = self.render_into(&mut out, style);
        out
    }

    /// The outcome table alone: each distinct outcome, its count and share, and whether it
    /// satisfies the property, most frequent first.
    pub fn outcome_table(&self, style: &Style) -> String {
        let mut out = String::new();
        let _ = crate::render::outcomes(&mut out, self, style);
        out
    }

    fn render_into(&self, out: &mut String, style: &Style) -> fmt::Result {
        use fmt::Write;
        writeln!(out, "model:   {}", self.model)?;
        writeln!(out, "engine:  {}", self.engine)?;
        writeln!(out, "verdict: {}", self.verdict)?;
        if let Some(whole) = self.whole_search() {
            writeln!(out, "         {whole}")?;
        }
        if self.deferred_yields {
            writeln!(out, "         {DEFERRED_YIELDS}")?;
        }
        match (&self.verdict, &self.replayed) {
            (Verdict::Violated(cx), _) => {
                writeln!(out)?;
                crate::render::counterexample(out, cx, style)?;
            }
            (_, Some(trace)) => {
                writeln!(out, "\nthe replayed execution:")?;
                crate::render::trace(out, trace, &[], &[], style)?;
            }
            _ => {}
        }
        if let Some(path) = &self.saved {
            writeln!(out, "saved as a regression: {}", path.display())?;
        }
        writeln!(out)?;
        crate::render::outcomes(out, self, style)?;
        writeln!(
            out,
            "{}, {}, {:.2} s, {:.0} executions/s",
            count(self.executions, "execution"),
            count(self.outcomes.len() as u64, "distinct outcome"),
            self.elapsed.as_secs_f64(),
            self.executions_per_second()
        )
    }
}

impl<O: Ord + fmt::Debug> fmt::Display for Report<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(&Style::plain()))
    }
}

/// How long a DFS cut short would take to finish: an extrapolation from how much of its
/// search tree it covered (see [`Report::explored_fraction`]). Rough: within a factor of two
/// on the catalogue's locked ticket offices, further off where sibling subtrees differ.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WholeSearch {
    /// The share of the search tree explored, from 0 to 1.
    pub fraction: f64,
    /// Executions of the whole search.
    pub executions: f64,
    /// Seconds the whole search takes at the pace so far.
    pub seconds: f64,
}

impl fmt::Display for WholeSearch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "about {} of the search tree explored: the whole search takes about {} \
             executions, {} at this pace (a rough estimate from the tree's shape so far)",
            percent(self.fraction),
            rough_count(self.executions),
            rough_duration(self.seconds)
        )
    }
}

/// A share as a percentage with the digits that matter: `40 %`, `3.2 %`, `4.1e-3 %`.
fn percent(fraction: f64) -> String {
    let percent = fraction * 100.0;
    if percent >= 10.0 {
        format!("{percent:.0} %")
    } else if percent >= 0.1 {
        format!("{percent:.1} %")
    } else {
        format!("{percent:.1e} %")
    }
}

/// A large count to two significant digits: `970`, `46,000`, `3.2e9`.
pub(crate) fn rough_count(count: f64) -> String {
    if count < 1e6 {
        let digits = count.max(1.0).log10().floor() as i32;
        let unit = 10f64.powi((digits - 1).max(0));
        let rounded = ((count / unit).round() * unit) as u64;
        let text = rounded.to_string();
        let mut grouped = String::new();
        for (i, c) in text.chars().enumerate() {
            if i > 0 && (text.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        grouped
    } else {
        format!("{count:.1e}")
    }
}

/// A duration in the largest units that read well: `40 s`, `3 min`, `5 h`, `12 days`,
/// `longer than a century`.
pub(crate) fn rough_duration(seconds: f64) -> String {
    const CENTURY: f64 = 100.0 * 365.0 * 86_400.0;
    if seconds > CENTURY {
        return "longer than a century".to_owned();
    }
    if seconds < 1.0 {
        return "under a second".to_owned();
    }
    let whole = std::time::Duration::from_secs(seconds.max(1.0) as u64);
    let mut text = humantime::format_duration(whole).to_string();
    // Two units say enough: `2h 13m 4s` → `2h 13m`.
    if let Some((first_two, _)) = text
        .match_indices(' ')
        .nth(1)
        .map(|(at, _)| text.split_at(at))
    {
        text = first_two.to_owned();
    }
    text
}

/// `1 execution`, `2 executions`.
pub(crate) fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passed(executions: u64, elapsed: Duration) -> Report<u32> {
        Report {
            model: "model".to_owned(),
            engine: "engine".to_owned(),
            verdict: Verdict::Passed { executions },
            outcomes: BTreeMap::new(),
            violating: BTreeMap::new(),
            executions,
            elapsed,
            replayed: None,
            saved: None,
            shard: None,
            explored: None,
            deferred_yields: false,
        }
    }

    /// A run too short for the clock has no rate, rather than an infinite one (which JSON
    /// cannot hold).
    #[test]
    fn the_rate_is_executions_over_seconds_and_zero_when_no_time_was_measured() {
        assert_eq!(
            passed(10, Duration::from_millis(500)).executions_per_second(),
            20.0
        );
        assert_eq!(passed(10, Duration::ZERO).executions_per_second(), 0.0);
    }

    #[test]
    fn a_share_reads_as_a_percentage_with_the_digits_that_matter() {
        assert_eq!(percent(0.4), "40 %");
        assert_eq!(percent(0.1), "10 %");
        assert_eq!(percent(0.032), "3.2 %");
        assert_eq!(percent(0.001), "0.1 %");
        assert_eq!(percent(0.000_041), "4.1e-3 %");
    }

    #[test]
    fn a_large_count_reads_to_two_digits_grouped_by_thousands() {
        assert_eq!(rough_count(0.4), "0");
        assert_eq!(rough_count(7.0), "7");
        assert_eq!(rough_count(12.0), "12");
        assert_eq!(rough_count(123.0), "120");
        assert_eq!(rough_count(970.0), "970");
        assert_eq!(rough_count(45_678.0), "46,000");
        assert_eq!(rough_count(123_456.0), "120,000");
        assert_eq!(rough_count(999_999.0), "1,000,000");
        assert_eq!(rough_count(1e6), "1.0e6");
        assert_eq!(rough_count(3.21e9), "3.2e9");
    }

    #[test]
    fn a_duration_reads_in_its_two_largest_units() {
        const CENTURY: f64 = 100.0 * 365.0 * 86_400.0;
        assert_eq!(rough_duration(0.5), "under a second");
        assert_eq!(rough_duration(1.0), "1s");
        assert_eq!(rough_duration(40.0), "40s");
        assert_eq!(rough_duration(8_000.0), "2h 13m");
        assert_eq!(rough_duration(2.0 * 86_400.0 + 5.0), "2days 5s");
        // Thirty years and a century to the second are still counted; past that, not.
        assert!(rough_duration(1e9).starts_with("31years "));
        assert_ne!(rough_duration(CENTURY), "longer than a century");
        assert_eq!(rough_duration(CENTURY * 1.01), "longer than a century");
    }

    #[test]
    fn a_count_agrees_with_its_noun() {
        assert_eq!(count(0, "execution"), "0 executions");
        assert_eq!(count(1, "execution"), "1 execution");
        assert_eq!(count(2, "execution"), "2 executions");
    }

    #[test]
    fn a_whole_search_estimate_reads_as_one_sentence() {
        let whole = WholeSearch {
            fraction: 0.25,
            executions: 45_678.0,
            seconds: 8_000.0,
        };
        assert_eq!(
            whole.to_string(),
            "about 25 % of the search tree explored: the whole search takes about 46,000 \
             executions, 2h 13m at this pace (a rough estimate from the tree's shape so far)"
        );
    }
}
