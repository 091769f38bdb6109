//! Real child processes for the std engine: `fork`, a pipe back to the parent, `waitpid`,
//! `kill`.
//!
//! The child is a copy of the parent made by `fork`: it has its own memory, a real pid, and
//! only the forking thread. It runs the target and leaves with `_exit`, so nothing of the
//! parent's (destructors, buffered output, other tests' threads) runs twice. The child talks
//! to the parent through one pipe, in frames: the lines it prints with
//! [`io::println!`](crate::io::println), and, if it touches a facade object of the parent's
//! execution, why the std engine cannot run that faithfully (a copy of a lock is not a shared
//! lock). A reader thread in the parent records the lines in the execution as they arrive,
//! so the output keeps the order in which parent and child really printed.
//!
//! Why `fork` is acceptable here: between `fork` and `_exit` the child runs only the target
//! and this module. glibc's allocator is fork-safe; the child writes frames with `write(2)`,
//! never through std's locked stdout. A target that itself takes a lock some other thread of
//! the parent held at the fork (std's stdout through `std::println!`, for instance) can hang;
//! the parent's `join` then still ends when the watchdog gives up, and the child is killed.

use crate::context::{Execution, FailureKind};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The write end of the pipe to the parent, in a child process; -1 everywhere else.
static TO_PARENT: AtomicI32 = AtomicI32::new(-1);

/// How often a waiting parent looks at its child.
const POLL: Duration = Duration::from_millis(1);

/// Exit code of a child that stopped because the std engine cannot run what it did.
const EXIT_UNSUPPORTED: i32 = 97;

/// What a frame from the child carries.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// A printed line.
    Line = b'L' as isize,
    /// The std engine cannot run this faithfully (an engine limit).
    Unsupported = b'U' as isize,
    /// The model broke a rule of processes (a misuse).
    Misuse = b'M' as isize,
}

/// True in a child process made by [`start`].
pub(crate) fn in_child() -> bool {
    TO_PARENT.load(Ordering::Relaxed) >= 0
}

/// In a child process: sends a printed line to the parent.
pub(crate) fn send_line(line: &str) {
    send(Frame::Line, line);
}

/// In a child process: tells the parent that the child used `what` (a facade object of the
/// parent's execution), which the std engine cannot share between real processes, and ends
/// the child.
pub(crate) fn refuse_shared_object(what: &str, name: &str) -> ! {
    if what == "Shared" {
        send(
            Frame::Misuse,
            &format!(
                "Shared `{name}` belongs to the parent process but is used in a child process: \
                 a process has its own memory"
            ),
        );
    } else {
        send(
            Frame::Unsupported,
            &format!(
                "not supported on the std engine: {what} `{name}` is used by a real child \
                 process, which has only a copy of it; explore models that share locks or \
                 atomics between processes with Engine::loom(), Engine::dfs(), Engine::pct(..) \
                 or Engine::random(..)"
            ),
        );
    }
    exit(EXIT_UNSUPPORTED)
}

/// In a child process: tells the parent that the child did something the std engine cannot
/// run in a real process, and ends the child.
pub(crate) fn refuse(what: &str) -> ! {
    send(
        Frame::Unsupported,
        &format!("not supported on the std engine: {what} inside a real child process"),
    );
    exit(EXIT_UNSUPPORTED)
}

fn send(frame: Frame, text: &str) {
    let fd = TO_PARENT.load(Ordering::Relaxed);
    let mut bytes = Vec::with_capacity(text.len() + 5);
    bytes.push(frame as u8);
    bytes.extend_from_slice(&u32::try_from(text.len()).unwrap_or(u32::MAX).to_le_bytes());
    bytes.extend_from_slice(text.as_bytes());
    let mut rest = &bytes[..];
    while !rest.is_empty() {
        // SAFETY: `fd` is the open write end of the pipe; `rest` is valid for its length.
        let written = unsafe { libc::write(fd, rest.as_ptr().cast(), rest.len()) };
        if written < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            // The parent is gone: nobody is left to tell.
            return;
        }
        rest = &rest[written as usize..];
    }
}

fn exit(code: i32) -> ! {
    // SAFETY: `_exit` ends the process at once; nothing of the parent's runs in the child.
    unsafe { libc::_exit(code) }
}

/// A real child process, seen from its parent.
pub(crate) struct Child {
    pid: libc::pid_t,
    state: Mutex<ChildState>,
}

struct ChildState {
    /// The exit code, once the child has been reaped.
    exit_code: Option<i32>,
    reader: Option<(JoinHandle<()>, Arc<AtomicBool>)>,
}

/// Forks a child that runs `target` as model thread `thread` of `execution` (the parent
/// records what it prints under that thread).
pub(crate) fn start(
    execution: &Arc<Execution>,
    thread: usize,
    target: Box<dyn FnOnce() + Send>,
) -> std::io::Result<Child> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors `pipe2` writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just opened and are owned here only.
    let (from_child, to_parent) =
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: the child runs only `run_child`, which ends with `_exit` (see the module docs).
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(std::io::Error::last_os_error());
    }
    if pid == 0 {
        drop(from_child);
        run_child(to_parent, target);
    }
    drop(to_parent);
    let done = Arc::new(AtomicBool::new(false));
    execution.real_children.fetch_add(1, Ordering::AcqRel);
    let reader = {
        let reading = Arc::clone(execution);
        let done = Arc::clone(&done);
        std::thread::Builder::new()
            .name("interleavings-child-pipe".into())
            .spawn(move || {
                read_frames(&from_child, &reading, thread, &done);
                reading.real_children.fetch_sub(1, Ordering::AcqRel);
            })
            .inspect_err(|_| {
                execution.real_children.fetch_sub(1, Ordering::AcqRel);
            })?
    };
    Ok(Child {
        pid,
        state: Mutex::new(ChildState {
            exit_code: None,
            reader: Some((reader, done)),
        }),
    })
}

