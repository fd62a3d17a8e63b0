//! Device requests (SPEC §6.9, v0.3 only): a new device asks, with its own key, to join an identity.
use crate::error::{err, Code, Result};
use crate::event::MAX_DEVICE_NAME_BYTES;
use crate::keys::SecretKey;
use crate::object::{self, is_v02, shape_common, Common, Deferred, Members, KIND_DEVICE_REQUEST};
use serde_json::{Map, Value};

const REQUIRED: &[&str] = &["kez", "type", "key", "created_at", "sig", "identity"];
const OPTIONAL: &[&str] = &["name"];
/// §6.9, §11: a request is good for 7 days after its `created_at`.
pub const LIFETIME: u64 = 604_800;

#[derive(Clone)]
pub struct DeviceRequest {
    pub object: Map<String, Value>,
    pub common: Common,
    pub identity: String,
    pub name: Option<String>,
}

/// The shape of a device request (§6.9), standalone or nested in an `add_device` body.
pub(crate) fn shape<'a>(object: &'a Map<String, Value>, d: &mut Deferred<'a>) -> Result<()> {
    let m = Members::closed(object, "device_request", REQUIRED, OPTIONAL)?;
    if is_v02(&m) {
        return Err(err(Code::Malformed, "device_request is v0.3 only"));
    }
    shape_common(&m, "device_request", d)?;
    m.identity("identity")?;
    if m.opt_str("name")?.is_some_and(|n| n.len() > MAX_DEVICE_NAME_BYTES) {
        return Err(err(Code::Malformed, "device_request: name longer than 64 bytes"));
    }
    Ok(())
}

impl DeviceRequest {
    /// Reads a request whose shape and deferred checks passed (`key` is its parsed key id).
    pub(crate) fn build(object: Map<String, Value>, key: crate::keys::KeyId) -> Result<DeviceRequest> {
        let m = Members::closed(&object, "device_request", REQUIRED, OPTIONAL)?;
        let common = object::common(&m, key)?;
        let identity = m.identity("identity")?.to_string();
        let name = m.opt_str("name")?.map(str::to_string);
        Ok(DeviceRequest { common, identity, name, object })
    }

    /// Structure checks (§4): shape, then versions and key.
    pub fn from_object(object: Map<String, Value>) -> Result<DeviceRequest> {
        let mut d = Deferred::default();
        shape(&object, &mut d)?;
        let key = d.check()?[0];
        DeviceRequest::build(object, key)
    }

    /// Structure, signature and time (§4).
    pub fn verify(object: Map<String, Value>, now: u64) -> Result<DeviceRequest> {
        let r = DeviceRequest::from_object(object)?;
        object::check_signature_and_time(KIND_DEVICE_REQUEST, &r.object, &r.common, now)?;
        Ok(r)
    }

    /// A v0.3 request by `secret` to join `identity` (the only version a request has).
    pub fn sign(secret: &SecretKey, identity: &str, name: Option<&str>, created_at: u64, aux: &[u8; 32]) -> Result<DeviceRequest> {
        let mut o = Map::new();
        o.insert("kez".into(), object::Version::V03.as_str().into());
        o.insert("type".into(), "device_request".into());
        o.insert("key".into(), secret.key_id().to_string().into());
        o.insert("created_at".into(), created_at.into());
        o.insert("identity".into(), identity.into());
        if let Some(n) = name {
            o.insert("name".into(), n.into());
        }
        object::sign_into(KIND_DEVICE_REQUEST, &mut o, secret, aux);
        DeviceRequest::from_object(o)
    }
}
