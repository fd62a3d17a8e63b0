//! Sigchain verification (SPEC §6.2–6.6): folding events into a state, bundles, claim status.
use crate::claim::Claim;
use crate::device_request::{DeviceRequest, LIFETIME as REQUEST_LIFETIME};
use crate::encoding::json;
use crate::error::{err, Code, KezError, Result, Status};
use crate::event::{reverse_signing_input, DeviceConsent, Event, Op};
use crate::keys::{commitment, KeyId};
use crate::object::SignedParts;
use crate::object::{self, Version, KIND_DEVICE_REQUEST, KIND_EVENT};
use crate::verification::Verification;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: u64,
    pub hash: String,
    pub created_at: u64,
}

#[derive(Clone)]
pub struct ClaimEntry {
    pub claim: Claim,
    pub hash: String,
    pub add_seq: u64,
    pub revocation: Option<(u64, Option<String>)>,
}

#[derive(Clone)]
pub struct Device {
    pub key: KeyId,
    pub name: Option<String>,
    /// The seq of the add_device event.
    pub seq: u64,
    /// Who signed the add_device (a compromise declaration revokes the devices its key added).
    pub signer: KeyId,
}

/// §6.2: `key` stopped acting; its claims with `claim.seq ≥ since` are `revoked` with `code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retirement {
    pub key: KeyId,
    pub since: u64,
    pub code: Code,
    /// The seq of the event that recorded it.
    pub seq: u64,
}

impl Retirement {
    /// The vectors' form (§12): `{key, since, code, seq}`.
    pub fn to_json(&self) -> Value {
        serde_json::json!({ "key": self.key.to_string(), "since": self.since, "code": self.code.as_str(), "seq": self.seq })
    }
}

/// §6.6: when several retirements match, `key_compromised` before `device_revoked` before `key_rotated`.
fn retirement_rank(code: Code) -> u8 {
    match code {
        Code::KeyCompromised => 3,
        Code::DeviceRevoked => 2,
        _ => 1,
    }
}

/// The most telling code among `retirements` that match `keep`.
pub fn strongest<'a>(retirements: impl IntoIterator<Item = &'a Retirement>, keep: impl Fn(&Retirement) -> bool) -> Option<Code> {
    retirements.into_iter().filter(|r| keep(r)).map(|r| r.code).max_by_key(|c| retirement_rank(*c))
}

/// The folded state of a chain (§6.2).
#[derive(Clone)]
pub struct State {
    pub identity: String,
    pub primary: KeyId,
    pub next: Option<String>,
    pub devices: Vec<Device>,
    pub revoked_devices: Vec<KeyId>,
    /// Every key that was ever primary or a device: none becomes either again.
    pub used_keys: HashSet<KeyId>,
    pub retirements: Vec<Retirement>,
    /// Claims in the order they were added; `claim_index` maps hash → position.
    pub claims: Vec<ClaimEntry>,
    claim_index: HashMap<String, usize>,
    pub head: Head,
    /// The accepted events of this path, in seq order.
    pub events: Vec<Event>,
}

impl State {
    /// Verifies a genesis event (§6.2) and starts a state from it.
    pub fn genesis(e: Event, now: u64) -> Result<State> {
        if e.seq != 0 {
            return Err(err(Code::BadLink, "the first event must have seq 0"));
        }
        object::check_signature_and_time(KIND_EVENT, &e.object, &e.common, now)?;
        let Op::Init { next } = &e.op else { return Err(err(Code::Malformed, "genesis is not init")) };
        let hash = e.hash();
        Ok(State {
            identity: format!("kez:id:{hash}"),
            primary: e.key(),
            next: next.clone(),
            devices: Vec::new(),
            revoked_devices: Vec::new(),
            used_keys: HashSet::from([e.key()]),
            retirements: Vec::new(),
            claims: Vec::new(),
            claim_index: HashMap::new(),
            head: Head { seq: 0, hash, created_at: e.created_at() },
            events: vec![e],
        })
    }

