//! Short proofs (SPEC §5.2): `[home "/"] kez:id:<64 hex>` written at a place, judged through the
//! identity's chain, which must hold a claim for the place's owner.
use crate::chain::{claim_status, ChainResult};
use crate::error::{err, Code, Result, Status};
use crate::locator::locator_ok;
use crate::textenc::is_lower_hex;
use crate::verification::Verification;
use serde_json::{Map, Value};

pub const MAX_SHORT_PROOF_BYTES: usize = 120;
pub const MAX_HOME_BYTES: usize = 48;
/// §5.2 step 3: at most this many proofs are taken from one text.
pub const MAX_PER_TEXT: usize = 8;
const PREFIX: &str = "kez:id:";
const ID_BYTES: usize = PREFIX.len() + 64;

/// One short proof found in a text: one per distinct (identity, home), in the order found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortProof {
    pub identity: String,
    pub home: Option<String>,
}

/// The identities of `proofs`, each once in the order first found, with the first home written
/// for it (§5.2 rule 3: the verifier judges each identity once, with the homes of all its occurrences).
pub fn identities(proofs: &[ShortProof]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for p in proofs {
        let i = match out.iter().position(|(id, _)| *id == p.identity) {
            Some(i) => i,
            None => {
                out.push((p.identity.clone(), Vec::new()));
                out.len() - 1
            }
        };
        if let Some(h) = &p.home {
            out[i].1.push(h.clone());
        }
    }
    out
}

/// `home = ("https" / "http") "://" host [":" port]`, host and port as §5.1, at most 48 bytes.
pub fn home_ok(home: &str) -> bool {
    let authority = home.strip_prefix("https://").or_else(|| home.strip_prefix("http://"));
    home.len() <= MAX_HOME_BYTES && authority.is_some_and(|a| !a.contains(['/', '?'])) && locator_ok(home)
}

fn identity_ok(identity: &str) -> bool {
    identity.strip_prefix(PREFIX).is_some_and(|h| h.len() == 64 && is_lower_hex(h))
}

/// The characters a home run is drawn from (§5.2 step 2).
fn in_home_run(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'/')
}

/// §5.2 "Finding short proofs in text", over text already extracted from the place. A home run
/// that is not a home makes the proof `invalid` (`malformed`), reported as the error.
pub fn find_short_proofs(text: &str) -> Result<Vec<ShortProof>> {
    let b = text.as_bytes();
    let mut found: Vec<ShortProof> = Vec::new();
    let (mut from, mut taken) = (0, 0);
    while let Some(offset) = text[from..].find(PREFIX) {
        let p = from + offset;
        from = p + PREFIX.len();
        let hex_ok = b.get(p + PREFIX.len()..p + ID_BYTES).is_some_and(|h| h.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')));
        let after_ok = !b.get(p + ID_BYTES).is_some_and(u8::is_ascii_alphanumeric);
        let before = p.checked_sub(1).map(|i| b[i]);
        if !hex_ok || !after_ok || before.is_some_and(|c| c.is_ascii_alphanumeric()) {
            continue;
        }
        // Rule 3: the first 8 occurrences that pass rule 1 are taken; later ones are ignored.
        if taken == MAX_PER_TEXT {
            break;
        }
        taken += 1;
        let identity = &text[p..p + ID_BYTES];
        let home = if before == Some(b'/') {
            let end = p - 1;
            let start = b[..end].iter().rposition(|&c| !in_home_run(c)).map_or(0, |i| i + 1);
            let run = &text[start..end];
            if !home_ok(run) {
                return Err(err(Code::Malformed, format!("short proof: {run:?} before {identity} is not a sig-server home")));
            }
            Some(run.to_string())
        } else {
            None
        };
        let proof = ShortProof { identity: identity.to_string(), home };
        if !found.contains(&proof) {
            found.push(proof);
        }
    }
    Ok(found)
}

/// The link form `<home>/kez:id:<hex>` when there is a home, else the bare id (§5.2).
pub fn format_short_proof(identity: &str, home: Option<&str>) -> Result<String> {
    if !identity_ok(identity) {
        return Err(err(Code::Malformed, "short proof: not an identity id"));
    }
    let text = match home {
        Some(h) if !home_ok(h) => return Err(err(Code::Malformed, format!("short proof: {h:?} is not a sig-server home"))),
        Some(h) => format!("{h}/{identity}"),
        None => identity.to_string(),
    };
    debug_assert!(text.len() <= MAX_SHORT_PROOF_BYTES);
    Ok(text)
}

/// §10: the order in which several results for one identity are ranked, best first.
pub fn status_rank(status: Status) -> u8 {
    match status {
        Status::Valid => 6,
        Status::Expired => 5,
        Status::Revoked => 4,
        Status::Unreachable => 3,
        Status::Invalid => 2,
        Status::NotFound => 1,
        Status::Fork => 0,
    }
}

/// §5.2 "Verifying a short proof", steps 2–3: the proof for `identity` found at a place whose
/// owner is the canonical subject `owner`, judged against the identity's chain as obtained.
pub fn judge_short_proof(identity: &str, owner: &str, home: Option<&str>, chain: &ChainResult, now: u64) -> Verification {
    let mut ev = Map::new();
    ev.insert("identity".into(), identity.into());
    ev.insert("subject".into(), owner.into());
    if let Some(h) = home {
        ev.insert("home".into(), h.into());
    }
    let v = &chain.verification;
    let Some(state) = chain.state.as_ref().filter(|_| v.status == Status::Valid) else {
        let code = v.code.unwrap_or(Code::NoChain);
        ev.insert("chain".into(), Value::Object(v.evidence.clone()));
        return Verification::from_code(code, format!("the identity's chain: {}", v.reason), ev);
    };
    if state.identity != identity {
        return Verification::from_code(Code::IdentityMismatch, "the chain is of another identity", ev);
    }
    let judged = state.claims.iter().filter(|c| c.claim.subject == owner).map(|c| claim_status(&c.claim, chain, now));
    // The first of the best: claims are in chain order, so ties go to the earliest.
    let best = judged.fold(None::<Verification>, |best, v| match best {
        Some(b) if status_rank(b.status) >= status_rank(v.status) => Some(b),
        _ => Some(v),
    });
    let Some(mut best) = best else {
        return Verification::from_code(Code::NotClaimed, format!("{identity} does not claim {owner} in its chain"), ev);
    };
    let claim = best.evidence.get("claim").cloned().unwrap_or(Value::Null);
    for (k, v) in ev {
        best.evidence.insert(k, v);
    }
    best.evidence.insert("claim".into(), claim);
    best
}
