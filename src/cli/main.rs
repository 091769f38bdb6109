//! The `interleavings` command line: a thin front end over the library.

mod watch;

use clap::{Arg, ArgMatches, Args, Command, FromArgMatches, parser::ValueSource};
use interleavings::models::{self, Options};
use interleavings::proof::Proof;
use interleavings::regression::Regression;
use interleavings::{Engine, EngineSpec, Error, ModelId, Style};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Engine and budget options of `explore`.
#[derive(Args, Debug)]
struct EngineArgs {
    /// Exploration engine: loom (exhaustive), dfs (exhaustive), pct, random, std (real threads)
    #[arg(long, default_value = "loom", value_parser = ["loom", "dfs", "pct", "random", "std"])]
    engine: String,
    /// Executions for pct and random; execution cap for loom and dfs
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    iterations: Option<u64>,
    /// Bug depth for pct
    #[arg(long, value_parser = at_least_one())]
    depth: Option<usize>,
    /// Preemption bound for loom
    #[arg(long)]
    preemption_bound: Option<usize>,
    /// Reduction for loom and dfs: sync-points (default: plain `Shared` accesses are not
    /// scheduling points; a race found means a search again without it), off, or
    /// sync-points-only (no search again)
    #[arg(long, value_name = "REDUCTION")]
    reduction: Option<String>,
    /// Seed for pct and random
    #[arg(long)]
    seed: Option<u64>,
    /// Runs for the std engine
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    runs: Option<u64>,
    /// Chaos seed for the std engine (yields and short sleeps widen race windows)
    #[arg(long)]
    chaos: Option<u64>,
    /// Run a sampling engine (std, pct, random) unrecorded: at the engine's own speed, no
    /// data-race check; pct and random show a bug from the same executions run again
    /// recorded, std shows what broke and the outcome, without a trace
    #[arg(long)]
    unrecorded: bool,
    /// Stop starting executions after this long, e.g. 20s or 2m
    #[arg(long, value_parser = humantime::parse_duration)]
    time_limit: Option<Duration>,
    /// Explore past invariant violations to complete the outcome table
    #[arg(long)]
    keep_going: bool,
    /// Facade operations one execution may take
    #[arg(long, value_parser = at_least_one())]
    max_steps: Option<usize>,
    /// OS threads for the sampling engines (pct, random, std); results do not depend on it
    #[arg(long, value_name = "N", default_value_t = default_jobs(), value_parser = at_least_one())]
    jobs: usize,
    /// Run part I of N of the search (pct, random, std: chunks of executions; dfs: the
    /// search tree); combine the parts' --json reports with `interleavings merge`
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    shard: Option<(usize, usize)>,
    /// Print the report as JSON (schema 1, see the `json` module docs), nothing else
    #[arg(long)]
    json: bool,
}

/// A count that must not be 0 (a depth, a step limit, a number of jobs).
fn at_least_one() -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::new().range(1..)
}

fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let problem = || format!("`{text}` is not a shard: write I/N with 1 <= I <= N, e.g. 2/3");
    let (index, count) = text.split_once('/').ok_or_else(problem)?;
    let index: usize = index.trim().parse().map_err(|_| problem())?;
    let count: usize = count.trim().parse().map_err(|_| problem())?;
    if index == 0 || count == 0 || index > count {
        return Err(problem());
    }
    Ok((index, count))
}

/// Where `explore --save` and `prove` write, and what `replay` reads.
#[derive(Args, Debug)]
struct SaveArgs {
    /// Save the counterexample as a regression file (in models/regressions)
    #[arg(long)]
    save: bool,
    /// Directory for --save
    #[arg(long, value_name = "DIR", default_value = interleavings::regression::DIRECTORY)]
    save_dir: PathBuf,
}

const EXAMPLES: &str = "\
Examples:
  interleavings list
  interleavings explore tickets --sellers 3 --tickets 3 --guard none --engine loom
  interleavings explore tickets --sellers 10 --tickets 50 --engine pct --iterations 10000
  interleavings explore counter --guard none --engine pct --save
  interleavings replay models/regressions/tickets-3-3-none-pct.toml
  interleavings replay models/regressions/tickets-3-3-none-pct.toml --guard mutex
  interleavings replay models/regressions/tickets-none-3-3-pct.toml --against mutex
  interleavings prove counter --guard mutex --engine loom
  interleavings explore counter --engine dfs --shard 1/3 --json > part1.json   (and 2/3, 3/3)
  interleavings merge part1.json part2.json part3.json
  interleavings run tickets --sellers 10 --tickets 50 --guard none --runs 5 --chaos 1
  interleavings estimate tickets --sellers 3 --tickets 3 --guard mutex

