//! Typed errors: every failure carries a SPEC §9 code, which determines its status.

/// SPEC §9 verification statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Valid,
    Revoked,
    Expired,
    Unreachable,
    Fork,
    Invalid,
    NotFound,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Revoked => "revoked",
            Status::Expired => "expired",
            Status::Unreachable => "unreachable",
            Status::Fork => "fork",
            Status::Invalid => "invalid",
            Status::NotFound => "not_found",
        }
    }
}

macro_rules! codes {
    ($($variant:ident => $text:literal, $status:ident;)*) => {
        /// SPEC §9 machine-readable codes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code { $($variant),* }
        impl Code {
            pub fn as_str(self) -> &'static str { match self { $(Code::$variant => $text),* } }
            pub fn status(self) -> Status { match self { $(Code::$variant => Status::$status),* } }
        }
    };
}

codes! {
    Revoked => "revoked", Revoked;
    KeyRotated => "key_rotated", Revoked;
    DeviceRevoked => "device_revoked", Revoked;
    KeyCompromised => "key_compromised", Revoked;
    Expired => "expired", Expired;
    Timeout => "timeout", Unreachable;
    Network => "network", Unreachable;
    RateLimited => "rate_limited", Unreachable;
    HttpStatus => "http_status", Unreachable;
    Rollback => "rollback", Unreachable;
    Fork => "fork", Fork;
    Malformed => "malformed", Invalid;
    NonCanonical => "non_canonical", Invalid;
    TrailingData => "trailing_data", Invalid;
    BadEncoding => "bad_encoding", Invalid;
    TooLarge => "too_large", Invalid;
    UnsupportedVersion => "unsupported_version", Invalid;
    BadKey => "bad_key", Invalid;
    BadSubject => "bad_subject", Invalid;
    BadSignature => "bad_signature", Invalid;
    Future => "future", Invalid;
    BadLink => "bad_link", Invalid;
    NotAuthorized => "not_authorized", Invalid;
    BadClaim => "bad_claim", Invalid;
    BadReverse => "bad_reverse", Invalid;
    PrecommitMismatch => "precommit_mismatch", Invalid;
    IdentityMismatch => "identity_mismatch", Invalid;
    NotInChain => "not_in_chain", Invalid;
    Ambiguous => "ambiguous", Invalid;
    SubjectMismatch => "subject_mismatch", Invalid;
    BlockedAddress => "blocked_address", Invalid;
    Redirect => "redirect", Invalid;
    ContentType => "content_type", Invalid;
    NoProof => "no_proof", NotFound;
    NoAccount => "no_account", NotFound;
    ChainBehind => "chain_behind", NotFound;
    NoChain => "no_chain", NotFound;
    NotClaimed => "not_claimed", NotFound;
}

/// A KEZ failure: a SPEC code plus a human reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}", code.as_str(), reason)]
pub struct KezError {
    pub code: Code,
    pub reason: String,
}

impl KezError {
    pub fn new(code: Code, reason: impl Into<String>) -> Self {
        KezError { code, reason: reason.into() }
    }
    pub fn status(&self) -> Status {
        self.code.status()
    }
}

pub type Result<T> = std::result::Result<T, KezError>;

/// Shorthand: `Err(err(Code::X, "why"))`.
pub fn err(code: Code, reason: impl Into<String>) -> KezError {
    KezError::new(code, reason)
}
