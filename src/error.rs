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
        )
    }
}
