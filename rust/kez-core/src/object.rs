//! Signed objects (SPEC §4): member access with typed errors, signing input, object hash.
use crate::error::{err, Code, Result};
use crate::jcs::jcs;
use crate::keys::{KeyId, SecretKey};
use crate::textenc::{hex_array, is_lower_hex};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// §4, §14: the versions a verifier accepts; signers use `VERSION` unless told otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    V02,
    V03,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V02 => "0.2",
            Version::V03 => "0.3",
        }
    }

    pub fn parse(text: &str) -> Option<Version> {
        match text {
            "0.2" => Some(Version::V02),
            "0.3" => Some(Version::V03),
            _ => None,
        }
    }
}

pub const VERSION: Version = Version::V03;
/// §4: created_at more than this far past `now` is `future`.
pub const FUTURE_SKEW: u64 = 600;
pub const MAX_INTEGER: u64 = (1 << 53) - 1;

/// §3.1 kinds: the context is `KEZ/<the object's own kez>/<kind>`.
pub const KIND_CLAIM: &str = "claim";
pub const KIND_EVENT: &str = "event";
pub const KIND_LOGIN: &str = "login";
pub const KIND_DEVICE_REQUEST: &str = "device-request";
pub const KIND_REVERSE: &str = "event-reverse";

/// `H(obj)`: hex SHA-256 of the JCS bytes of the complete object.
pub fn object_hash(obj: &Map<String, Value>) -> String {
    hex::encode(Sha256::digest(jcs(&Value::Object(obj.clone())).as_bytes()))
}

/// `ctx || 0x00 || JCS(obj without "sig")`, `ctx` = `KEZ/<obj.kez>/<kind>` (§3.1).
pub fn signing_input(kind: &str, obj: &Map<String, Value>) -> Vec<u8> {
    let mut unsigned = obj.clone();
    unsigned.remove("sig");
    let version = obj.get("kez").and_then(Value::as_str).unwrap_or("");
    let ctx = format!("KEZ/{version}/{kind}");
    let mut out = Vec::with_capacity(ctx.len() + 1 + 256);
    out.extend_from_slice(ctx.as_bytes());
    out.push(0);
    out.extend_from_slice(jcs(&Value::Object(unsigned)).as_bytes());
    out
}

/// Signs `obj` (any existing `sig` ignored) and sets its `sig` member.
pub fn sign_into(kind: &str, obj: &mut Map<String, Value>, secret: &SecretKey, aux: &[u8; 32]) {
    let sig = secret.sign(&signing_input(kind, obj), aux);
    obj.insert("sig".into(), Value::String(hex::encode(sig)));
}

/// Typed, closed-member-set access to a JSON object; every failure is `malformed`.
pub struct Members<'a> {
    pub map: &'a Map<String, Value>,
    what: &'static str,
}

impl<'a> Members<'a> {
    /// Requires every member to be in `required` or `optional`, and every `required` one present.
    pub fn closed(map: &'a Map<String, Value>, what: &'static str, required: &[&str], optional: &[&str]) -> Result<Self> {
        if let Some(unknown) = map.keys().find(|k| !required.contains(&k.as_str()) && !optional.contains(&k.as_str())) {
            return Err(err(Code::Malformed, format!("{what}: unknown member {unknown:?}")));
        }
        if let Some(missing) = required.iter().find(|k| !map.contains_key(**k)) {
            return Err(err(Code::Malformed, format!("{what}: missing member {missing:?}")));
        }
        Ok(Members { map, what })
    }

    pub fn missing(&self, name: &str) -> crate::error::KezError {
        err(Code::Malformed, format!("{}: missing or mistyped member {name:?}", self.what))
    }

    pub fn has(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    pub fn opt_str(&self, name: &str) -> Result<Option<&'a str>> {
        match self.map.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.missing(name)),
        }
    }

    pub fn str(&self, name: &str) -> Result<&'a str> {
        self.opt_str(name)?.ok_or_else(|| self.missing(name))
    }

    /// An integer per §1: a JSON number with an integral value in [0, 2^53 − 1].
    pub fn opt_int(&self, name: &str) -> Result<Option<u64>> {
        match self.map.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(v) if v <= MAX_INTEGER => Ok(Some(v)),
                _ => Err(err(Code::Malformed, format!("{}: {name:?} is not an integer in [0, 2^53-1]", self.what))),
            },
            Some(_) => Err(self.missing(name)),
        }
    }

    pub fn int(&self, name: &str) -> Result<u64> {
        self.opt_int(name)?.ok_or_else(|| self.missing(name))
    }

    pub fn object(&self, name: &str) -> Result<&'a Map<String, Value>> {
        match self.map.get(name) {
            Some(Value::Object(m)) => Ok(m),
            _ => Err(self.missing(name)),
        }
    }

    /// Lowercase hex of exactly `N` bytes.
    pub fn hex<const N: usize>(&self, name: &str) -> Result<[u8; N]> {
        hex_array::<N>(self.str(name)?).ok_or_else(|| err(Code::Malformed, format!("{}: {name:?} is not {} hex digits", self.what, 2 * N)))
    }

    pub fn opt_hex<const N: usize>(&self, name: &str) -> Result<Option<[u8; N]>> {
        if self.has(name) {
            self.hex::<N>(name).map(Some)
        } else {
            Ok(None)
        }
    }

    /// `kez:id:<64 hex>`.
    pub fn identity(&self, name: &str) -> Result<&'a str> {
        let s = self.str(name)?;
        match s.strip_prefix("kez:id:") {
            Some(h) if h.len() == 64 && is_lower_hex(h) => Ok(s),
            _ => Err(err(Code::Malformed, format!("{}: {name:?} is not kez:id:<64 hex>", self.what))),
        }
    }

    /// A key id member: must be a string (`malformed`) in canonical form (`bad_key`).
    pub fn key(&self, name: &str) -> Result<KeyId> {
        KeyId::parse(self.str(name)?)
    }
}

