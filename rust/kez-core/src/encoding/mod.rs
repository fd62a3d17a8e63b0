//! The four encodings of a signed object (SPEC §8) and encoding detection.
pub mod compact;
pub mod dns;
pub mod json;
pub mod markdown;

use crate::error::Result;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Json,
    Compact,
    Markdown,
    Dns,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Json => "json",
            Encoding::Compact => "compact",
            Encoding::Markdown => "markdown",
            Encoding::Dns => "dns",
        }
    }

    pub fn parse(name: &str) -> Option<Encoding> {
        match name {
            "json" => Some(Encoding::Json),
            "compact" => Some(Encoding::Compact),
            "md" | "markdown" => Some(Encoding::Markdown),
            "dns" => Some(Encoding::Dns),
            _ => None,
        }
    }
}

/// Identifies the encoding by the first non-whitespace bytes (§8).
pub fn detect(bytes: &[u8]) -> Encoding {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    let head = &bytes[start..];
    if head.starts_with(b"{") {
        Encoding::Json
    } else if head.starts_with(compact::PREFIX.as_bytes()) {
        Encoding::Compact
    } else if head.starts_with(b"\"") {
        Encoding::Dns
    } else {
        Encoding::Markdown
    }
}

/// Decodes any encoding to the JSON object it carries (not yet checked as a signed object).
pub fn decode_any(bytes: &[u8]) -> Result<(Encoding, Map<String, Value>)> {
    let encoding = detect(bytes);
    let object = match encoding {
        Encoding::Json => json::decode(bytes, true)?,
        Encoding::Compact => {
            let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
            let text =
                std::str::from_utf8(body).map_err(|_| crate::error::err(crate::error::Code::BadEncoding, "compact text is not ASCII"))?;
            compact::decode(text)?
        }
        Encoding::Dns => compact::decode(&dns::join(bytes)?)?,
        Encoding::Markdown => markdown::decode(bytes)?,
    };
    Ok((encoding, object))
}
