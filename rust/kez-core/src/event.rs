//! Sigchain events (SPEC §6.1, §6.3): structure, signing, reverse signatures.
use crate::claim::Claim;
use crate::device_request::DeviceRequest;
use crate::error::{err, Code, Result};
use crate::keys::{KeyId, SecretKey};
use crate::object::{self, is_v02, shape_common, Common, Deferred, Members, Version, KIND_EVENT, KIND_REVERSE};
use serde_json::{Map, Value};

const REQUIRED: &[&str] = &["kez", "type", "key", "created_at", "sig", "seq", "op", "body"];
const OPTIONAL: &[&str] = &["identity", "prev"];
pub const MAX_REASON_BYTES: usize = 256;
pub const MAX_DEVICE_NAME_BYTES: usize = 64;

/// How an `add_device` proves the device agrees (§6.3): exactly one of the two.
#[derive(Clone)]
pub enum DeviceConsent {
    Reverse([u8; 64]),
    Request(Box<DeviceRequest>),
}

#[derive(Clone)]
pub enum Op {
    Init { next: Option<String> },
    Add { claim: Box<Claim> },
    Revoke { claim: String, reason: Option<String> },
    Rotate { new_key: KeyId, next: Option<String>, reverse: Option<[u8; 64]>, compromised_since: Option<u64> },
    AddDevice { device: KeyId, name: Option<String>, consent: DeviceConsent },
    RevokeDevice { device: KeyId, compromised_since: Option<u64> },
}

impl Op {
    pub fn name(&self) -> &'static str {
        match self {
            Op::Init { .. } => "init",
            Op::Add { .. } => "add",
            Op::Revoke { .. } => "revoke",
            Op::Rotate { .. } => "rotate",
            Op::AddDevice { .. } => "add_device",
            Op::RevokeDevice { .. } => "revoke_device",
        }
    }
}

#[derive(Clone)]
pub struct Event {
    pub object: Map<String, Value>,
    pub common: Common,
    pub version: Version,
    pub seq: u64,
    pub identity: Option<String>,
    pub prev: Option<String>,
    pub op: Op,
}

fn limited_str(b: &Members, name: &str, max: usize) -> Result<()> {
    match b.opt_str(name)? {
        Some(s) if s.len() > max => Err(err(Code::Malformed, format!("body: {name:?} longer than {max} bytes"))),
        _ => Ok(()),
    }
}

/// The body's closed member set per op (§6.3): (required, optional). A v0.2 body has no v0.3
/// member (`compromised_since`, `request`) and always a `reverse` where one was required then.
fn body_members(op: &str, v02: bool) -> Option<(&'static [&'static str], &'static [&'static str])> {
    Some(match (op, v02) {
        ("init", _) => (&[], &["next"]),
        ("add", _) => (&["claim"], &[]),
        ("revoke", _) => (&["claim"], &["reason"]),
        ("rotate", true) => (&["new_key", "reverse"], &["next"]),
        ("rotate", false) => (&["new_key"], &["next", "reverse", "compromised_since"]),
        ("add_device", true) => (&["device", "reverse"], &["name"]),
        ("add_device", false) => (&["device"], &["name", "reverse", "request"]),
        ("revoke_device", true) => (&["device"], &[]),
        ("revoke_device", false) => (&["device"], &["compromised_since"]),
        _ => return None,
    })
}

/// `compromised_since`, when present, is `1 ≤ N ≤ e.seq` (§6.3).
fn compromised_since(b: &Members, seq: u64) -> Result<Option<u64>> {
    match b.opt_int("compromised_since")? {
        Some(n) if n < 1 || n > seq => Err(err(Code::Malformed, "body: compromised_since must be in 1..=seq")),
        n => Ok(n),
    }
}

/// The shape of an event (§6.1, §6.3), nested claim included.
fn shape<'a>(object: &'a Map<String, Value>, d: &mut Deferred<'a>) -> Result<()> {
    let m = Members::closed(object, "event", REQUIRED, OPTIONAL)?;
    shape_common(&m, "event", d)?;
    let seq = m.int("seq")?;
    let op = m.str("op")?;
    let (required, optional) = body_members(op, is_v02(&m)).ok_or_else(|| err(Code::Malformed, format!("unknown op {op:?}")))?;
    if (seq == 0) != (op == "init") {
        return Err(err(Code::Malformed, "seq 0 is init, and init only at seq 0"));
    }
    if seq == 0 {
        if m.has("identity") || m.has("prev") {
            return Err(err(Code::Malformed, "genesis has no identity or prev"));
        }
    } else {
        if !m.has("identity") || !m.has("prev") {
            return Err(err(Code::Malformed, "identity and prev are required after genesis"));
        }
        m.identity("identity")?;
        m.hex::<32>("prev")?;
    }
    let b = Members::closed(m.object("body")?, "body", required, optional)?;
    match op {
        "init" => drop(b.opt_hex::<32>("next")?),
        "add" => crate::claim::shape(b.object("claim")?, d)?,
        "revoke" => {
            b.hex::<32>("claim")?;
            limited_str(&b, "reason", MAX_REASON_BYTES)?;
        }
        "rotate" => {
            let new_key = b.str("new_key")?;
            d.keys.push(new_key);
            b.opt_hex::<32>("next")?;
            // §6.3: a rotate signed by its new_key is the recovery form whatever the state: v0.3
            // only and without `reverse` — both structure (phase 1), compared as written.
            if m.str("key")? == new_key && (is_v02(&m) || b.has("reverse")) {
                return Err(err(Code::Malformed, "a recovery rotation (signed by new_key) is v0.3 only and carries no reverse"));
            }
            b.opt_hex::<64>("reverse")?;
            compromised_since(&b, seq)?;
        }
        "add_device" => {
            d.keys.push(b.str("device")?);
            limited_str(&b, "name", MAX_DEVICE_NAME_BYTES)?;
            if b.has("reverse") == b.has("request") {
                return Err(err(Code::Malformed, "add_device: exactly one of reverse and request"));
            }
            b.opt_hex::<64>("reverse")?;
            if b.has("request") {
                crate::device_request::shape(b.object("request")?, d)?;
            }
        }
        _ => {
            d.keys.push(b.str("device")?);
            compromised_since(&b, seq)?;
        }
    }
    Ok(())
}

