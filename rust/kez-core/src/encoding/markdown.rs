//! §8.3 Markdown encoding: a ```kez fence holding the JSON encoding on one line.
use crate::error::{err, Code, Result};
use serde_json::{Map, Value};

pub const MAX_MARKDOWN_BYTES: usize = 65_536;

/// The exact encoder output for an object of `kind` with a given summary line.
pub fn encode(kind: &str, summary: &str, jcs: &str) -> String {
    format!("# KEZ {kind}\n\n{summary}\n\n```kez\n{jcs}\n```\n")
}

/// The lines a renderer shows (§8.3): one leading BOM dropped, split at LF, one trailing CR and
/// then trailing spaces and tabs dropped from each line. JCS text ends in `}`, so no signed byte
/// is ever dropped.
fn paste_lines(text: &str) -> Vec<&str> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    body.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l).trim_end_matches([' ', '\t'])).collect()
}

pub fn decode(bytes: &[u8]) -> Result<Map<String, Value>> {
    if bytes.len() > MAX_MARKDOWN_BYTES {
        return Err(err(Code::TooLarge, "Markdown document exceeds 65536 bytes"));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| err(Code::Malformed, "Markdown is not UTF-8"))?;
    let lines = paste_lines(text);
    let fences: Vec<usize> = lines.iter().enumerate().filter(|(_, l)| **l == "```kez").map(|(i, _)| i).collect();
    let start = match fences.as_slice() {
        [] => return Err(err(Code::NoProof, "no ```kez fence")),
        [one] => *one,
        _ => return Err(err(Code::Ambiguous, "more than one ```kez fence")),
    };
    let payload = lines.get(start + 1).ok_or_else(|| err(Code::BadEncoding, "```kez fence without payload"))?;
    if lines.get(start + 2) != Some(&"```") {
        return Err(err(Code::BadEncoding, "```kez fence not closed on the line after the payload"));
    }
    super::json::decode(payload.as_bytes(), false)
}