Exit codes: 0 the property holds as far as explored, 1 violated, 2 usage or input error.";

/// Adds the model argument and every catalogue parameter as `--name VALUE`.
fn with_model_args(mut command: Command, positional: bool) -> Command {
    if positional {
        command = command.arg(
            Arg::new("model")
                .required(true)
                .help("Model id (see `interleavings list`)"),
        );
    }
    let mut seen = Vec::new();
    for entry in models::all() {
        for param in entry.params {
            if seen.contains(&param.name) {
                continue;
            }
            seen.push(param.name);
            command = command.arg(
                Arg::new(param.name)
                    .long(param.name)
                    .value_name("VALUE")
                    .help(format!("Model parameter: {}", param.help)),
            );
        }
    }
    command
}

fn command() -> Command {
    let explore = with_model_args(
        Command::new("explore").about("Explore a catalogue model and print the report"),
        true,
    );
    let prove = with_model_args(
        Command::new("prove").about(
            "Explore a catalogue model and save the result as a proof file, re-checked by \
             `cargo test`",
        ),
        true,
    )
    .arg(
        Arg::new("output")
            .long("output")
            .value_name("FILE")
            .value_parser(clap::value_parser!(PathBuf))
            .help("Proof file to write (default: models/proofs/MODEL-PARAMS-ENGINE.toml)"),
    )
    .arg(
        Arg::new("check")
            .long("check")
            .value_name("FILE")
            .num_args(1..)
            .conflicts_with("output")
            .value_parser(clap::value_parser!(PathBuf))
            .help("Re-run saved proof files and report any difference, instead of writing one"),
    )
    .mut_arg("model", |arg| {
        arg.required(false).required_unless_present("check")
    });
    let replay = with_model_args(
        Command::new("replay").about(
            "Replay a saved counterexample; with model parameters, replay its schedule \
             against that variant (e.g. the fixed one)",
        ),
        false,
    )
    .arg(
        Arg::new("file")
            .required(true)
            .value_parser(clap::value_parser!(PathBuf))
            .help("Regression file (models/regressions/*.toml)"),
    )
    .arg(
        Arg::new("against")
            .long("against")
            .value_name("VARIANT")
            .help("Replay on another variant of the model (a value of its variant parameter, e.g. mutex)"),
    );
    let estimate = with_model_args(
        Command::new("estimate")
            .about("Estimate how many executions an exhaustive search takes, from random probes"),
        true,
    )
    .arg(
        Arg::new("samples")
            .long("samples")
            .value_name("N")
            .default_value("1000")
            .value_parser(clap::value_parser!(u64).range(1..))
            .help("Random probes to average"),
    )
    .arg(
        Arg::new("trial")
            .long("trial")
            .value_name("DURATION")
            .default_value("2s")
            .value_parser(humantime::parse_duration)
            .help(
                "Also run the DFS, with its partial-order reduction, this long (0s: not at \
                 all), and extrapolate from how much of its search tree it covered",
            ),
    );
    let merge = Command::new("merge")
        .about("Combine the --json reports of all shards of one search into one verdict")
        .arg(
            Arg::new("reports")
                .required(true)
                .num_args(1..)
                .value_parser(clap::value_parser!(PathBuf))
                .help("The shards' JSON reports"),
        )
        .arg(
            Arg::new("json")
                .long("json")
                .action(clap::ArgAction::SetTrue)
                .help("Print the merged report as JSON"),
        );
    let run = with_model_args(
        Command::new("run").about(
            "Run the model as the real program on real threads and print what each run gave",
        ),
        true,
    )
    .arg(
        Arg::new("runs")
            .long("runs")
            .value_name("N")
            .default_value("1")
            .value_parser(clap::value_parser!(u64).range(1..))
            .help("How many times to run it"),
    )
    .arg(
        Arg::new("chaos")
            .long("chaos")
            .value_name("SEED")
            .value_parser(clap::value_parser!(u64))
            .help("Seeded yields and short sleeps that widen race windows"),
    )
    .arg(
        Arg::new("unrecorded")
            .long("unrecorded")
            .action(clap::ArgAction::SetTrue)
            .help("At the speed of plain std: no trace and no data-race check"),
    )
    .arg(
        Arg::new("engine")
            .long("engine")
            .value_name("ENGINE")
            .default_value("std")
            .value_parser(["std"])
            .help("Only std: the real program on real threads"),
    );
    Command::new("interleavings")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Check concurrent programs by exploring their interleavings")
        .after_help(EXAMPLES)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(Command::new("list").about("List the models in the catalogue"))
        .subcommand(SaveArgs::augment_args(EngineArgs::augment_args(explore)))
        .subcommand(EngineArgs::augment_args(prove))
        .subcommand(replay)
        .subcommand(merge)
        .subcommand(run)
        .subcommand(estimate)
}

