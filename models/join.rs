//! `join` makes output order deterministic: the child prints `**`, sleeps, prints `***`;
//! the parent prints `****`. With the join before the parent's line, the output is always
//! `**`, `***`, `****`; without it, `****` can come first.

use crate::io;
use crate::thread;
use crate::{Model, ModelId};
use std::time::Duration;

/// The join-ordering model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JoinOrder {
    /// The parent joins the child before printing its line.
    pub join: bool,
}

impl Model for JoinOrder {
    type Outcome = Vec<String>;

    fn name(&self) -> String {
        format!("join(join={})", yes_no(self.join))
    }

    fn catalogue_id(&self) -> Option<ModelId> {
        Some(ModelId::new(
            "join",
            [("join", yes_no(self.join).to_owned())],
        ))
    }

    fn run(&self) -> Vec<String> {
        let child = thread::Builder::new()
            .name("child".into())
            .spawn(|| {
                io::println!("**");
                thread::sleep(Duration::from_millis(10));
                io::println!("***");
            })
            .expect("spawn");
        if self.join {
            child.join().expect("the child panicked");
            io::println!("****");
        } else {
            io::println!("****");
            child.join().expect("the child panicked");
        }
        io::output()
    }

    fn check(&self, output: &Vec<String>) -> Result<(), String> {
        if output == &["**", "***", "****"] {
            Ok(())
        } else {
            Err(format!(
                "the parent's `****` came before the child finished: output {output:?}"
            ))
        }
    }
}

pub(crate) fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}
