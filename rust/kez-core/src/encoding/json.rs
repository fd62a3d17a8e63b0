//! §8.1 JSON encoding: exactly `JCS(o)`, optionally followed by one LF.
use crate::error::{err, Code, Result};
use crate::jcs::jcs;
use crate::object::MAX_INTEGER;
use serde_json::{Map, Value};

/// §11: JSON encoding, Markdown document and bundle line size limit.
pub const MAX_JSON_BYTES: usize = 65_536;
/// §11: nesting depth of any object.
pub const MAX_DEPTH: usize = 8;

/// Finds where the top-level value starting at byte 0 ends, and its nesting depth, without
/// parsing (so deep or huge input costs nothing). `None` for the end when brackets don't balance.
fn scan_top_level(bytes: &[u8]) -> (Option<usize>, usize) {
    let (mut depth, mut max_depth, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for (i, &b) in bytes.iter().enumerate() {
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
                max_depth = max_depth.max(depth);
                if max_depth > MAX_DEPTH {
                    return (None, max_depth);
                }
            }
            b'}' | b']' => {
                if depth == 0 {
                    return (None, max_depth);
                }
                depth -= 1;
                if depth == 0 {
                    return (Some(i + 1), max_depth);
                }
            }
            _ => {}
        }
    }
    (None, max_depth)
}

/// §1: every number is an integer in [0, 2^53 − 1] (values like `1.0` pass here and are then
/// non-canonical); strings are well-formed (serde_json already rejects lone surrogates).
fn check_values(v: &Value) -> Result<()> {
    match v {
        Value::Number(n) => {
            let ok = match (n.as_u64(), n.as_f64()) {
                (Some(u), _) => u <= MAX_INTEGER,
                (None, Some(f)) => f.fract() == 0.0 && f >= 0.0 && f <= MAX_INTEGER as f64,
                _ => false,
            };
            if ok {
                Ok(())
            } else {
                Err(err(Code::Malformed, "number is not an integer in [0, 2^53-1]"))
            }
        }
        Value::Array(items) => items.iter().try_for_each(check_values),
        Value::Object(map) => map.values().try_for_each(check_values),
        _ => Ok(()),
    }
}

/// Decodes the JSON encoding of one object. With `allow_lf`, one trailing LF is accepted;
/// without it (a compact payload) a trailing LF is `non_canonical`.
pub fn decode(bytes: &[u8], allow_lf: bool) -> Result<Map<String, Value>> {
    if bytes.len() > MAX_JSON_BYTES {
        return Err(err(Code::TooLarge, "JSON encoding exceeds 65536 bytes"));
    }
    let (end, depth) = scan_top_level(bytes);
    if depth > MAX_DEPTH {
        return Err(err(Code::TooLarge, "nesting depth exceeds 8"));
    }
    let mut body = bytes;
    if let (Some(end), Some(b'{')) = (end, bytes.first()) {
        let rest = &bytes[end..];
        if !(rest.is_empty() || rest == b"\n") {
            return Err(err(Code::TrailingData, "bytes after the JSON object"));
        }
        if allow_lf {
            body = &bytes[..end];
        }
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| err(Code::Malformed, format!("not JSON: {e}")))?;
    let Value::Object(map) = value else {
        return Err(err(Code::Malformed, "top-level JSON value is not an object"));
    };
    map.values().try_for_each(check_values)?;
    let canonical = jcs(&Value::Object(map));
    if canonical.as_bytes() != body {
        return Err(err(Code::NonCanonical, "JSON is not in RFC 8785 canonical form"));
    }
    match serde_json::from_str::<Value>(&canonical) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(err(Code::Malformed, "not JSON")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> Code {
        decode(text.as_bytes(), true).unwrap_err().code
    }

    #[test]
    fn strict_json_rules() {
        assert!(decode(b"{\"a\":1}\n", true).is_ok());
        assert_eq!(code("{\"a\":1}\n\n"), Code::TrailingData);
        assert_eq!(code("{\"a\":1} "), Code::TrailingData);
        assert_eq!(code(" {\"a\":1}"), Code::NonCanonical);
        assert_eq!(code("{\"b\":1,\"a\":1}"), Code::NonCanonical);
        assert_eq!(code("{\"a\":1,\"a\":1}"), Code::NonCanonical);
        assert_eq!(code("{\"a\":1.0}"), Code::NonCanonical);
        assert_eq!(code("{\"a\":1.5}"), Code::Malformed);
        assert_eq!(code("{\"a\":-1}"), Code::Malformed);
        assert_eq!(code("{\"a\":9007199254740992}"), Code::Malformed);
        assert_eq!(code("{\"a\":\"\\ud800\"}"), Code::Malformed);
        assert_eq!(code("[1]"), Code::Malformed);
        assert_eq!(code("{\"a\":"), Code::Malformed);
        assert_eq!(code("{\"a\":[[[[[[[[1]]]]]]]]}"), Code::TooLarge);
        assert!(decode(b"{\"a\":[[[[[[[1]]]]]]]}", true).is_ok());
        assert_eq!(decode(b"{\"a\":1}\n", false).unwrap_err().code, Code::NonCanonical);
    }
}