    pub fn is_active_device(&self, key: &KeyId) -> bool {
        self.devices.iter().any(|d| &d.key == key)
    }

    pub fn claim(&self, hash: &str) -> Option<&ClaimEntry> {
        self.claim_index.get(hash).map(|&i| &self.claims[i])
    }

    /// Checks a later event against this state (§6.2, §6.3) without changing it.
    pub fn check(&self, e: &Event, now: u64) -> Result<()> {
        object::check_signature_and_time(KIND_EVENT, &e.object, &e.common, now)?;
        if e.identity.as_deref() != Some(self.identity.as_str()) {
            return Err(err(Code::BadLink, "event identity is not this chain's"));
        }
        if e.seq != self.head.seq + 1 || e.prev.as_deref() != Some(self.head.hash.as_str()) {
            return Err(err(Code::BadLink, "event does not extend the head (seq/prev)"));
        }
        if e.created_at() < self.head.created_at {
            return Err(err(Code::BadLink, "created_at goes back in time"));
        }
        let key = e.key();
        let not_authorized = || err(Code::NotAuthorized, format!("{key} may not sign {}", e.op.name()));
        match &e.op {
            Op::Add { .. } | Op::Revoke { .. } if key != self.primary && !self.is_active_device(&key) => return Err(not_authorized()),
            Op::AddDevice { .. } | Op::RevokeDevice { .. } if key != self.primary => return Err(not_authorized()),
            _ => {}
        }
        match &e.op {
            Op::Init { .. } => Err(err(Code::Malformed, "init after genesis")),
            Op::Add { claim } => self.check_add(e, claim, now),
            Op::Revoke { claim, .. } => match self.claim(claim) {
                Some(entry) if entry.revocation.is_none() => Ok(()),
                Some(_) => Err(err(Code::BadClaim, "claim already revoked")),
                None => Err(err(Code::BadClaim, "revoked claim is not in this chain")),
            },
            Op::Rotate { new_key, reverse, .. } => {
                // Ordinary: the primary and new_key both sign. Recovery (v0.3): the committed key alone.
                let recovery = if key == self.primary {
                    false
                } else if e.version == Version::V03 && key == *new_key {
                    true
                } else {
                    return Err(not_authorized());
                };
                if recovery && self.next.is_none() {
                    return Err(err(Code::NotAuthorized, "a recovery rotation needs a pre-rotation commitment"));
                }
                if recovery == reverse.is_some() {
                    let why = if recovery { "a recovery rotation has no reverse" } else { "an ordinary rotation needs a reverse" };
                    return Err(err(Code::Malformed, why));
                }
                self.check_new_key(new_key, "new_key")?;
                if let Some(next) = &self.next {
                    if &commitment(new_key) != next {
                        return Err(err(Code::PrecommitMismatch, "new_key is not the pre-committed key"));
                    }
                }
                match reverse {
                    Some(r) => check_reverse(e, new_key, r),
                    None => Ok(()),
                }
            }
            Op::AddDevice { device, name, consent } => {
                self.check_new_key(device, "device")?;
                match consent {
                    DeviceConsent::Reverse(r) => check_reverse(e, device, r),
                    DeviceConsent::Request(req) => self.check_request(e, device, name.as_deref(), req, now),
                }
            }
            Op::RevokeDevice { device, .. } => {
                if self.is_active_device(device) {
                    Ok(())
                } else {
                    Err(err(Code::BadKey, "device is not active"))
                }
            }
        }
    }

    fn check_new_key(&self, key: &KeyId, what: &str) -> Result<()> {
        if self.used_keys.contains(key) {
            return Err(err(Code::BadKey, format!("{what} was already the primary or a device of this chain")));
        }
        Ok(())
    }

