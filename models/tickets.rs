//! The ticket office: `sellers` threads sell `tickets` tickets. Each seller loops: if
//! tickets are left, sell one (the ticket numbered with the count it read) and decrement;
//! otherwise stop. Every ticket must be sold exactly once, and none that does not exist.

use crate::sync::{Arc, Mutex};
use crate::thread;
use crate::{Model, ModelId, Shared};
use std::collections::BTreeMap;
use std::fmt;

/// How the ticket count is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TicketGuard {
    /// Check (`get`) and sell (`get`, `set`) are separate steps: two sellers can sell the
    /// same ticket, or one that does not exist.
    None,
    /// The whole check-and-sell happens under one lock.
    Mutex,
    /// Under one lock, but the seller that finds no ticket left stops while still holding
    /// it (the tutorial's `os._exit(0)` inside the critical section): the others wait for
    /// ever.
    MutexExitHolding,
}

impl TicketGuard {
    /// The guard's name as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            TicketGuard::None => "none",
            TicketGuard::Mutex => "mutex",
            TicketGuard::MutexExitHolding => "mutex-exit-holding",
        }
    }
}

/// The ticket office model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TicketSale {
    /// Seller threads.
    pub sellers: usize,
    /// Tickets on sale, numbered 1 to `tickets`.
    pub tickets: u32,
    /// How the count is protected.
    pub guard: TicketGuard,
}

impl TicketSale {
    /// Sellers check and sell without a lock.
    pub fn unguarded(sellers: usize, tickets: u32) -> Self {
        TicketSale {
            sellers,
            tickets,
            guard: TicketGuard::None,
        }
    }

    /// Sellers check and sell under one lock.
    pub fn guarded(sellers: usize, tickets: u32) -> Self {
        TicketSale {
            sellers,
            tickets,
            guard: TicketGuard::Mutex,
        }
    }
}

/// What the office looks like when every seller has stopped.
///
/// Correct executions differ only in who sold what, so they all have the same outcome; a
/// wrong one names the tickets that went wrong and who sold them.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TicketsOutcome {
    /// Tickets on sale.
    pub total: u32,
    /// Sales made.
    pub sold: usize,
    /// The count left at the end (negative if oversold).
    pub left: i64,
    /// Tickets sold more than once, or that do not exist, with their sellers.
    pub wrong: Vec<(i64, Vec<String>)>,
}

impl fmt::Debug for TicketsOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "sold {} of {}, left {}",
            self.sold, self.total, self.left
        )?;
        for (ticket, sellers) in &self.wrong {
            write!(f, "; ticket {ticket} by {}", sellers.join(" and "))?;
        }
        Ok(())
    }
}

impl Model for TicketSale {
    type Outcome = TicketsOutcome;

    fn name(&self) -> String {
        format!(
            "tickets(sellers={}, tickets={}, guard={})",
            self.sellers,
            self.tickets,
            self.guard.name()
        )
    }

    fn catalogue_id(&self) -> Option<ModelId> {
        Some(ModelId::new(
            "tickets",
            [
                ("sellers", self.sellers.to_string()),
                ("tickets", self.tickets.to_string()),
                ("guard", self.guard.name().to_owned()),
            ],
        ))
    }

    fn run(&self) -> TicketsOutcome {
        let count = Arc::new(Shared::new(i64::from(self.tickets)).named("tickets"));
        let lock = Arc::new(Mutex::new(()).named("lock"));
        let guarded = self.guard != TicketGuard::None;
        let exit_holding = self.guard == TicketGuard::MutexExitHolding;
        let handles: Vec<_> = (1..=self.sellers)
            .map(|i| {
                let count = Arc::clone(&count);
                let lock = Arc::clone(&lock);
                let name = format!("seller-{i}");
                let handle = thread::Builder::new()
                    .name(name.clone())
                    .spawn(move || sell(&count, guarded.then_some(&*lock), exit_holding))
                    .expect("spawn");
                (name, handle)
            })
            .collect();
        let mut sales: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        let mut sold = 0;
        for (name, handle) in handles {
            for ticket in handle.join().expect("a seller panicked") {
                sold += 1;
                sales.entry(ticket).or_default().push(name.clone());
            }
        }
        let total = i64::from(self.tickets);
        TicketsOutcome {
            total: self.tickets,
            sold,
            left: count.get(),
            wrong: sales
                .into_iter()
                .filter(|(ticket, sellers)| sellers.len() > 1 || !(1..=total).contains(ticket))
                .collect(),
        }
    }

    fn check(&self, outcome: &TicketsOutcome) -> Result<(), String> {
        if let Some((ticket, sellers)) = outcome.wrong.first() {
            return Err(if (1..=i64::from(self.tickets)).contains(ticket) {
                format!("ticket {ticket} sold twice, by {}", sellers.join(" and "))
            } else {
                format!(
                    "ticket {ticket} does not exist but was sold, by {}",
                    sellers.join(" and ")
                )
            });
        }
        if outcome.sold != self.tickets as usize || outcome.left != 0 {
            return Err(format!(
                "{} of {} tickets sold, {} left",
                outcome.sold, self.tickets, outcome.left
            ));
        }
        Ok(())
    }
}

/// One seller: sells until no ticket is left. Returns the tickets it sold.
fn sell(count: &Shared<i64>, lock: Option<&Mutex<()>>, exit_holding: bool) -> Vec<i64> {
    let mut sold = Vec::new();
    loop {
        let held = lock.map(|lock| lock.lock().expect("poisoned"));
        if count.get() <= 0 {
            if exit_holding {
                // Leaves without unlocking, as the tutorial's seller does.
                std::mem::forget(held);
            }
            return sold;
        }
        let ticket = count.get();
        count.set(ticket - 1);
        sold.push(ticket);
        crate::io::narrate!(
            "{} sold ticket {ticket}, {} left",
            crate::thread::current().name().unwrap_or("a seller"),
            ticket - 1
        );
        drop(held);
    }
}
