//! RFC 8785 JSON Canonicalization Scheme over `serde_json::Value`.
//! Numbers are formatted as ECMAScript `Number.prototype.toString` (via ryu-js); object members
//! are sorted by their UTF-16 code units, as RFC 8785 §3.2.3 requires.
use serde_json::{Map, Number, Value};

pub fn jcs(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => write_object(map, out),
    }
}

fn write_object(map: &Map<String, Value>, out: &mut String) {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
    out.push('{');
    for (i, (key, value)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(key, out);
        out.push(':');
        write_value(value, out);
    }
    out.push('}');
}

/// ES6 number serialization of the IEEE-754 double a JSON parser would produce.
pub fn format_number(f: f64) -> String {
    if f == 0.0 {
        return "0".to_string(); // -0 serializes as 0
    }
    ryu_js::Buffer::new().format_finite(f).to_string()
}

fn write_number(n: &Number, out: &mut String) {
    // Every JSON number is an IEEE-754 double in JCS; integers beyond 2^53 round like JSON.parse.
    let f = n.as_f64().unwrap_or(f64::NAN);
    out.push_str(&format_number(f));
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}