    /// §6.3 `add_device` with a request (§6.9): every failure after the structure is `bad_reverse`.
    fn check_request(&self, e: &Event, device: &KeyId, name: Option<&str>, req: &DeviceRequest, now: u64) -> Result<()> {
        let bad = |why: &str| Err(err(Code::BadReverse, format!("device request: {why}")));
        if object::check_signature_and_time(KIND_DEVICE_REQUEST, &req.object, &req.common, now).is_err() {
            return bad("signature does not verify, or it is from the future");
        }
        if req.common.key != *device || req.identity != self.identity || req.name.as_deref() != name {
            return bad("key, identity or name differ from the add_device");
        }
        if e.created_at() < req.common.created_at || e.created_at() > req.common.created_at.saturating_add(REQUEST_LIFETIME) {
            return bad("the add_device is not within 7 days after the request");
        }
        Ok(())
    }

    fn check_add(&self, e: &Event, claim: &Claim, now: u64) -> Result<()> {
        object::check_signature_and_time(object::KIND_CLAIM, &claim.object, &claim.common, now)?;
        if claim.identity != self.identity || claim.seq != e.seq || claim.key() != e.key() || claim.created_at() > e.created_at() {
            return Err(err(Code::BadClaim, "claim does not match its add event (identity, seq, key, created_at)"));
        }
        if self.claim_index.contains_key(&claim.hash()) {
            return Err(err(Code::BadClaim, "claim is already in the chain"));
        }
        Ok(())
    }

    fn retire(&mut self, key: KeyId, since: u64, code: Code, seq: u64) {
        self.retirements.push(Retirement { key, since, code, seq });
    }

    /// Folds a checked event into the state, recording its retirements (§6.2).
    pub fn apply(&mut self, e: Event) {
        let v02 = e.version == Version::V02;
        match &e.op {
            Op::Init { .. } => {}
            Op::Add { claim } => {
                let hash = claim.hash();
                self.claim_index.insert(hash.clone(), self.claims.len());
                self.claims.push(ClaimEntry { claim: (**claim).clone(), hash, add_seq: e.seq, revocation: None });
            }
            Op::Revoke { claim, reason } => {
                if let Some(&i) = self.claim_index.get(claim) {
                    self.claims[i].revocation = Some((e.seq, reason.clone()));
                }
            }
            Op::Rotate { new_key, next, compromised_since, .. } => {
                let old = std::mem::replace(&mut self.primary, *new_key);
                self.next = next.clone();
                self.used_keys.insert(*new_key);
                if v02 {
                    self.retire(old, 0, Code::KeyRotated, e.seq);
                } else if let Some(n) = *compromised_since {
                    self.retire(old, n, Code::KeyCompromised, e.seq);
                    let (mut gone, kept): (Vec<Device>, Vec<Device>) =
                        std::mem::take(&mut self.devices).into_iter().partition(|d| d.seq >= n && d.signer == old);
                    self.devices = kept;
                    // One event's retirements: the old primary, then its devices by key id.
                    gone.sort_by_key(|d| d.key.to_string());
                    for d in gone {
                        self.revoked_devices.push(d.key);
                        self.retire(d.key, d.seq, Code::KeyCompromised, e.seq);
                    }
                }
            }
            Op::AddDevice { device, name, .. } => {
                self.used_keys.insert(*device);
                self.devices.push(Device { key: *device, name: name.clone(), seq: e.seq, signer: e.key() });
            }
            Op::RevokeDevice { device, compromised_since } => {
                self.devices.retain(|d| &d.key != device);
                self.revoked_devices.push(*device);
                match (v02, *compromised_since) {
                    (true, _) => self.retire(*device, 0, Code::DeviceRevoked, e.seq),
                    (false, Some(n)) => self.retire(*device, n, Code::KeyCompromised, e.seq),
                    (false, None) => self.retire(*device, e.seq, Code::DeviceRevoked, e.seq),
                }
            }
        }
        self.head = Head { seq: e.seq, hash: e.hash(), created_at: e.created_at() };
        self.events.push(e);
    }
}

