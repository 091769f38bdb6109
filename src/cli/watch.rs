//! Watching a long exploration: a progress bar on stderr (only when stderr is a terminal),
//! and Ctrl-C, which stops the exploration cleanly so that the report so far is printed.

use indicatif::{ProgressBar, ProgressStyle};
use interleavings::Progress;
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Shown only once an exploration has run this long.
const QUIET_FOR: Duration = Duration::from_secs(1);

/// The progress of the exploration that runs now; Ctrl-C asks it to stop.
pub(crate) fn progress() -> Arc<Progress> {
    static HANDLER: AtomicBool = AtomicBool::new(false);
    static CURRENT: std::sync::Mutex<Option<Arc<Progress>>> = std::sync::Mutex::new(None);
    let progress = Arc::new(Progress::default());
    *CURRENT.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::clone(&progress));
    if !HANDLER.swap(true, Ordering::Relaxed) {
        // A second Ctrl-C, or one that comes while nothing is explored, ends the process.
        let _ = ctrlc::set_handler(|| {
            let current = CURRENT.lock().unwrap_or_else(|p| p.into_inner()).clone();
            match current {
                Some(progress) if !progress.stop_requested() => progress.request_stop(),
                _ => std::process::exit(130),
            }
        });
    }
    progress
}

/// Runs `explore` while a bar on stderr shows executions, their rate and the elapsed time
/// (and how far through `total`, when it is known, or through the DFS's search tree, as
/// far as the DFS can tell).
pub(crate) fn with_bar<T>(
    progress: &Arc<Progress>,
    total: Option<u64>,
    explore: impl FnOnce() -> T,
) -> T {
    if !std::io::stderr().is_terminal() {
        return explore();
    }
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (progress, done) = (Arc::clone(progress), Arc::clone(&done));
        std::thread::spawn(move || {
            let started = std::time::Instant::now();
            while started.elapsed() < QUIET_FOR {
                if done.load(Ordering::Relaxed) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let bar = match total {
                Some(total) => ProgressBar::new(total).with_style(
                    ProgressStyle::with_template(
                        "{bar:30} {pos}/{len} executions, {per_sec}, {elapsed} elapsed, ETA {eta}",
                    )
                    .expect("a valid template"),
                ),
                None => ProgressBar::new_spinner().with_style(
                    ProgressStyle::with_template(
                        "{spinner} {pos} executions, {per_sec}, {elapsed} elapsed{msg}",
                    )
                    .expect("a valid template"),
                ),
            };
            while !done.load(Ordering::Relaxed) {
                bar.set_position(progress.executions());
                if let Some(fraction) = progress.explored_fraction() {
                    bar.set_message(format!(
                        ", about {:.2} % of the search tree (a rough estimate)",
                        fraction * 100.0
                    ));
                }
                bar.tick();
                std::thread::sleep(Duration::from_millis(100));
            }
            bar.finish_and_clear();
        })
    };
    let result = explore();
    done.store(true, Ordering::Relaxed);
    let _ = watcher.join();
    result
}
