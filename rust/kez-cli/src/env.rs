//! What every command receives: output, store, clock; plus randomness and input reading.
use crate::outcome::{CliError, CliResult};
use crate::output::Output;
use crate::store::{KeyRecord, Store};
use kez_core::keys::{SecretKey, Suite};
use std::io::Read;

pub struct Env {
    pub out: Output,
    pub store: Store,
    /// The verification clock: --now, else the system clock.
    pub now: u64,
    /// The system clock: what every other verifier's clock is close to.
    pub system_now: u64,
}

/// 32 bytes from the OS generator.
pub fn random32() -> [u8; 32] {
    let mut b = [0u8; 32];
    getrandom::getrandom(&mut b).expect("the OS random generator");
    b
}

/// A fresh key of `suite` (retrying the rare BIP-340 scalar outside 1..n-1).
pub fn generate(suite: Suite, name: &str, now: u64) -> KeyRecord {
    loop {
        if let Ok(sk) = SecretKey::from_bytes(suite, &random32()) {
            return record(&sk, name, now);
        }
    }
}

pub fn record(sk: &SecretKey, name: &str, now: u64) -> KeyRecord {
    KeyRecord { name: name.into(), suite: sk.suite(), key: sk.key_id().to_string(), secret: hex::encode(sk.to_bytes()), created_at: now }
}

/// Input limits for files named on the command line (the decoders enforce SPEC §11 exactly).
pub const CLAIM_INPUT_LIMIT: u64 = 1024 * 1024;
pub const BUNDLE_LIMIT: u64 = 64 * 1024 * 1024;

/// Reads FILE or `-` (stdin), at most `limit` bytes (`None` when larger).
pub fn read_input(spec: &str, limit: u64) -> CliResult<Option<Vec<u8>>> {
    let mut buf = Vec::new();
    let result = if spec == "-" {
        std::io::stdin().lock().take(limit + 1).read_to_end(&mut buf)
    } else {
        std::fs::File::open(spec).and_then(|f| f.take(limit + 1).read_to_end(&mut buf))
    };
    result.map_err(|e| {
        let what = if spec == "-" { "stdin".to_string() } else { spec.to_string() };
        CliError::local("file", format!("cannot read {what}: {e}"), "check the path; use - to read from stdin")
    })?;
    Ok((buf.len() as u64 <= limit).then_some(buf))
}

pub fn write_user_file(path: &str, text: &str) -> CliResult<()> {
    std::fs::write(path, text)
        .map_err(|e| CliError::local("file", format!("cannot write {path}: {e}"), "check the path and its directory permissions"))
}

pub fn parse_alg(alg: &str) -> CliResult<Suite> {
    match alg {
        "nostr" | "bip340" => Ok(Suite::Bip340),
        "ed25519" => Ok(Suite::Ed25519),
        _ => Err(CliError::usage("bad_alg", format!("unknown algorithm '{alg}'"), "use --alg nostr or --alg ed25519")),
    }
}
