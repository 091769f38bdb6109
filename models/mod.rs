//! The catalogue of models: classic concurrency lessons, each with a racy variant and a
//! fixed one. Written against the public facade only, exactly as a user's code would be.

pub mod counter;
pub mod fork;
pub mod join;
pub mod lifecycle;
pub mod terminate;
pub mod tickets;

use crate::report::Rendered;
use crate::{Engine, Error, Explorer, Model, Report};
use std::collections::BTreeMap;
use std::time::Duration;

pub use counter::{Counter, CounterGuard};
pub use fork::{Fork, ForkOutcome, ForkWith};
pub use join::JoinOrder;
pub use lifecycle::{Lifecycle, LifecycleOutcome};
pub use terminate::TerminateHolder;
pub use tickets::{TicketGuard, TicketSale, TicketsOutcome};

/// One parameter of a catalogue model.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    /// Name, as in `--sellers`.
    pub name: &'static str,
    /// Value used when none is given.
    pub default: &'static str,
    /// What it means.
    pub help: &'static str,
    /// The allowed values; empty for a whole number.
    pub choices: &'static [&'static str],
}

/// A model in the catalogue: its id, parameters and how to build it.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// The id used on the command line, e.g. `tickets`.
    pub id: &'static str,
    /// One line about what it shows.
    pub about: &'static str,
    /// Its parameters.
    pub params: &'static [Param],
    /// The parameter that picks the racy or the fixed variant (`replay --against` sets it).
    pub variant: &'static str,
    build: fn(&Values) -> Box<dyn Explorable>,
}

/// Validated parameter values of one model.
#[derive(Clone, Debug)]
pub struct Values {
    values: BTreeMap<&'static str, String>,
}

impl Values {
    fn text(&self, name: &str) -> &str {
        self.values
            .get(name)
            .map(String::as_str)
            .expect("parameters are validated before a model is built")
    }

    fn number<T: std::str::FromStr>(&self, name: &str) -> T {
        self.text(name)
            .parse()
            .ok()
            .expect("numbers are validated before a model is built")
    }
}

/// Options of an exploration that do not depend on the model's type.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// See [`Explorer::time_limit`].
    pub time_limit: Option<Duration>,
    /// See [`Explorer::keep_going`].
    pub keep_going: bool,
    /// See [`Explorer::max_steps`].
    pub max_steps: Option<usize>,
    /// See [`Explorer::save_regressions`].
    pub save_regressions: Option<std::path::PathBuf>,
    /// See [`Explorer::jobs`] (0 counts as 1).
    pub jobs: usize,
    /// See [`Explorer::shard`].
    pub shard: Option<(usize, usize)>,
    /// See [`Explorer::progress`].
    pub progress: Option<std::sync::Arc<crate::Progress>>,
    /// See [`Explorer::echo_output`].
    pub echo_output: bool,
    /// Show the counterexample as found, without minimising it ([`Explorer::minimize`]).
    pub as_found: bool,
}

/// A catalogue model with its outcome type erased, so that the command line can run any.
pub trait Explorable: Send + Sync {
    /// The model's name with its parameters.
    fn name(&self) -> String;
    /// Explores it; outcomes are rendered with `Debug`.
    fn explore(&self, engine: Engine, options: &Options) -> Result<Report<Rendered>, Error>;
    /// Estimates the size of an exhaustive search ([`Explorer::estimate`]).
    fn estimate(&self, samples: u64) -> Result<crate::Estimate, Error>;
}

impl<M: Model + Clone> Explorable for M {
    fn name(&self) -> String {
        Model::name(self)
    }

    fn estimate(&self, samples: u64) -> Result<crate::Estimate, Error> {
        Explorer::new(self.clone()).estimate(samples)
    }

    fn explore(&self, engine: Engine, options: &Options) -> Result<Report<Rendered>, Error> {
        let mut explorer = Explorer::new(self.clone()).engine(engine);
        if let Some(limit) = options.time_limit {
            explorer = explorer.time_limit(limit);
        }
        if options.keep_going {
            explorer = explorer.keep_going();
        }
        if let Some(steps) = options.max_steps {
            explorer = explorer.max_steps(steps);
        }
        if let Some(dir) = &options.save_regressions {
            explorer = explorer.save_regressions(dir.clone());
        }
        if let Some((index, count)) = options.shard {
            explorer = explorer.shard(index, count);
        }
        if let Some(progress) = &options.progress {
            explorer = explorer.progress(std::sync::Arc::clone(progress));
        }
        explorer = explorer
            .jobs(options.jobs)
            .echo_output(options.echo_output)
            .minimize(!options.as_found);
        Ok(explorer.try_run()?.erase_outcomes())
    }
}

const GUARD_HELP: &str = "how the shared state is protected";

