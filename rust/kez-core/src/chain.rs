//! Sigchain verification (SPEC §6.2–6.6): folding events into a state, bundles, claim status.
use crate::claim::Claim;
use crate::encoding::json;
use crate::error::{err, Code, KezError, Result, Status};
use crate::event::{reverse_signing_input, Event, Op};
use crate::keys::{commitment, KeyId};
use crate::object::SignedParts;
use crate::object::{self, CTX_EVENT};
use crate::verification::Verification;
use serde_json::{Map, Value};
use std::collections::HashMap;

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
}

/// The folded state of a chain (§6.2).
#[derive(Clone)]
pub struct State {
    pub identity: String,
    pub primary: KeyId,
    pub next: Option<String>,
    pub devices: Vec<Device>,
    pub revoked_devices: Vec<KeyId>,
    /// Claims in the order they were added; `claim_index` maps hash → position.
    pub claims: Vec<ClaimEntry>,
    claim_index: HashMap<String, usize>,
    pub head: Head,
    /// The accepted events, in seq order.
    pub events: Vec<Event>,
}

impl State {
    /// Verifies a genesis event (§6.2) and starts a state from it.
    pub fn genesis(e: Event, now: u64) -> Result<State> {
        if e.seq != 0 {
            return Err(err(Code::BadLink, "the first event must have seq 0"));
        }
        object::check_signature_and_time(CTX_EVENT, &e.object, &e.common, now)?;
        let Op::Init { next } = &e.op else { return Err(err(Code::Malformed, "genesis is not init")) };
        let hash = e.hash();
        Ok(State {
            identity: format!("kez:id:{hash}"),
            primary: e.key(),
            next: next.clone(),
            devices: Vec::new(),
            revoked_devices: Vec::new(),
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
        object::check_signature_and_time(CTX_EVENT, &e.object, &e.common, now)?;
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
        let primary_only = matches!(e.op, Op::Rotate { .. } | Op::AddDevice { .. } | Op::RevokeDevice { .. });
        if key != self.primary && (primary_only || !self.is_active_device(&key)) {
            return Err(err(Code::NotAuthorized, format!("{key} may not sign {}", e.op.name())));
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
                self.check_new_key(new_key, "new_key")?;
                if let Some(next) = &self.next {
                    if &commitment(new_key) != next {
                        return Err(err(Code::PrecommitMismatch, "new_key is not the pre-committed key"));
                    }
                }
                check_reverse(e, new_key, reverse)
            }
            Op::AddDevice { device, reverse, .. } => {
                self.check_new_key(device, "device")?;
                check_reverse(e, device, reverse)
            }
            Op::RevokeDevice { device } => {
                if self.is_active_device(device) {
                    Ok(())
                } else {
                    Err(err(Code::BadKey, "device is not active"))
                }
            }
        }
    }

    fn check_new_key(&self, key: &KeyId, what: &str) -> Result<()> {
        if *key == self.primary || self.is_active_device(key) || self.revoked_devices.contains(key) {
            return Err(err(Code::BadKey, format!("{what} is the primary, an active or a revoked device")));
        }
        Ok(())
    }

    fn check_add(&self, e: &Event, claim: &Claim, now: u64) -> Result<()> {
        object::check_signature_and_time(object::CTX_CLAIM, &claim.object, &claim.common, now)?;
        if claim.identity != self.identity || claim.seq != e.seq || claim.key() != e.key() || claim.created_at() > e.created_at() {
            return Err(err(Code::BadClaim, "claim does not match its add event (identity, seq, key, created_at)"));
        }
        if self.claim_index.contains_key(&claim.hash()) {
            return Err(err(Code::BadClaim, "claim is already in the chain"));
        }
        Ok(())
    }

    /// Folds a checked event into the state.
    pub fn apply(&mut self, e: Event) {
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
            Op::Rotate { new_key, next, .. } => {
                self.primary = *new_key;
                self.next = next.clone();
            }
            Op::AddDevice { device, name, .. } => self.devices.push(Device { key: *device, name: name.clone(), seq: e.seq }),
            Op::RevokeDevice { device } => {
                self.devices.retain(|d| &d.key != device);
                self.revoked_devices.push(*device);
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

/// The outcome of verifying a bundle (§6.5).
pub struct ChainResult {
    pub verification: Verification,
    /// The folded state: up to the head for `valid`, up to the seq before the fork for `fork`.
    pub state: Option<State>,
    /// Hashes of the valid events at the forked seq.
    pub fork: Vec<String>,
    /// Every event of the bundle, in bundle order (fork evidence included).
    pub events: Vec<Map<String, Value>>,
}

impl ChainResult {
    pub fn status(&self) -> Status {
        self.verification.status
    }
}

fn evidence_of(state: Option<&State>) -> Map<String, Value> {
    let mut ev = Map::new();
    if let Some(s) = state {
        ev.insert("identity".into(), s.identity.clone().into());
        ev.insert("head".into(), head_json(&s.head));
    }
    ev
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
        Err(e) => ChainResult { verification: Verification::from_error(&e, Map::new()), state: None, fork: Vec::new(), events: Vec::new() },
    }
}

/// Folds events given in bundle order (§6.5): groups by seq, detects forks.
pub fn verify_events(events: Vec<Event>, now: u64) -> ChainResult {
    let objects: Vec<Map<String, Value>> = events.iter().map(|e| e.object.clone()).collect();
    let fail = |e: KezError, ev: Map<String, Value>| ChainResult {
        verification: Verification::from_error(&e, ev),
        state: None,
        fork: Vec::new(),
        events: objects.clone(),
    };
    if events.is_empty() {
        return fail(err(Code::NoChain, "empty sigchain"), Map::new());
    }
    let mut state: Option<State> = None;
    let mut seen = std::collections::HashSet::with_capacity(events.len());
    let mut iter = events.into_iter().peekable();
    while let Some(first) = iter.next() {
        let seq = first.seq;
        let expected = state.as_ref().map_or(0, |s| s.head.seq + 1);
        let mut ev = Map::new();
        ev.insert("seq".into(), seq.into());
        if seq != expected {
            return fail(
                err(Code::Malformed, format!("bundle seqs must start at 0 and be contiguous (expected {expected}, got {seq})")),
                ev,
            );
        }
        let mut group = vec![first];
        while iter.peek().is_some_and(|e| e.seq == seq) {
            group.push(iter.next().expect("peeked"));
        }
        // Each genesis defines its own identity: two at seq 0 are two chains, not a fork.
        if seq == 0 && group.len() > 1 {
            return fail(err(Code::Malformed, "a bundle holds one genesis event"), ev);
        }
        let mut ok: Vec<(String, Event)> = Vec::new();
        let mut first_failure: Option<(KezError, String)> = None;
        for e in group {
            let hash = e.hash();
            if !seen.insert(hash.clone()) {
                ev.insert("hash".into(), hash.into());
                return fail(err(Code::Malformed, "a bundle line repeats"), ev);
            }
            let checked = match &state {
                None => State::genesis(e.clone(), now).map(|_| ()),
                Some(s) => s.check(&e, now),
            };
            match checked {
                Ok(()) => ok.push((hash, e)),
                Err(x) => {
                    first_failure.get_or_insert((x, hash));
                }
            }
        }
        if ok.len() >= 2 {
            let hashes: Vec<Value> = ok.iter().map(|(h, _)| Value::String(h.clone())).collect();
            ev.insert("hashes".into(), Value::Array(hashes));
            if let Some(s) = &state {
                ev.insert("identity".into(), s.identity.clone().into());
            }
            return ChainResult {
                verification: Verification::from_code(Code::Fork, format!("two or more valid events at seq {seq}"), ev),
                state,
                fork: ok.into_iter().map(|(h, _)| h).collect(),
                events: objects,
            };
        }
        if let Some((x, hash)) = first_failure {
            ev.insert("hash".into(), hash.into());
            return fail(x, ev);
        }
        let (_, e) = ok.pop().expect("exactly one");
        match &mut state {
            None => state = Some(State::genesis(e, now).expect("checked")),
            Some(s) => s.apply(e),
        }
    }
    let s = state.expect("at least the genesis was folded");
    let reason = format!("sigchain of {} verifies up to seq {}", s.identity, s.head.seq);
    ChainResult { verification: Verification::valid(reason, evidence_of(Some(&s))), state: Some(s), fork: Vec::new(), events: objects }
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
    let key = claim.key();
    if state.revoked_devices.contains(&key) {
        return Verification::from_code(Code::DeviceRevoked, "the claim's device key was revoked", ev);
    }
    if key != state.primary && !state.is_active_device(&key) {
        return Verification::from_code(Code::KeyRotated, "the claim's key was rotated away", ev);
    }
    if claim.is_expired(now) {
        return Verification::from_code(Code::Expired, "the claim has expired", ev);
    }
    Verification::valid("signature, structure and chain check out", ev)
}
