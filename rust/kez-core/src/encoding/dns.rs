//! §8.4 DNS TXT presentation form: the compact string in quoted ≤255-byte character-strings.
use crate::error::{err, Code, Result};

pub fn encode(compact: &str) -> String {
    compact
        .as_bytes()
        .chunks(255)
        .map(|c| format!("\"{}\"", std::str::from_utf8(c).expect("compact text is ASCII")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Joins the character-strings of a TXT RDATA text (optionally one trailing LF).
pub fn join(bytes: &[u8]) -> Result<String> {
    let bad = |why: &str| err(Code::BadEncoding, format!("bad DNS TXT text: {why}"));
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let mut out = String::new();
    let mut pos = 0;
    let mut strings = 0;
    while pos < body.len() {
        if strings > 0 {
            let start = pos;
            while pos < body.len() && matches!(body[pos], b' ' | b'\t') {
                pos += 1;
            }
            if pos == start {
                return Err(bad("strings must be separated by spaces or tabs"));
            }
        }
        if body.get(pos) != Some(&b'"') {
            return Err(bad("expected a quoted string"));
        }
        let content_start = pos + 1;
        let len = body[content_start..].iter().position(|&b| b == b'"').ok_or_else(|| bad("unterminated string"))?;
        let content = &body[content_start..content_start + len];
        if content.is_empty() || content.len() > 255 {
            return Err(bad("character-string must be 1-255 bytes"));
        }
        if !content.iter().all(|&b| (0x20..0x7f).contains(&b) && b != b'\\') {
            return Err(bad("character-string holds a non-printable byte or a backslash"));
        }
        out.push_str(std::str::from_utf8(content).expect("ASCII"));
        strings += 1;
        pos = content_start + len + 1;
    }
    if strings == 0 {
        return Err(bad("no character-string"));
    }
    Ok(out)
}