static CATALOGUE: &[Entry] = &[
    Entry {
        id: "counter",
        about: "100, thread `one` adds 1 three times, thread `two` adds 2 three times: 109?",
        params: &[Param {
            name: "guard",
            default: "none",
            help: GUARD_HELP,
            choices: &["none", "mutex", "atomic"],
        }],
        variant: "guard",
        build: |values| {
            Box::new(Counter::new(match values.text("guard") {
                "mutex" => CounterGuard::Mutex,
                "atomic" => CounterGuard::Atomic,
                _ => CounterGuard::None,
            }))
        },
    },
    Entry {
        id: "tickets",
        about: "sellers sell numbered tickets: each sold exactly once, none oversold?",
        params: &[
            Param {
                name: "sellers",
                default: "10",
                help: "seller threads",
                choices: &[],
            },
            Param {
                name: "tickets",
                default: "50",
                help: "tickets on sale",
                choices: &[],
            },
            Param {
                name: "guard",
                default: "none",
                help: GUARD_HELP,
                choices: &["none", "mutex", "mutex-exit-holding"],
            },
        ],
        variant: "guard",
        build: |values| {
            let sellers = values.number("sellers");
            let tickets = values.number("tickets");
            Box::new(match values.text("guard") {
                "mutex" => TicketSale::guarded(sellers, tickets),
                "mutex-exit-holding" => TicketSale {
                    guard: TicketGuard::MutexExitHolding,
                    ..TicketSale::guarded(sellers, tickets)
                },
                _ => TicketSale::unguarded(sellers, tickets),
            })
        },
    },
    Entry {
        id: "join",
        about: "the child prints ** and ***, the parent ****: in that order?",
        params: &[Param {
            name: "join",
            default: "no",
            help: "the parent joins the child before printing",
            choices: &["no", "yes"],
        }],
        variant: "join",
        build: |values| {
            Box::new(JoinOrder {
                join: values.text("join") == "yes",
            })
        },
    },
    Entry {
        id: "fork",
        about: "a child adds 1 three times to 100: does the parent still see 100?",
        params: &[Param {
            name: "with",
            default: "thread",
            help: "the child is a thread sharing the variable, or a process",
            choices: &["thread", "process"],
        }],
        variant: "with",
        build: |values| {
            Box::new(Fork {
                with: match values.text("with") {
                    "process" => ForkWith::Process,
                    _ => ForkWith::Thread,
                },
            })
        },
    },
    Entry {
        id: "lifecycle",
        about: "start, join_timeout, is_alive, exit code: is the child over when we go on?",
        params: &[Param {
            name: "after_timeout",
            default: "assume-done",
            help: "what the parent does when join_timeout returns",
            choices: &["assume-done", "join"],
        }],
        variant: "after_timeout",
        build: |values| {
            Box::new(Lifecycle {
                join_after_timeout: values.text("after_timeout") == "join",
            })
        },
    },
    Entry {
        id: "terminate",
        about: "a process is terminated while it may hold a lock: can the next one take it?",
        params: &[Param {
            name: "when",
            default: "any-time",
            help: "when the parent terminates the holder",
            choices: &["any-time", "after-release"],
        }],
        variant: "when",
        build: |values| {
            Box::new(TerminateHolder {
                wait_for_release: values.text("when") == "after-release",
            })
        },
    },
];

/// Every model in the catalogue.
pub fn all() -> &'static [Entry] {
    CATALOGUE
}

/// The catalogue model with this id.
pub fn find(id: &str) -> Result<&'static Entry, Error> {
    CATALOGUE.iter().find(|e| e.id == id).ok_or_else(|| {
        let known: Vec<&str> = CATALOGUE.iter().map(|e| e.id).collect();
        Error::UnknownModel(format!(
            "no model `{id}` in the catalogue (known: {})",
            known.join(", ")
        ))
    })
}

/// Builds the catalogue model a [`ModelId`](crate::ModelId) names.
pub fn build(model: &crate::ModelId) -> Result<Box<dyn Explorable>, Error> {
    let pairs: Vec<(String, String)> = model
        .params
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    find(&model.id)?.build(&pairs)
}

impl Entry {
    /// The model id with every parameter: the given values, and defaults for the rest.
    pub fn model_id(&self, given: &[(String, String)]) -> crate::ModelId {
        crate::ModelId::new(
            self.id,
            self.params.iter().map(|p| {
                let value = given
                    .iter()
                    .find(|(name, _)| name == p.name)
                    .map_or(p.default, |(_, v)| v.as_str());
                (p.name, value.to_owned())
            }),
        )
    }

    /// Builds the model from `name = value` pairs; parameters not given take their default.
    pub fn build(&self, given: &[(String, String)]) -> Result<Box<dyn Explorable>, Error> {
        let mut values: BTreeMap<&'static str, String> = self
            .params
            .iter()
            .map(|p| (p.name, p.default.to_owned()))
            .collect();
        for (name, value) in given {
            let param = self.params.iter().find(|p| p.name == name).ok_or_else(|| {
                let known: Vec<&str> = self.params.iter().map(|p| p.name).collect();
                self.invalid(
                    name,
                    format!("no such parameter (known: {})", known.join(", ")),
                )
            })?;
            if param.choices.is_empty() {
                if value.parse::<u32>().is_err() {
                    return Err(self.invalid(
                        name,
                        format!("`{value}` is not a whole number from 0 to {}", u32::MAX),
                    ));
                }
            } else if !param.choices.contains(&value.as_str()) {
                return Err(self.invalid(
                    name,
                    format!("`{value}` is not one of {}", param.choices.join(", ")),
                ));
            }
            values.insert(param.name, value.clone());
        }
        Ok((self.build)(&Values { values }))
    }

    fn invalid(&self, param: &str, problem: String) -> Error {
        Error::InvalidParameter(format!(
            "model `{}`, parameter `{param}`: {problem}",
            self.id
        ))
    }
}
