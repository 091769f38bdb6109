//! The crate's one error type: the exploration could not say anything about the model.
//!
//! A model that is wrong is not an error: it is a [`Verdict::Violated`](crate::Verdict).
//! These are the cases where the input was wrong or the engine could not do the job.

/// Why an exploration could not run or could not finish.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A facade object was used outside the execution that owns it.
    #[error("interleavings: {0}")]
    Misuse(String),
    /// The engine cannot explore this model (for instance loom's thread limit).
    #[error("interleavings: {0}")]
    EngineLimit(String),
    /// An engine was configured with a setting it does not have.
    #[error("interleavings: invalid engine configuration: {0}")]
    InvalidEngine(String),
    /// An exploration was started inside a running exploration.
    #[error(
        "interleavings: an exploration cannot run inside another one (an `Explorer` was run \
         inside a model). Run explorations one after another, from ordinary test code."
    )]
    Nested,
    /// No catalogue model has this id.
    #[error("interleavings: {0}")]
    UnknownModel(String),
    /// A catalogue model's parameter is unknown or has a bad value.
    #[error("interleavings: {0}")]
    InvalidParameter(String),
    /// A regression, proof or schedule file cannot be used: missing, malformed, edited into
    /// something invalid, or naming a model, parameter or thread that does not exist.
    #[error("{path}{}: {message}", at_line(*line))]
    File {
        /// The file.
        path: String,
        /// The line the problem is on, when it is known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// A saved check no longer holds: a regression that stopped failing the same way, or a
    /// proof whose result changed.
    #[error("{path}: {message}")]
    Stale {
        /// The file.
        path: String,
        /// What changed.
        message: String,
    },
    /// A bug in interleavings itself; please report it.
    #[error("[interleavings internal bug] {0}")]
    Internal(String),
}

impl Error {
    /// True for errors caused by how the library was called, not by the model or the engine.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::Misuse(_)
                | Error::InvalidEngine(_)
                | Error::Nested
                | Error::UnknownModel(_)
                | Error::InvalidParameter(_)
                | Error::File { .. }
        )
    }
}

fn at_line(line: Option<usize>) -> String {
    line.map(|l| format!(":{l}")).unwrap_or_default()
}
