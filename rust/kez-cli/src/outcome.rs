//! How a run ends: a verification status, a usage error or a local problem (CLI contract exit codes).
use kez_core::{KezError, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Status(Status),
    Usage,
    Local,
}

impl Outcome {
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Status(Status::Valid) => 0,
            Outcome::Status(Status::Invalid) => 1,
            Outcome::Usage => 2,
            Outcome::Status(Status::NotFound) => 3,
            Outcome::Status(Status::Revoked) => 4,
            Outcome::Status(Status::Expired) => 5,
            Outcome::Status(Status::Fork) => 6,
            Outcome::Status(Status::Unreachable) => 7,
            Outcome::Local => 8,
        }
    }
}

/// An error the CLI reports: what went wrong, and what to do next.
#[derive(Debug)]
pub struct CliError {
    pub outcome: Outcome,
    pub code: String,
    pub message: String,
    pub hint: String,
}

impl CliError {
    pub fn usage(code: &str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        CliError { outcome: Outcome::Usage, code: code.into(), message: message.into(), hint: hint.into() }
    }

    pub fn local(code: &str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        CliError { outcome: Outcome::Local, code: code.into(), message: message.into(), hint: hint.into() }
    }

    /// A KEZ verification failure: the status decides the exit code.
    pub fn kez(e: &KezError, message: impl Into<String>, hint: impl Into<String>) -> Self {
        CliError { outcome: Outcome::Status(e.status()), code: e.code.as_str().into(), message: message.into(), hint: hint.into() }
    }
}

pub type CliResult<T> = Result<T, CliError>;