fn check_reverse(e: &Event, key: &KeyId, reverse: &[u8; 64]) -> Result<()> {
    if key.verify(&reverse_signing_input(&e.object), reverse) {
        Ok(())
    } else {
        Err(err(Code::BadReverse, "reverse signature does not verify"))
    }
}

/// §6.8 evidence of one resolved fork: a superseded child and the last event of its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Superseded {
    pub seq: u64,
    pub winner: String,
    pub hash: String,
    pub head: String,
}

impl Superseded {
    pub fn to_json(&self) -> Value {
        serde_json::json!({ "seq": self.seq, "winner": self.winner, "hash": self.hash, "head": self.head })
    }
}

/// The outcome of verifying a bundle (§6.5) or a merged set of events (§6.8, §13).
pub struct ChainResult {
    pub verification: Verification,
    /// The folded state: the winning path's for `valid`, the state before the fork for `fork`.
    pub state: Option<State>,
    /// Hashes of the children of an unresolved fork.
    pub fork: Vec<String>,
    /// Every resolved fork's superseded children, ordered by seq, then hash.
    pub superseded: Vec<Superseded>,
    /// Retirements recorded on superseded branches: they still count (§6.8, "retirements stick").
    pub superseded_retirements: Vec<Retirement>,
    /// Every event kept (in input order for a bundle), superseded branches included.
    pub events: Vec<Map<String, Value>>,
}

impl ChainResult {
    pub fn status(&self) -> Status {
        self.verification.status
    }

    /// A chain that could not be read or verified at all.
    pub fn failed(e: &KezError, evidence: Map<String, Value>, events: Vec<Map<String, Value>>) -> ChainResult {
        ChainResult {
            verification: Verification::from_error(e, evidence),
            state: None,
            fork: Vec::new(),
            superseded: Vec::new(),
            superseded_retirements: Vec::new(),
            events,
        }
    }

    /// The strongest retirement code of `key` for a claim at `seq` (§6.6), on any branch.
    pub fn retirement_of(&self, key: &KeyId, seq: Option<u64>) -> Option<Code> {
        let on_path = self.state.iter().flat_map(|s| s.retirements.iter());
        strongest(on_path.chain(self.superseded_retirements.iter()), |r| &r.key == key && seq.is_none_or(|q| r.since <= q))
    }
}

pub fn head_json(head: &Head) -> Value {
    serde_json::json!({ "seq": head.seq, "hash": head.hash, "created_at": head.created_at })
}

/// Parses a bundle (§6.5): LF-terminated lines, each the JSON encoding of an event.
/// Any line that does not decode to a well-formed event makes the whole bundle fail.
pub fn parse_bundle(bytes: &[u8]) -> Result<Vec<Event>> {
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    if bytes.contains(&b'\r') || bytes.starts_with("\u{feff}".as_bytes()) {
        return Err(err(Code::Malformed, "a bundle has no CR and no BOM"));
    }
    let body = bytes.strip_suffix(b"\n").ok_or_else(|| err(Code::Malformed, "every bundle line ends with LF"))?;
    body.split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, line)| {
            if line.len() > json::MAX_JSON_BYTES {
                return Err(err(Code::TooLarge, format!("bundle line {} is too large", i + 1)));
            }
            if line.is_empty() {
                return Err(err(Code::Malformed, format!("blank bundle line {}", i + 1)));
            }
            let map = json::decode(line, false)?;
            if crate::object::object_type(&map)? != "event" {
                return Err(err(Code::Malformed, format!("bundle line {} is not an event", i + 1)));
            }
            Event::from_object(map)
        })
        .collect()
}