fn main() -> ExitCode {
    let matches = command().get_matches();
    let result = match matches.subcommand() {
        Some(("list", _)) => {
            list();
            Ok(ExitCode::SUCCESS)
        }
        Some(("explore", sub)) => explore(sub),
        Some(("prove", sub)) => prove(sub),
        Some(("replay", sub)) => replay(sub),
        Some(("merge", sub)) => merge(sub),
        Some(("run", sub)) => run(sub),
        Some(("estimate", sub)) => estimate(sub),
        _ => unreachable!("clap requires a subcommand"),
    };
    result.unwrap_or_else(|error| {
        eprintln!("{error}");
        ExitCode::from(2)
    })
}

fn list() {
    for entry in models::all() {
        println!("{:<10} {}", entry.id, entry.about);
        for param in entry.params {
            let values = if param.choices.is_empty() {
                "a whole number".to_owned()
            } else {
                param.choices.join(" | ")
            };
            println!(
                "    --{:<10} {} ({values}; default {})",
                param.name, param.help, param.default
            );
        }
    }
}

/// The catalogue parameters given on the command line, by name.
fn given_params(matches: &ArgMatches) -> Vec<(String, String)> {
    let mut given: Vec<(String, String)> = models::all()
        .iter()
        .flat_map(|e| e.params)
        .map(|p| p.name)
        .filter(|name| matches.value_source(name) == Some(ValueSource::CommandLine))
        .map(|name| {
            let value: &String = matches.get_one(name).expect("given");
            (name.to_owned(), value.clone())
        })
        .collect();
    given.sort();
    given.dedup();
    given
}

/// The model named on the command line, with every parameter filled in.
fn model_from(matches: &ArgMatches) -> Result<ModelId, Error> {
    let id: &String = matches.get_one("model").expect("required");
    let entry = models::find(id)?;
    let given = given_params(matches);
    entry.build(&given)?;
    Ok(entry.model_id(&given))
}

fn engine_and_options(matches: &ArgMatches) -> Result<(Engine, Options), Error> {
    let args =
        EngineArgs::from_arg_matches(matches).map_err(|e| Error::InvalidEngine(e.to_string()))?;
    let engine = engine_from(&args)?;
    if args.shard.is_some() && !matches!(args.engine.as_str(), "pct" | "random" | "std" | "dfs") {
        return Err(Error::InvalidEngine(format!(
            "--shard does not apply to --engine {} (it applies to: pct, random, std, dfs)",
            args.engine
        )));
    }
    let options = Options {
        time_limit: args.time_limit,
        keep_going: args.keep_going,
        max_steps: args.max_steps,
        save_regressions: None,
        echo_output: false,
        as_found: false,
        jobs: args.jobs,
        shard: args.shard,
        progress: Some(watch::progress()),
    };
    Ok((engine, options))
}

fn explore(matches: &ArgMatches) -> Result<ExitCode, Error> {
    let model = models::build(&model_from(matches)?)?;
    let (engine, mut options) = engine_and_options(matches)?;
    let save =
        SaveArgs::from_arg_matches(matches).map_err(|e| Error::InvalidParameter(e.to_string()))?;
    if save.save {
        options.save_regressions = Some(save.save_dir);
    }
    let json = EngineArgs::from_arg_matches(matches).is_ok_and(|a| a.json);
    let total = sampled_total(&engine);
    let progress = options.progress.clone().expect("set above");
    let report = watch::with_bar(&progress, total, || model.explore(engine, &options))?;
    if json {
        print(&format!("{}\n", to_json(&report.to_json())));
    } else {
        print(&report.render(&Style::for_stdout()));
    }
    Ok(exit_code(report.is_violated()))
}

/// The number of executions a sampling engine will run, for the progress bar.
fn sampled_total(engine: &Engine) -> Option<u64> {
    let spec = EngineSpec::of(engine);
    spec.iterations.or(spec.runs)
}

fn to_json(report: &interleavings::json::JsonReport) -> String {
    serde_json::to_string_pretty(report).expect("a report always serialises")
}

