//! KEZ protocol core (SPEC v0.2), independent of the TypeScript implementation.
//! No I/O: callers pass bytes, clocks and randomness in.
pub mod chain;
pub mod claim;
pub mod ed25519_policy;
pub mod encoding;
pub mod error;
pub mod event;
pub mod jcs;
pub mod keys;
pub mod login;
pub mod object;
pub mod signed;
pub mod subject;
pub mod textenc;
pub mod verification;

pub use error::{Code, KezError, Result, Status};
pub use object::SignedParts;
