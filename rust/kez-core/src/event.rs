//! Sigchain events (SPEC §6.1, §6.3): structure, signing, reverse signatures.
use crate::claim::Claim;
use crate::error::{err, Code, Result};
use crate::keys::{KeyId, SecretKey};
use crate::object::{self, check_version, common_fields, Common, Members, CTX_EVENT, CTX_REVERSE};
use serde_json::{Map, Value};

const MEMBERS: &[&str] = &["kez", "type", "key", "created_at", "sig", "seq", "identity", "prev", "op", "body"];
pub const MAX_REASON_BYTES: usize = 256;
pub const MAX_DEVICE_NAME_BYTES: usize = 64;

#[derive(Clone)]
pub enum Op {
    Init { next: Option<String> },
    Add { claim: Box<Claim> },
    Revoke { claim: String, reason: Option<String> },
    Rotate { new_key: KeyId, next: Option<String>, reverse: [u8; 64] },
    AddDevice { device: KeyId, name: Option<String>, reverse: [u8; 64] },
    RevokeDevice { device: KeyId },
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
    pub seq: u64,
    pub identity: Option<String>,
    pub prev: Option<String>,
    pub op: Op,
}

fn opt_limited_str(b: &Members, name: &str, max: usize) -> Result<Option<String>> {
    match b.opt_str(name)? {
        Some(s) if s.len() > max => Err(err(Code::Malformed, format!("body: {name:?} longer than {max} bytes"))),
        s => Ok(s.map(str::to_string)),
    }
}

fn hex32(b: &Members, name: &str) -> Result<Option<String>> {
    Ok(b.opt_hex::<32>(name)?.map(hex::encode))
}

/// Parses a body with the closed member set of its op (§6.3).
fn parse_body(op: &str, body: &Map<String, Value>) -> Result<Op> {
    let closed = |allowed: &[&str]| Members::closed(body, "body", allowed);
    Ok(match op {
        "init" => Op::Init { next: hex32(&closed(&["next"])?, "next")? },
        "add" => {
            let b = closed(&["claim"])?;
            Op::Add { claim: Box::new(Claim::from_object(b.object("claim")?.clone())?) }
        }
        "revoke" => {
            let b = closed(&["claim", "reason"])?;
            Op::Revoke { claim: hex::encode(b.hex::<32>("claim")?), reason: opt_limited_str(&b, "reason", MAX_REASON_BYTES)? }
        }
        "rotate" => {
            let b = closed(&["new_key", "next", "reverse"])?;
            let (next, reverse) = (hex32(&b, "next")?, b.hex::<64>("reverse")?);
            b.str("new_key")?;
            Op::Rotate { new_key: b.key("new_key")?, next, reverse }
        }
        "add_device" => {
            let b = closed(&["device", "name", "reverse"])?;
            let (name, reverse) = (opt_limited_str(&b, "name", MAX_DEVICE_NAME_BYTES)?, b.hex::<64>("reverse")?);
            b.str("device")?;
            Op::AddDevice { device: b.key("device")?, name, reverse }
        }
        "revoke_device" => {
            let b = closed(&["device"])?;
            Op::RevokeDevice { device: b.key("device")? }
        }
        other => return Err(err(Code::Malformed, format!("unknown op {other:?}"))),
    })
}

impl Event {
    /// Structure checks (§4, §6.1, §6.3).
    pub fn from_object(object: Map<String, Value>) -> Result<Event> {
        check_version(&object)?;
        if object.get("type") != Some(&Value::String("event".into())) {
            return Err(err(Code::Malformed, "type is not \"event\""));
        }
        let m = Members::closed(&object, "event", MEMBERS)?;
        let (created_at, sig) = common_fields(&m)?;
        let seq = m.int("seq")?;
        let op_name = m.str("op")?;
        let genesis = seq == 0;
        if genesis != (op_name == "init") {
            return Err(err(Code::Malformed, "seq 0 must be init, and init only at seq 0"));
        }
        let (identity, prev) = if genesis {
            if m.has("identity") || m.has("prev") {
                return Err(err(Code::Malformed, "genesis carries no identity or prev"));
            }
            (None, None)
        } else {
            (Some(m.identity("identity")?.to_string()), Some(hex::encode(m.hex::<32>("prev")?)))
        };
        let body = m.object("body")?;
        m.str("key")?;
        let op = parse_body(op_name, body)?;
        let key = m.key("key")?;
        Ok(Event { common: Common { key, created_at, sig }, seq, identity, prev, op, object })
    }

    pub fn hash(&self) -> String {
        object::object_hash(&self.object)
    }

    pub fn key(&self) -> KeyId {
        self.common.key
    }

    pub fn created_at(&self) -> u64 {
        self.common.created_at
    }

    /// The JCS line of this event (without LF).
    pub fn jcs(&self) -> String {
        crate::jcs::jcs(&Value::Object(self.object.clone()))
    }
}

/// §6.4: `ctx-reverse || 0 || JCS(e without sig and body.reverse)`.
pub fn reverse_signing_input(event: &Map<String, Value>) -> Vec<u8> {
    let mut e = event.clone();
    if let Some(Value::Object(body)) = e.get_mut("body") {
        body.remove("reverse");
    }
    object::signing_input(CTX_REVERSE, &e)
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
    /// Signs with `signer`; `reverse_signer` (rotate, add_device) adds `body.reverse` first.
    pub fn sign(mut self, signer: &SecretKey, reverse_signer: Option<&SecretKey>, aux: &[u8; 32]) -> Result<Event> {
        let mut o = Map::new();
        o.insert("kez".into(), object::VERSION.into());
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
        object::sign_into(CTX_EVENT, &mut o, signer, aux);
        Event::from_object(o)
    }
}