#[derive(Clone)]
pub struct Common {
    pub key: KeyId,
    pub created_at: u64,
    pub sig: [u8; 64],
}

/// What every signed object (claim, event) offers from its JCS object and common members.
pub trait SignedParts {
    fn object(&self) -> &Map<String, Value>;
    fn common(&self) -> &Common;

    /// `hash` of §4: SHA-256 of the object's JCS bytes, hex.
    fn hash(&self) -> String {
        object_hash(self.object())
    }

    fn key(&self) -> KeyId {
        self.common().key
    }

    fn created_at(&self) -> u64 {
        self.common().created_at
    }
}

impl SignedParts for crate::claim::Claim {
    fn object(&self) -> &Map<String, Value> {
        &self.object
    }
    fn common(&self) -> &Common {
        &self.common
    }
}

impl SignedParts for crate::event::Event {
    fn object(&self) -> &Map<String, Value> {
        &self.object
    }
    fn common(&self) -> &Common {
        &self.common
    }
}

/// Checks that run after the whole shape (nested claims included) is known good, in §4 order:
/// versions (`unsupported_version`), subjects (`bad_subject`), key ids (`bad_key`).
#[derive(Default)]
pub struct Deferred<'a> {
    pub versions: Vec<&'a Value>,
    pub subjects: Vec<&'a str>,
    pub keys: Vec<&'a str>,
}

impl Deferred<'_> {
    /// Runs the deferred checks; returns the parsed key ids in the order they were recorded.
    pub fn check(&self) -> Result<Vec<KeyId>> {
        for v in &self.versions {
            if v.as_str().and_then(Version::parse).is_none() {
                return Err(err(Code::UnsupportedVersion, format!("unsupported kez version {v}")));
            }
        }
        for s in &self.subjects {
            crate::subject::check_canonical_subject(s)?;
        }
        self.keys.iter().map(|k| KeyId::parse(k)).collect()
    }
}

/// True when the object says `kez` `"0.2"`: v0.3-only members and forms are `malformed` in it
/// (§4 phase 1). Any other unsupported value is left to phase 2.
pub fn is_v02(m: &Members) -> bool {
    m.map.get("kez").and_then(Value::as_str) == Some("0.2")
}

/// The shape of the §4 common members (types only; the key id is deferred).
pub fn shape_common<'a>(m: &Members<'a>, kind: &str, d: &mut Deferred<'a>) -> Result<()> {
    d.versions.push(m.map.get("kez").ok_or_else(|| m.missing("kez"))?);
    d.keys.push(m.str("key")?);
    m.int("created_at")?;
    m.hex::<64>("sig")?;
    if m.map.get("type").and_then(Value::as_str) != Some(kind) {
        return Err(err(Code::Malformed, format!("expected type {kind}")));
    }
    Ok(())
}

/// Reads the common members of an object whose shape and deferred checks passed (`key` is
/// the already parsed `key` member).
pub fn common(m: &Members, key: KeyId) -> Result<Common> {
    Ok(Common { key, created_at: m.int("created_at")?, sig: m.hex::<64>("sig")? })
}

/// The `type` member of a top-level object: one of the four kinds, else `malformed`.
pub fn object_type(map: &Map<String, Value>) -> Result<&str> {
    if !map.contains_key("kez") {
        return Err(err(Code::Malformed, "missing member \"kez\""));
    }
    match map.get("type").and_then(Value::as_str) {
        Some(t @ ("claim" | "event" | "login" | "device_request")) => Ok(t),
        _ => Err(err(Code::Malformed, "type must be claim, event, login or device_request")),
    }
}

/// §4 signature then time checks.
pub fn check_signature_and_time(kind: &str, map: &Map<String, Value>, c: &Common, now: u64) -> Result<()> {
    if !c.key.verify(&signing_input(kind, map), &c.sig) {
        return Err(err(Code::BadSignature, "signature does not verify"));
    }
    if c.created_at > now.saturating_add(FUTURE_SKEW) {
        return Err(err(Code::Future, "created_at is more than 600 s in the future"));
    }
    Ok(())
}