fn prove(matches: &ArgMatches) -> Result<ExitCode, Error> {
    if let Some(files) = matches.get_many::<PathBuf>("check") {
        for file in files {
            Proof::check(file, false)?;
            print(&format!("{}: the same result\n", file.display()));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let model = model_from(matches)?;
    let (engine, options) = engine_and_options(matches)?;
    if options.time_limit.is_some() || options.max_steps.is_some() {
        return Err(Error::InvalidEngine(
            "--time-limit and --max-steps do not apply to `prove`: a proof file must be \
             reproducible"
                .into(),
        ));
    }
    let spec = EngineSpec::of(&engine);
    let path = match matches.get_one::<PathBuf>("output") {
        Some(path) => path.clone(),
        None => {
            let mut stem = model.file_stem(&spec.name);
            if let Some(k) = spec.preemption_bound {
                stem.push_str(&format!("-bound-{k}"));
            }
            if options.keep_going {
                stem.push_str("-all");
            }
            PathBuf::from(interleavings::proof::DIRECTORY).join(format!("{stem}.toml"))
        }
    };
    let (proof, report) = Proof::run(model, spec, options.keep_going)?;
    proof.save(&path, &report.outcome_table(&Style::plain()))?;
    print(&report.render(&Style::for_stdout()));
    print(&format!("saved as a proof: {}\n", path.display()));
    Ok(exit_code(report.is_violated()))
}

fn replay(matches: &ArgMatches) -> Result<ExitCode, Error> {
    let path: &PathBuf = matches.get_one("file").expect("required");
    let regression = Regression::load(path)?;
    let mut overrides = given_params(matches);
    if let Some(variant) = matches.get_one::<String>("against") {
        let parameter = models::find(&regression.model.id)?.variant;
        overrides.retain(|(name, _)| name != parameter);
        overrides.push((parameter.to_owned(), variant.clone()));
    }
    if overrides.is_empty() {
        let replay = regression.replay(&regression.model)?;
        print(&replay.report.render(&Style::for_stdout()));
        match regression.compare(&replay) {
            None => print("\nthe saved counterexample replays exactly: same steps, same failure\n"),
            Some(change) => print(&format!(
                "\nthe saved counterexample no longer replays: {change}\n"
            )),
        }
        return Ok(exit_code(replay.report.is_violated()));
    }
    let entry = models::find(&regression.model.id)?;
    let mut params: Vec<(String, String)> = regression.model.params.clone().into_iter().collect();
    for (name, value) in overrides {
        params.retain(|(n, _)| *n != name);
        params.push((name, value));
    }
    entry.build(&params)?;
    let target = entry.model_id(&params);
    let replay = regression.replay(&target)?;
    print(&replay.report.render(&Style::for_stdout()));
    match &replay.divergence {
        Some(why) => print(&format!(
            "\nthe schedule saved for {} does not fit this model exactly: {why}\nfrom there \
             on the replay ran the scheduled thread wherever it could run.\n",
            models::build(&regression.model)?.name()
        )),
        None => print("\nthe model followed the saved schedule exactly\n"),
    }
    Ok(exit_code(replay.report.is_violated()))
}

fn merge(matches: &ArgMatches) -> Result<ExitCode, Error> {
    let mut parts = Vec::new();
    for path in matches.get_many::<PathBuf>("reports").expect("required") {
        let bad = |message: String| Error::File {
            path: path.display().to_string(),
            line: None,
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let part: interleavings::json::JsonReport =
            serde_json::from_str(&text).map_err(|e| Error::File {
                path: path.display().to_string(),
                line: Some(e.line()),
                message: format!("not a report: {e}"),
            })?;
        parts.push(part);
    }
    let merged = interleavings::json::merge(parts).map_err(Error::InvalidParameter)?;
    if matches.get_flag("json") {
        print(&format!("{}\n", to_json(&merged)));
    } else {
        print(&merged.to_string());
    }
    Ok(exit_code(merged.verdict.name == "violated"))
}

fn run(matches: &ArgMatches) -> Result<ExitCode, Error> {
    let model = models::build(&model_from(matches)?)?;
    let runs: u64 = *matches.get_one("runs").expect("has a default");
    let unrecorded = matches.get_flag("unrecorded");
    let one_run = || {
        let engine = Engine::std().runs(1);
        if unrecorded {
            engine.unrecorded()
        } else {
            engine
        }
    };
    let mut engine = one_run();
    let mut violated = false;
    for run in 1..=runs {
        if let Some(seed) = matches.get_one::<u64>("chaos") {
            engine = one_run().chaos(seed.wrapping_add(run));
        }
        let options = Options {
            jobs: 1,
            echo_output: true,
            as_found: true,
            ..Options::default()
        };
        let report = model.explore(engine.clone(), &options)?;
        let outcome = report.outcomes().keys().next().map(|o| o.0.clone());
        let line = match (report.counterexample(), outcome) {
            (Some(cx), _) => {
                violated = true;
                let what = cx.failure().unwrap_or(cx.message());
                format!(
                    "run {run}: {} — {what}",
                    cx.outcome().unwrap_or("no outcome")
                )
            }
            (None, Some(outcome)) => format!("run {run}: {outcome} — ok"),
            (None, None) => format!("run {run}: no outcome"),
        };
        print(&format!("{line}\n"));
    }
    Ok(exit_code(violated))
}

fn estimate(matches: &ArgMatches) -> Result<ExitCode, Error> {
    let model = models::build(&model_from(matches)?)?;
    let samples: u64 = *matches.get_one("samples").expect("has a default");
    let trial: Duration = *matches.get_one("trial").expect("has a default");
    let mut text = format!("{}: {}\n", model.name(), model.estimate(samples)?);
    if !trial.is_zero() {
        let options = Options {
            time_limit: Some(trial),
            as_found: true,
            ..Options::default()
        };
        let report = model.explore(Engine::dfs(), &options)?;
        text.push_str(&trial_summary(&report, trial));
    }
    print(&text);
    Ok(ExitCode::SUCCESS)
}

/// What a DFS run for `trial` says about the whole search.
fn trial_summary(
    report: &interleavings::Report<interleavings::Rendered>,
    trial: Duration,
) -> String {
    use interleavings::Verdict;
    let seconds = report.elapsed().as_secs_f64();
    let trial = humantime::format_duration(trial);
    match report.verdict() {
        Verdict::Proved { executions } => format!(
            "the DFS with its partial-order reduction finished: proved in {executions} \
             executions ({seconds:.2} s)\n"
        ),
        Verdict::Violated(cx) => format!(
            "the DFS found a violation ({}) after {} executions ({seconds:.2} s): see it \
             with `interleavings explore`\n",
            cx.kind(),
            report.executions()
        ),
        _ => match report.whole_search() {
            Some(whole) => format!(
                "the DFS with its partial-order reduction, run for {trial}: {} executions, \
                 {whole}\n",
                report.executions()
            ),
            None => format!(
                "the DFS with its partial-order reduction, run for {trial}: {} executions, \
                 not enough to estimate the whole search\n",
                report.executions()
            ),
        },
    }
}

fn exit_code(violated: bool) -> ExitCode {
    if violated {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Prints to stdout; a closed pipe (`| head`) is not an error worth a panic.
fn print(text: &str) {
    let _ = write!(std::io::stdout().lock(), "{text}");
}

/// Builds the engine, refusing flags that do not apply to it.
fn engine_from(args: &EngineArgs) -> Result<Engine, Error> {
    let flags: [(&str, bool, &[&str]); 8] = [
        (
            "--iterations",
            args.iterations.is_some(),
            &["loom", "dfs", "pct", "random"],
        ),
        ("--depth", args.depth.is_some(), &["pct"]),
        (
            "--preemption-bound",
            args.preemption_bound.is_some(),
            &["loom"],
        ),
        ("--reduction", args.reduction.is_some(), &["loom", "dfs"]),
        ("--seed", args.seed.is_some(), &["pct", "random"]),
        ("--runs", args.runs.is_some(), &["std"]),
        ("--chaos", args.chaos.is_some(), &["std"]),
        ("--unrecorded", args.unrecorded, &["std", "pct", "random"]),
    ];
    for (flag, given, engines) in flags {
        if given && !engines.contains(&args.engine.as_str()) {
            return Err(Error::InvalidEngine(format!(
                "{flag} does not apply to --engine {} (it applies to: {})",
                args.engine,
                engines.join(", ")
            )));
        }
    }
    // `--iterations` is the budget of a sampling engine and the cap of an exhaustive one.
    let exhaustive = matches!(args.engine.as_str(), "loom" | "dfs");
    let spec = EngineSpec {
        name: args.engine.clone(),
        preemption_bound: args.preemption_bound,
        max_iterations: args.iterations.filter(|_| exhaustive),
        iterations: match args.engine.as_str() {
            "pct" | "random" => Some(args.iterations.unwrap_or(10_000)),
            _ => None,
        },
        depth: args.depth,
        seed: args.seed,
        runs: (args.engine == "std").then(|| args.runs.unwrap_or(1_000)),
        chaos: args.chaos,
        unrecorded: args.unrecorded,
        reduction: args.reduction.clone(),
    };
    spec.engine().map_err(Error::InvalidEngine)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_definition_is_consistent() {
        super::command().debug_assert();
    }
}
