//! Claims (SPEC §5): structure, signing and offline verification.
use crate::error::{err, Code, Result};
use crate::keys::{KeyId, SecretKey};
use crate::locator::locator_ok;
use crate::object::{self, shape_common, Common, Deferred, Members, Version, KIND_CLAIM};
use serde_json::{Map, Value};

const REQUIRED: &[&str] = &["kez", "type", "key", "created_at", "sig", "identity", "seq", "subject"];
const OPTIONAL: &[&str] = &["expires_at", "locators"];
pub const MAX_LOCATORS: usize = 8;
pub const MAX_LOCATOR_BYTES: usize = 256;

#[derive(Clone)]
pub struct Claim {
    pub object: Map<String, Value>,
    pub common: Common,
    pub identity: String,
    pub seq: u64,
    pub subject: String,
    pub expires_at: Option<u64>,
    pub locators: Vec<String>,
}

fn locators(m: &Members) -> Result<Vec<String>> {
    let Some(value) = m.map.get("locators") else { return Ok(Vec::new()) };
    let Value::Array(items) = value else { return Err(err(Code::Malformed, "claim: locators is not an array")) };
    if items.len() > MAX_LOCATORS {
        return Err(err(Code::TooLarge, "claim: more than 8 locators"));
    }
    if items.is_empty() {
        return Err(err(Code::Malformed, "claim: locators is empty"));
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let Value::String(url) = item else { return Err(err(Code::Malformed, "claim: locator is not a string")) };
        if url.len() > MAX_LOCATOR_BYTES {
            return Err(err(Code::TooLarge, "claim: locator longer than 256 bytes"));
        }
        if !locator_ok(url) || out.contains(url) {
            return Err(err(Code::Malformed, format!("claim: bad or repeated locator {url:?}")));
        }
        out.push(url.clone());
    }
    Ok(out)
}

/// The shape of a claim (§5): closed members and types (`malformed`, `too_large`).
pub(crate) fn shape<'a>(object: &'a Map<String, Value>, d: &mut Deferred<'a>) -> Result<()> {
    let m = Members::closed(object, "claim", REQUIRED, OPTIONAL)?;
    shape_common(&m, "claim", d)?;
    m.identity("identity")?;
    if m.int("seq")? < 1 {
        return Err(err(Code::Malformed, "claim: seq must be ≥ 1"));
    }
    d.subjects.push(m.str("subject")?);
    if m.opt_int("expires_at")?.is_some_and(|e| e <= m.map["created_at"].as_u64().unwrap_or(0)) {
        return Err(err(Code::Malformed, "claim: expires_at must be after created_at"));
    }
    locators(&m)?;
    Ok(())
}

impl Claim {
    /// Structure checks (§4, §5): shape, then version, subject, key.
    pub fn from_object(object: Map<String, Value>) -> Result<Claim> {
        let mut d = Deferred::default();
        shape(&object, &mut d)?;
        let key = d.check()?[0];
        Claim::build(object, key)
    }

    /// Builds the typed claim from an object whose checks passed; `key` is its parsed key.
    pub(crate) fn build(object: Map<String, Value>, key: KeyId) -> Result<Claim> {
        let m = Members::closed(&object, "claim", REQUIRED, OPTIONAL)?;
        let common = object::common(&m, key)?;
        let identity = m.str("identity")?.to_string();
        let seq = m.int("seq")?;
        let subject = m.str("subject")?.to_string();
        let expires_at = m.opt_int("expires_at")?;
        let locators = locators(&m)?;
        Ok(Claim { common, identity, seq, subject, expires_at, locators, object })
    }

    /// Structure, signature and time (§4). Expiry is not an error here: see `offline_status`.
    pub fn verify(object: Map<String, Value>, now: u64) -> Result<Claim> {
        let claim = Claim::from_object(object)?;
        object::check_signature_and_time(KIND_CLAIM, &claim.object, &claim.common, now)?;
        Ok(claim)
    }

    pub fn is_expired(&self, now: u64) -> bool {
        self.expires_at.is_some_and(|e| e <= now)
    }
}

/// What a new claim says; signing produces the object.
pub struct ClaimDraft<'a> {
    pub identity: &'a str,
    pub seq: u64,
    pub subject: &'a str,
    pub created_at: u64,
    pub expires_at: Option<u64>,
    pub locators: &'a [String],
}

impl ClaimDraft<'_> {
    pub fn sign(&self, secret: &SecretKey, aux: &[u8; 32]) -> Result<Claim> {
        self.sign_as(object::VERSION, secret, aux)
    }

    /// Signs as the given version (§14.1: a v0.3 signer may still produce v0.2 objects).
    pub fn sign_as(&self, version: Version, secret: &SecretKey, aux: &[u8; 32]) -> Result<Claim> {
        let mut o = Map::new();
        o.insert("kez".into(), version.as_str().into());
        o.insert("type".into(), "claim".into());
        o.insert("key".into(), secret.key_id().to_string().into());
        o.insert("created_at".into(), self.created_at.into());
        o.insert("identity".into(), self.identity.into());
        o.insert("seq".into(), self.seq.into());
        o.insert("subject".into(), self.subject.into());
        if let Some(e) = self.expires_at {
            o.insert("expires_at".into(), e.into());
        }
        if !self.locators.is_empty() {
            o.insert("locators".into(), self.locators.iter().map(|l| Value::String(l.clone())).collect());
        }
        object::sign_into(KIND_CLAIM, &mut o, secret, aux);
        Claim::from_object(o)
    }
}
