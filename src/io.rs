//! Line output that is part of the execution, so that the order of output can be a
//! property.
//!
//! [`println!`] inside an exploration records the line as a step of the execution (a
//! scheduling point, like a write to a shared variable) and appends it to the execution's
//! output, which [`output`] returns; a model puts it in its outcome. Outside any exploration
//! it prints to standard output, and under the std engine it also prints when the
//! exploration asks for it (`interleavings run`).
//!
//! ```
//! use interleavings::{explore, io, thread, Engine};
//! let report = explore(|| {
//!     let child = thread::spawn(|| io::println!("**"));
//!     child.join().unwrap();
//!     io::println!("****");
//!     assert_eq!(io::output(), ["**", "****"]);
//! })
//! .engine(Engine::loom())
//! .run();
//! assert!(report.is_proved());
//! ```

use crate::context;

/// Prints a line as part of the execution: `interleavings::io::println!("{} sold", name)`.
#[macro_export]
#[doc(hidden)]
macro_rules! __interleavings_println {
    ($($arg:tt)*) => {
        $crate::io::print_line(::std::format!($($arg)*))
    };
}

pub use crate::__interleavings_println as println;

/// Narrates what a real run of the program prints (`interleavings run`): printed only on
/// the std engine when the exploration echoes output, and otherwise nothing — not a step,
/// not recorded, so it never changes what the engines explore.
#[macro_export]
#[doc(hidden)]
macro_rules! __interleavings_narrate {
    ($($arg:tt)*) => {
        if $crate::io::narrating() {
            ::std::println!($($arg)*);
        }
    };
}

pub use crate::__interleavings_narrate as narrate;

/// True when [`narrate!`] prints: on the std engine, with output echoed.
pub fn narrating() -> bool {
    context::current().is_some_and(|e| e.echo_output && e.backend == context::Backend::Std)
}

/// Prints `line` as part of the running execution (what [`println!`] expands to).
pub fn print_line(line: String) {
    let Some((execution, thread)) = context::current_thread() else {
        #[cfg(target_os = "linux")]
        if crate::engine::fork::in_child() {
            return crate::engine::fork::send_line(&line);
        }
        std::println!("{line}");
        return;
    };
    context::step(&execution, thread);
    execution.pass_stdout_point();
    execution.print(thread, line);
}

/// The lines printed so far in the running execution, in order (empty outside one).
pub fn output() -> Vec<String> {
    context::current().map_or_else(Vec::new, |execution| {
        execution.read_stdout_point();
        execution.output()
    })
}