/// Builds the typed op from a body whose checks passed.
fn build_op(op: &str, seq: u64, body: &Map<String, Value>, keys: &[KeyId]) -> Result<Op> {
    let all = ["next", "claim", "reason", "new_key", "reverse", "device", "name", "request", "compromised_since"];
    let b = Members::closed(body, "body", &[], &all)?;
    let hex32 = |name: &str| -> Result<Option<String>> { Ok(b.opt_hex::<32>(name)?.map(hex::encode)) };
    let text = |name: &str| -> Result<Option<String>> { Ok(b.opt_str(name)?.map(str::to_string)) };
    Ok(match op {
        "init" => Op::Init { next: hex32("next")? },
        "add" => Op::Add { claim: Box::new(Claim::build(b.object("claim")?.clone(), keys[1])?) },
        "revoke" => Op::Revoke { claim: hex::encode(b.hex::<32>("claim")?), reason: text("reason")? },
        "rotate" => Op::Rotate {
            new_key: keys[1],
            next: hex32("next")?,
            reverse: b.opt_hex::<64>("reverse")?,
            compromised_since: compromised_since(&b, seq)?,
        },
        "add_device" => {
            let consent = match b.opt_hex::<64>("reverse")? {
                Some(r) => DeviceConsent::Reverse(r),
                // Keys in recorded order: event, device, then the request's own key.
                None => DeviceConsent::Request(Box::new(DeviceRequest::build(b.object("request")?.clone(), keys[2])?)),
            };
            Op::AddDevice { device: keys[1], name: text("name")?, consent }
        }
        _ => Op::RevokeDevice { device: keys[1], compromised_since: compromised_since(&b, seq)? },
    })
}

impl Event {
    /// Structure checks (§4, §6.1, §6.3): shape, then versions, subjects, keys.
    pub fn from_object(object: Map<String, Value>) -> Result<Event> {
        let mut d = Deferred::default();
        shape(&object, &mut d)?;
        // Keys in recorded order: the event's, then the one in its body (claim key, new_key, device).
        let keys = d.check()?;
        let m = Members::closed(&object, "event", REQUIRED, OPTIONAL)?;
        let common = object::common(&m, keys[0])?;
        let seq = m.int("seq")?;
        let identity = m.opt_str("identity")?.map(str::to_string);
        let prev = m.opt_str("prev")?.map(str::to_string);
        let op = build_op(m.str("op")?, seq, m.object("body")?, &keys)?;
        let version = m.str("kez").ok().and_then(Version::parse).expect("checked by Deferred");
        Ok(Event { common, version, seq, identity, prev, op, object })
    }

    /// The JCS line of this event (without LF).
    pub fn jcs(&self) -> String {
        crate::jcs::jcs(&Value::Object(self.object.clone()))
    }
}

/// §6.4: `KEZ/<e.kez>/event-reverse || 0 || JCS(e without sig and body.reverse)`.
pub fn reverse_signing_input(event: &Map<String, Value>) -> Vec<u8> {
    let mut e = event.clone();
    if let Some(Value::Object(body)) = e.get_mut("body") {
        body.remove("reverse");
    }
    object::signing_input(KIND_REVERSE, &e)
}

/// What a new event says; signing (and reverse signing) produces the object.
pub struct EventDraft {
    pub seq: u64,
    pub identity: Option<String>,
    pub prev: Option<String>,
    pub created_at: u64,
    pub op: &'static str,
    pub body: Map<String, Value>,
}

impl EventDraft {
    /// Signs with `signer`; `reverse_signer` (ordinary rotate, add_device) adds `body.reverse` first.
    pub fn sign(self, signer: &SecretKey, reverse_signer: Option<&SecretKey>, aux: &[u8; 32]) -> Result<Event> {
        self.sign_as(object::VERSION, signer, reverse_signer, aux)
    }

    /// Signs as the given version (§14.1).
    pub fn sign_as(mut self, version: Version, signer: &SecretKey, reverse_signer: Option<&SecretKey>, aux: &[u8; 32]) -> Result<Event> {
        let mut o = Map::new();
        o.insert("kez".into(), version.as_str().into());
        o.insert("type".into(), "event".into());
        o.insert("key".into(), signer.key_id().to_string().into());
        o.insert("created_at".into(), self.created_at.into());
        o.insert("seq".into(), self.seq.into());
        if let Some(id) = self.identity.take() {
            o.insert("identity".into(), id.into());
        }
        if let Some(prev) = self.prev.take() {
            o.insert("prev".into(), prev.into());
        }
        o.insert("op".into(), self.op.into());
        o.insert("body".into(), Value::Object(self.body));
        if let Some(rs) = reverse_signer {
            let reverse = rs.sign(&reverse_signing_input(&o), aux);
            if let Some(Value::Object(body)) = o.get_mut("body") {
                body.insert("reverse".into(), hex::encode(reverse).into());
            }
        }
        object::sign_into(KIND_EVENT, &mut o, signer, aux);
        Event::from_object(o)
    }
}
