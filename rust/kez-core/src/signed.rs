//! Any signed object, from any encoding to a verified typed value, and back (§4, §8).
use crate::claim::Claim;
use crate::device_request::DeviceRequest;
use crate::encoding::{compact, decode_any, dns, markdown, Encoding};
use crate::error::Result;
use crate::event::Event;
use crate::jcs::jcs;
use crate::login::Login;
use crate::object::{self, object_type, KIND_EVENT};
use serde_json::{Map, Value};

pub enum Signed {
    Claim(Claim),
    Event(Box<Event>),
    Login(Login),
    DeviceRequest(DeviceRequest),
}

impl Signed {
    pub fn object(&self) -> &Map<String, Value> {
        match self {
            Signed::Claim(c) => &c.object,
            Signed::Event(e) => &e.object,
            Signed::Login(l) => &l.object,
            Signed::DeviceRequest(r) => &r.object,
        }
    }
}

/// Structure, signature and time of a decoded object (§4); an event is checked on its own
/// (its chain rules need a chain).
pub fn verify_object(object: Map<String, Value>, now: u64) -> Result<Signed> {
    match object_type(&object)? {
        "claim" => Claim::verify(object, now).map(Signed::Claim),
        "login" => Login::verify(object, now).map(Signed::Login),
        "device_request" => DeviceRequest::verify(object, now).map(Signed::DeviceRequest),
        _ => {
            let e = Event::from_object(object)?;
            object::check_signature_and_time(KIND_EVENT, &e.object, &e.common, now)?;
            Ok(Signed::Event(Box::new(e)))
        }
    }
}

/// Decodes any encoding and verifies the object it carries.
pub fn decode_and_verify(bytes: &[u8], now: u64) -> (Option<Encoding>, Result<Signed>) {
    match decode_any(bytes) {
        Ok((encoding, object)) => (Some(encoding), verify_object(object, now)),
        Err(e) => (Some(crate::encoding::detect(bytes)), Err(e)),
    }
}

/// The Markdown summary line (§8.3).
pub fn summary(object: &Map<String, Value>) -> String {
    let s = |k: &str| object.get(k).and_then(Value::as_str).unwrap_or("");
    match s("type") {
        "claim" => format!("{} is controlled by key {} of identity {}.", s("subject"), s("key"), s("identity")),
        t => format!("A signed KEZ {t} by key {}.", s("key")),
    }
}

/// Encodes an object (without the JSON encoding's optional LF).
pub fn encode(object: &Map<String, Value>, encoding: Encoding) -> String {
    let canonical = jcs(&Value::Object(object.clone()));
    match encoding {
        Encoding::Json => canonical,
        Encoding::Compact => compact::encode_jcs(canonical.as_bytes()),
        Encoding::Markdown => {
            let kind = object.get("type").and_then(Value::as_str).unwrap_or("object");
            markdown::encode(kind, &summary(object), &canonical)
        }
        Encoding::Dns => dns::encode(&compact::encode_jcs(canonical.as_bytes())),
    }
}
