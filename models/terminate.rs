//! Terminating a process that holds a lock: it runs no cleanup, the lock stays locked, and
//! the next process to take it waits for ever. The safe variant terminates only after the
//! holder has released the lock.

use crate::process::Process;
use crate::sync::atomic::{AtomicBool, Ordering};
use crate::sync::{Arc, Mutex};
use crate::thread;
use crate::{Model, ModelId};

/// The terminate-a-lock-holder model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TerminateHolder {
    /// Wait until the holder has released the lock before terminating it.
    pub wait_for_release: bool,
}

impl Model for TerminateHolder {
    type Outcome = Option<i32>;

    fn name(&self) -> String {
        format!("terminate(when={})", self.variant())
    }

    fn catalogue_id(&self) -> Option<ModelId> {
        Some(ModelId::new(
            "terminate",
            [("when", self.variant().to_owned())],
        ))
    }

    fn run(&self) -> Option<i32> {
        let lock = Arc::new(Mutex::new(0).named("lock"));
        let released = Arc::new(AtomicBool::new(false).named("released"));
        let (held, done) = (Arc::clone(&lock), Arc::clone(&released));
        let mut holder = Process::new(move || {
            let mut guard = held.lock().expect("lock");
            *guard += 1;
            drop(guard);
            done.store(true, Ordering::Release);
        })
        .name("holder");
        holder.start();
        if self.wait_for_release {
            while !released.load(Ordering::Acquire) {
                thread::yield_now();
            }
        }
        holder.terminate();
        holder.join();
        // The next one to take the lock.
        let _next = lock.lock().expect("lock");
        holder.exit_code()
    }

    fn check(&self, _: &Option<i32>) -> Result<(), String> {
        Ok(())
    }
}

impl TerminateHolder {
    fn variant(&self) -> &'static str {
        if self.wait_for_release {
            "after-release"
        } else {
            "any-time"
        }
    }
}