fn run_child(to_parent: OwnedFd, target: Box<dyn FnOnce() + Send>) -> ! {
    TO_PARENT.store(to_parent.as_raw_fd(), Ordering::Relaxed);
    std::mem::forget(to_parent);
    // The copy of the parent's execution is not this process's: facade calls here act as
    // outside any exploration, and objects of the parent's execution are refused.
    crate::context::forget_in_child();
    let code = match panic::catch_unwind(AssertUnwindSafe(target)) {
        Ok(()) => crate::process::EXIT_OK,
        Err(_) => crate::process::EXIT_PANICKED,
    };
    exit(code)
}

/// The parent's reader: records the child's frames until the child is reaped and the pipe
/// is empty (not until end of file: a child forked meanwhile by another thread may hold a
/// copy of the write end).
fn read_frames(pipe: &OwnedFd, execution: &Execution, thread: usize, done: &AtomicBool) {
    let fd = pipe.as_raw_fd();
    let mut pending = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let finished = done.load(Ordering::Acquire);
        let mut poll = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let ready = unsafe { libc::poll(&mut poll, 1, if finished { 0 } else { 5 }) };
        if ready > 0 && poll.revents & libc::POLLIN != 0 {
            // SAFETY: `buffer` is valid for its length; `fd` is open.
            let read = unsafe { libc::read(fd, buffer.as_mut_ptr().cast(), buffer.len()) };
            if read > 0 {
                pending.extend_from_slice(&buffer[..read as usize]);
                deliver(&mut pending, execution, thread);
                continue;
            }
            if read == 0 {
                return;
            }
        } else if ready > 0 && poll.revents & libc::POLLHUP != 0 {
            return;
        }
        if finished {
            return;
        }
    }
}

fn deliver(pending: &mut Vec<u8>, execution: &Execution, thread: usize) {
    while pending.len() >= 5 {
        let length = u32::from_le_bytes([pending[1], pending[2], pending[3], pending[4]]) as usize;
        if pending.len() < 5 + length {
            return;
        }
        let text = String::from_utf8_lossy(&pending[5..5 + length]).into_owned();
        match pending[0] {
            b'L' => execution.print(thread, text),
            b'M' => execution.fail(FailureKind::Misuse, text),
            _ => execution.fail(FailureKind::EngineLimit, text),
        }
        pending.drain(..5 + length);
    }
}

impl Child {
    /// The child's pid.
    pub(crate) fn pid(&self) -> u32 {
        self.pid.unsigned_abs()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ChildState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The exit code once reaped: the target's, or minus the signal that ended it.
    pub(crate) fn exit_code(&self) -> Option<i32> {
        self.state().exit_code
    }

    /// Reaps the child if it has ended, without waiting; true once it has.
    pub(crate) fn try_reap(&self) -> bool {
        let mut state = self.state();
        if state.exit_code.is_some() {
            return true;
        }
        let mut status = 0;
        // SAFETY: `pid` is this parent's child; `status` is valid.
        let reaped = unsafe { libc::waitpid(self.pid, &mut status, libc::WNOHANG) };
        if reaped != self.pid {
            return false;
        }
        state.exit_code = Some(if libc::WIFSIGNALED(status) {
            -libc::WTERMSIG(status)
        } else {
            libc::WEXITSTATUS(status)
        });
        // The child has ended: everything it wrote is in the pipe; let the reader empty it.
        if let Some((reader, done)) = state.reader.take() {
            done.store(true, Ordering::Release);
            let _ = reader.join();
        }
        true
    }

    /// Waits until the child ends or `deadline` passes (or `give_up` says so); true if it
    /// ended.
    pub(crate) fn wait(&self, deadline: Option<Instant>, give_up: impl Fn() -> bool) -> bool {
        loop {
            if self.try_reap() {
                return true;
            }
            if deadline.is_some_and(|d| Instant::now() >= d) || give_up() {
                return false;
            }
            std::thread::sleep(POLL);
        }
    }

    /// Sends `SIGTERM`, as Python's `Process.terminate` does.
    pub(crate) fn terminate(&self) {
        if self.exit_code().is_none() {
            // SAFETY: signalling our own unreaped child.
            unsafe { libc::kill(self.pid, libc::SIGTERM) };
        }
    }
}

impl Drop for Child {
    /// A child nobody joined does not outlive its `Process`: it is killed and reaped.
    fn drop(&mut self) {
        if self.exit_code().is_none() {
            // SAFETY: signalling our own unreaped child.
            unsafe { libc::kill(self.pid, libc::SIGKILL) };
            self.wait(None, || false);
        }
    }
}
