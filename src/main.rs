//! The `interleavings` command line: a thin front end over the library.

use clap::{Arg, ArgMatches, Args, Command, FromArgMatches, parser::ValueSource};
use interleavings::models::{self, Options};
use interleavings::{Engine, Error};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

/// Engine and budget options of `explore`.
#[derive(Args, Debug)]
struct EngineArgs {
    /// Exploration engine: loom (exhaustive), dfs (exhaustive), pct, random, std (real threads)
    #[arg(long, default_value = "loom", value_parser = ["loom", "dfs", "pct", "random", "std"])]
    engine: String,
    /// Executions for pct and random; execution cap for loom and dfs
    #[arg(long)]
    iterations: Option<u64>,
    /// Bug depth for pct
    #[arg(long)]
    depth: Option<usize>,
    /// Preemption bound for loom
    #[arg(long)]
    preemption_bound: Option<usize>,
    /// Seed for pct and random
    #[arg(long)]
    seed: Option<u64>,
    /// Runs for the std engine
    #[arg(long)]
    runs: Option<u64>,
    /// Chaos seed for the std engine (yields and short sleeps widen race windows)
    #[arg(long)]
    chaos: Option<u64>,
    /// Stop starting executions after this long, e.g. 20s or 2m
    #[arg(long, value_parser = humantime::parse_duration)]
    time_limit: Option<Duration>,
    /// Explore past invariant violations to complete the outcome table
    #[arg(long)]
    keep_going: bool,
    /// Facade operations one execution may take
    #[arg(long)]
    max_steps: Option<usize>,
}

const EXAMPLES: &str = "\
Examples:
  interleavings list
  interleavings explore tickets --sellers 3 --tickets 3 --guard none --engine loom
  interleavings explore tickets --sellers 10 --tickets 50 --engine pct --iterations 10000
  interleavings explore counter --guard mutex --engine loom

Exit codes: 0 the property holds as far as explored, 1 violated, 2 usage or input error.";

fn command() -> Command {
    let mut explore = Command::new("explore")
        .about("Explore a catalogue model and print the report")
        .arg(
            Arg::new("model")
                .required(true)
                .help("Model id (see `interleavings list`)"),
        );
    let mut seen = Vec::new();
    for entry in models::all() {
        for param in entry.params {
            if seen.contains(&param.name) {
                continue;
            }
            seen.push(param.name);
            explore = explore.arg(
                Arg::new(param.name)
                    .long(param.name)
                    .value_name("VALUE")
                    .help(format!("Model parameter: {}", param.help)),
            );
        }
    }
    Command::new("interleavings")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Check concurrent programs by exploring their interleavings")
        .after_help(EXAMPLES)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(Command::new("list").about("List the models in the catalogue"))
        .subcommand(EngineArgs::augment_args(explore))
}

fn main() -> ExitCode {
    let matches = command().get_matches();
    let result = match matches.subcommand() {
        Some(("list", _)) => {
            list();
            Ok(ExitCode::SUCCESS)
        }
        Some(("explore", sub)) => explore(sub),
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

fn explore(matches: &ArgMatches) -> Result<ExitCode, Error> {
    let id: &String = matches.get_one("model").expect("required");
    let entry = models::find(id)?;
    let given: Vec<(String, String)> = models::all()
        .iter()
        .flat_map(|e| e.params)
        .map(|p| p.name)
        .filter(|name| matches.value_source(name) == Some(ValueSource::CommandLine))
        .map(|name| {
            let value: &String = matches.get_one(name).expect("given");
            (name.to_owned(), value.clone())
        })
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_iter()
        .collect();
    let model = entry.build(&given)?;
    let args =
        EngineArgs::from_arg_matches(matches).map_err(|e| Error::InvalidEngine(e.to_string()))?;
    let engine = engine_from(&args)?;
    let options = Options {
        time_limit: args.time_limit,
        keep_going: args.keep_going,
        max_steps: args.max_steps,
    };
    let report = model.explore(engine, &options)?;
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = write!(
        std::io::stdout().lock(),
        "{}",
        report.render(&interleavings::Style::for_stdout())
    );
    Ok(if report.is_violated() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Builds the engine, refusing flags that do not apply to it.
fn engine_from(args: &EngineArgs) -> Result<Engine, Error> {
    let flags: [(&str, bool, &[&str]); 6] = [
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
        ("--seed", args.seed.is_some(), &["pct", "random"]),
        ("--runs", args.runs.is_some(), &["std"]),
        ("--chaos", args.chaos.is_some(), &["std"]),
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
    let mut engine = match args.engine.as_str() {
        "loom" => Engine::loom(),
        "dfs" => Engine::dfs(),
        "pct" => Engine::pct(args.iterations.unwrap_or(10_000), args.depth.unwrap_or(3)),
        "random" => Engine::random(args.iterations.unwrap_or(10_000)),
        _ => Engine::std().runs(args.runs.unwrap_or(1_000)),
    };
    if let (Some(n), "loom" | "dfs") = (args.iterations, args.engine.as_str()) {
        engine = engine.max_iterations(n);
    }
    if let Some(k) = args.preemption_bound {
        engine = engine.preemption_bound(k);
    }
    if let Some(seed) = args.seed {
        engine = engine.seed(seed);
    }
    if let Some(seed) = args.chaos {
        engine = engine.chaos(seed);
    }
    Ok(engine)
}
