//! §8.1 JSON encoding: exactly `JCS(o)`, optionally followed by one LF.
use crate::error::{err, Code, Result};
use crate::jcs::jcs;
use serde_json::{Map, Value};

/// §11: JSON encoding, Markdown document and bundle line size limit.
pub const MAX_JSON_BYTES: usize = 65_536;
/// §11: nesting depth of any object.
pub const MAX_DEPTH: usize = 8;

/// Nesting depth of `[`/`{` outside strings, scanned before parsing so deep input costs nothing.
fn scan_depth_ok(bytes: &[u8]) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return false;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    true
}

/// Decodes the JSON encoding of one object. With `allow_lf`, one trailing LF is accepted.
pub fn decode(bytes: &[u8], allow_lf: bool) -> Result<Map<String, Value>> {
    if bytes.len() > MAX_JSON_BYTES + usize::from(allow_lf) {
        return Err(err(Code::TooLarge, "JSON encoding exceeds 65536 bytes"));
    }
    if !scan_depth_ok(bytes) {
        return Err(err(Code::TooLarge, "nesting deeper than 8"));
    }
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
    let value = match stream.next() {
        Some(Ok(v)) => v,
        Some(Err(e)) => return Err(err(Code::Malformed, format!("not JSON: {e}"))),
        None => return Err(err(Code::Malformed, "empty input")),
    };
    let end = stream.byte_offset();
    if !value.is_object() {
        return Err(err(Code::Malformed, "top-level JSON value is not an object"));
    }
    let canonical = jcs(&value);
    let (value_bytes, rest) = bytes.split_at(end);
    if value_bytes != canonical.as_bytes() {
        return Err(err(Code::NonCanonical, "JSON is not in JCS canonical form"));
    }
    if rest.is_empty() || (allow_lf && rest == b"\n") {
        let Value::Object(map) = value else { unreachable!("checked above") };
        return Ok(map);
    }
    // Whitespace that still parses to the same value is a non-canonical form; anything past
    // the one permitted LF (or any other byte) is trailing data.
    let after_lf = if allow_lf { rest.strip_prefix(b"\n") } else { None };
    if after_lf.is_none() && rest.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')) {
        return Err(err(Code::NonCanonical, "whitespace after the JSON value"));
    }
    Err(err(Code::TrailingData, "bytes after the JSON value"))
}

pub fn encode(object: &Value) -> String {
    jcs(object)
}
