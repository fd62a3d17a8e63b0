//! KEZ protocol core (SPEC v0.3, reading v0.2 objects too), independent of the TypeScript implementation.
//! No I/O: callers pass bytes, clocks and randomness in.
pub mod chain;
pub mod claim;
pub mod device_request;
pub mod ed25519_policy;
pub mod encoding;
pub mod error;
pub mod event;
pub mod jcs;
pub mod keys;
pub mod locator;
pub mod login;
pub mod object;
pub mod short_proof;
pub mod signed;
pub mod subject;
pub mod textenc;
pub mod tree;
pub mod verification;

pub use error::{Code, KezError, Result, Status};
pub use object::SignedParts;
