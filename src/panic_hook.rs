//! Quiet panics inside explorations.
//!
//! A model checker makes models panic on purpose, thousands of times. The default hook
//! would print each one, and shuttle's process-global hook would report every panic of the
//! process (inside shuttle or not) as a failed task. This hook replaces shuttle's: it stays
//! silent on threads that are exploring, remembers the panic's location for the
//! counterexample, and hands every other panic to the hook that was there before, so panics
//! outside explorations print as usual.

use std::any::Any;
use std::cell::RefCell;
use std::panic;
use std::sync::Once;

/// Where the last panic inside an exploration happened, kept as parts: the hook runs for
/// every panic of a model thread, loom's own included (each of its threads ends with one,
/// when loom's hook is not in front of this one), and formatting the place (an allocation)
/// each time cost a few percent of a loom search. The file name's buffer is reused.
struct LastLocation {
    file: String,
    line: u32,
    column: u32,
    /// A location was noted since the last one was taken.
    noted: bool,
}

thread_local! {
    static LAST_LOCATION: RefCell<LastLocation> = const {
        RefCell::new(LastLocation { file: String::new(), line: 0, column: 0, noted: false })
    };
}

/// Installs the hook once per process, after shuttle's (so that ours runs first).
pub(crate) fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // shuttle installs its hook on its first execution, and that hook reports every
        // panic in the process as a failed shuttle task ("test panicked in task ...", then
        // a panic of its own outside shuttle). Make that happen now and throw its hook away:
        // ours is silent inside explorations and hands every other panic to the hook that
        // was there before shuttle's.
        let previous = panic::take_hook();
        crate::engine::shuttle::initialise_panic_hook();
        drop(panic::take_hook());
        panic::set_hook(Box::new(move |info| {
            if crate::context::exploring() {
                LAST_LOCATION.with_borrow_mut(|last| {
                    last.noted = false;
                    if let Some(location) = info.location() {
                        last.file.clear();
                        last.file.push_str(location.file());
                        last.line = location.line();
                        last.column = location.column();
                        last.noted = true;
                    }
                });
            } else {
                previous(info);
            }
        }));
    });
}

/// The text of a panic payload, with where it happened when the hook saw it.
pub(crate) fn message_of(payload: &(dyn Any + Send)) -> String {
    let text = if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a payload that is not a string".to_owned()
    };
    LAST_LOCATION.with_borrow_mut(|last| {
        if std::mem::take(&mut last.noted) {
            format!("{text} (at {}:{}:{})", last.file, last.line, last.column)
        } else {
            text
        }
    })
}