/// Verifies a bundle (§6.5) at time `now`.
pub fn verify_bundle(bytes: &[u8], now: u64) -> ChainResult {
    match parse_bundle(bytes) {
        Ok(events) => verify_events(events, now),
        Err(e) => ChainResult::failed(&e, Map::new(), Vec::new()),
    }
}

/// Verifies events in bundle order (§6.5): every event must hang and apply, else the chain is
/// `invalid` with the first failing event's code; the tree is then resolved (§6.8).
pub fn verify_events(events: Vec<Event>, now: u64) -> ChainResult {
    crate::tree::resolve(events, now, crate::tree::Mode::Bundle)
}

/// Resolves an unordered set of events (the events of several sources merged, §13): order and
/// repeats do not matter, and an event that does not hang under a kept event and apply there is
/// dropped (§6.8: kept only if it applies).
pub fn resolve_event_set(mut events: Vec<Event>, now: u64) -> ChainResult {
    let mut keyed: Vec<(u64, String, Event)> = events.drain(..).map(|e| (e.seq, e.hash(), e)).collect();
    keyed.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    keyed.dedup_by(|a, b| a.1 == b.1);
    crate::tree::resolve(keyed.into_iter().map(|(_, _, e)| e).collect(), now, crate::tree::Mode::Merged)
}

/// Serializes events as a bundle (§6.5): JCS lines ordered by seq, then hash.
pub fn export_bundle<'a>(events: impl IntoIterator<Item = &'a Map<String, Value>>) -> String {
    let mut lines: Vec<(u64, String, String)> = events
        .into_iter()
        .map(|o| {
            let seq = o.get("seq").and_then(Value::as_u64).unwrap_or(0);
            (seq, object::object_hash(o), crate::jcs::jcs(&Value::Object(o.clone())))
        })
        .collect();
    lines.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    lines.dedup_by(|a, b| a.1 == b.1);
    lines.into_iter().map(|(_, _, l)| l + "\n").collect()
}

/// The status of a verified claim against a chain (§6.6).
pub fn claim_status(claim: &Claim, chain: &ChainResult, now: u64) -> Verification {
    let hash = claim.hash();
    let mut ev = Map::new();
    ev.insert("claim".into(), hash.clone().into());
    ev.insert("identity".into(), claim.identity.clone().into());
    if chain.status() == Status::Fork {
        ev.insert("fork".into(), chain.fork.iter().cloned().map(Value::String).collect());
        return Verification::from_code(Code::Fork, "the identity's chain is forked", ev);
    }
    let Some(state) = chain.state.as_ref().filter(|_| chain.status() == Status::Valid) else {
        let code = chain.verification.code.unwrap_or(Code::NoChain);
        return Verification::from_code(code, format!("the chain does not verify: {}", chain.verification.reason), ev);
    };
    ev.insert("head".into(), head_json(&state.head));
    if claim.identity != state.identity {
        return Verification::from_code(Code::IdentityMismatch, "the claim names another identity than the chain", ev);
    }
    if claim.seq > state.head.seq {
        return Verification::from_code(Code::ChainBehind, "the chain does not reach the claim's seq yet", ev);
    }
    let carried = state.claim(&hash).filter(|entry| entry.add_seq == claim.seq);
    let Some(entry) = carried else {
        return Verification::from_code(Code::NotInChain, "the add event at the claim's seq does not carry this claim", ev);
    };
    if let Some((seq, _)) = entry.revocation {
        ev.insert("revoked_at".into(), seq.into());
        return Verification::from_code(Code::Revoked, format!("the claim was revoked at seq {seq}"), ev);
    }
    if let Some(code) = chain.retirement_of(&claim.key(), Some(claim.seq)) {
        return Verification::from_code(code, format!("the claim's key {} was retired ({})", claim.key(), code.as_str()), ev);
    }
    if claim.is_expired(now) {
        return Verification::from_code(Code::Expired, "the claim has expired", ev);
    }
    Verification::valid("signature, structure and chain check out", ev)
}
