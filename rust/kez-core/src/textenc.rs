//! Strict text encodings of bytes (SPEC §1): lowercase hex and canonical unpadded base64url.
use crate::error::{err, Code, Result};
use base64::engine::{general_purpose::GeneralPurpose, DecodePaddingMode, GeneralPurposeConfig};
use base64::{alphabet, Engine};

/// URL-safe, no padding, padding rejected, non-zero trailing bits rejected.
const B64U: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

pub fn b64u_encode(bytes: &[u8]) -> String {
    B64U.encode(bytes)
}

/// Decodes canonical b64u; anything else is `code`.
pub fn b64u_decode(text: &str, code: Code) -> Result<Vec<u8>> {
    if text.len() % 4 == 1 {
        return Err(err(code, "base64url length ≡ 1 (mod 4)"));
    }
    B64U.decode(text).map_err(|e| err(code, format!("bad base64url: {e}")))
}

pub fn is_lower_hex(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Decodes exactly `N` bytes of lowercase hex.
pub fn hex_array<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != 2 * N || !is_lower_hex(text) {
        return None;
    }
    let mut out = [0u8; N];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}
