//! The result shape of every verification (SPEC §9): `{status, code?, reason, evidence}`.
use crate::error::{Code, KezError, Status};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub status: Status,
    pub code: Option<Code>,
    pub reason: String,
    pub evidence: Map<String, Value>,
}

impl Verification {
    pub fn valid(reason: impl Into<String>, evidence: Map<String, Value>) -> Self {
        Verification { status: Status::Valid, code: None, reason: reason.into(), evidence }
    }

    pub fn from_code(code: Code, reason: impl Into<String>, evidence: Map<String, Value>) -> Self {
        Verification { status: code.status(), code: Some(code), reason: reason.into(), evidence }
    }

    pub fn from_error(e: &KezError, evidence: Map<String, Value>) -> Self {
        Verification::from_code(e.code, e.reason.clone(), evidence)
    }

    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("status".into(), self.status.as_str().into());
        o.insert("code".into(), self.code.map_or(Value::Null, |c| c.as_str().into()));
        o.insert("reason".into(), self.reason.clone().into());
        o.insert("evidence".into(), Value::Object(self.evidence.clone()));
        Value::Object(o)
    }
}
