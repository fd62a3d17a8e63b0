//! §8.2 compact encoding: `kez:z1:` + b64u(one zstd frame of JCS(o)).
//! The frame header and block headers are checked before any decompression.
use crate::error::{err, Code, Result};
use crate::textenc::{b64u_decode, b64u_encode};
use serde_json::{Map, Value};
use std::io::Read;

pub const PREFIX: &str = "kez:z1:";
/// §11 limits.
pub const MAX_COMPACT_BYTES: usize = 16_384;
pub const MAX_PAYLOAD_BYTES: usize = 65_536;
const MAX_WINDOW: u64 = 8 << 20;
const MAX_BLOCK: u64 = 128 << 10;

fn bad(reason: &str) -> crate::error::KezError {
    err(Code::BadEncoding, reason)
}

/// Validates the frame layout (RFC 8878 §3.1.1) in the order §8.2 gives and returns the
/// declared content size.
fn check_frame(f: &[u8]) -> Result<Option<u64>> {
    if f.len() < 6 || f[..4] != [0x28, 0xb5, 0x2f, 0xfd] {
        return Err(bad("not a zstd frame"));
    }
    let fhd = f[4];
    let fcs_flag = fhd >> 6;
    let single_segment = fhd & 0x20 != 0;
    if fhd & 0x08 != 0 {
        return Err(bad("zstd frame header reserved bit set"));
    }
    if fhd & 0x04 != 0 {
        return Err(bad("zstd content checksum flag set"));
    }
    let did_size = [0usize, 1, 2, 4][(fhd & 3) as usize];
    let fcs_size = match fcs_flag {
        0 => usize::from(single_segment),
        1 => 2,
        2 => 4,
        _ => 8,
    };
    let mut pos = 5;
    let mut window = 0;
    if !single_segment {
        let wd = f[pos];
        let base = 1u64 << (10 + (wd >> 3));
        window = base + (base / 8) * u64::from(wd & 7);
        if window > MAX_WINDOW {
            return Err(bad("zstd window larger than 8 MiB"));
        }
        pos += 1;
    }
    if f.len() < pos + did_size {
        return Err(bad("truncated zstd frame header"));
    }
    if f[pos..pos + did_size].iter().any(|&b| b != 0) {
        return Err(bad("zstd Dictionary_ID is not 0"));
    }
    pos += did_size;
    if f.len() < pos + fcs_size {
        return Err(bad("truncated zstd frame header"));
    }
    let content_size = (fcs_size > 0).then(|| {
        let mut le = [0u8; 8];
        le[..fcs_size].copy_from_slice(&f[pos..pos + fcs_size]);
        u64::from_le_bytes(le) + if fcs_size == 2 { 256 } else { 0 }
    });
    if content_size.is_some_and(|size| size > MAX_PAYLOAD_BYTES as u64) {
        return Err(err(Code::TooLarge, "declared content size exceeds 65536 bytes"));
    }
    if single_segment {
        window = content_size.unwrap_or(0);
    }
    pos += fcs_size;
    let block_max = window.min(MAX_BLOCK);
    loop {
        let h = f.get(pos..pos + 3).ok_or_else(|| bad("truncated zstd block header"))?;
        let header = u32::from(h[0]) | u32::from(h[1]) << 8 | u32::from(h[2]) << 16;
        pos += 3;
        let last = header & 1 != 0;
        let size = u64::from(header >> 3);
        let stored = match (header >> 1) & 3 {
            0 | 2 => size, // raw, compressed
            1 => 1,        // RLE: one byte, repeated `size` times
            _ => return Err(bad("reserved zstd block type")),
        };
        if size > block_max {
            return Err(bad("zstd block larger than the window / 128 KiB"));
        }
        let end = pos as u64 + stored;
        if end > f.len() as u64 {
            return Err(bad("truncated zstd block"));
        }
        pos = end as usize;
        if last {
            break;
        }
    }
    if pos != f.len() {
        return Err(err(Code::TrailingData, "bytes after the zstd frame"));
    }
    Ok(content_size)
}

/// Decompresses a checked frame (§8.2): output beyond the declared content size is
/// `bad_encoding` as soon as it appears, output beyond 65,536 bytes without one is `too_large`,
/// and output shorter than the declared size is `bad_encoding`.
fn decompress(f: &[u8], declared: Option<u64>) -> Result<Vec<u8>> {
    let cap = declared.unwrap_or(MAX_PAYLOAD_BYTES as u64);
    let mut decoder = zstd::stream::read::Decoder::with_buffer(f).map_err(|e| bad(&format!("zstd: {e}")))?.single_frame();
    decoder.window_log_max(23).map_err(|e| bad(&format!("zstd: {e}")))?;
    let mut out = Vec::new();
    decoder.take(cap + 1).read_to_end(&mut out).map_err(|e| bad(&format!("zstd: {e}")))?;
    match declared {
        None if out.len() as u64 > cap => Err(err(Code::TooLarge, "decompressed payload exceeds 65536 bytes")),
        // Checked here whatever the zstd library does with a declared size.
        Some(size) if out.len() as u64 != size => Err(bad("zstd frame content differs from its declared Frame_Content_Size")),
        _ => Ok(out),
    }
}

/// Decodes a compact string (without surrounding whitespace) to the object it carries.
pub fn decode(text: &str) -> Result<Map<String, Value>> {
    if text.len() > MAX_COMPACT_BYTES {
        return Err(err(Code::TooLarge, "compact string exceeds 16384 bytes"));
    }
    let body = text.strip_prefix(PREFIX).ok_or_else(|| bad("missing kez:z1: prefix"))?;
    let frame = b64u_decode(body, Code::BadEncoding)?;
    let declared = check_frame(&frame)?;
    let payload = decompress(&frame, declared)?;
    super::json::decode(&payload, false)
}

/// Encodes JCS bytes as a compact string (zstd level 19, no checksum).
pub fn encode_jcs(jcs: &[u8]) -> String {
    let frame = zstd::bulk::compress(jcs, 19).expect("in-memory zstd compression");
    format!("{PREFIX}{}", b64u_encode(&frame))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrap(frame: &[u8]) -> String {
        format!("{PREFIX}{}", b64u_encode(frame))
    }

    #[test]
    fn round_trip_and_frame_rules() {
        let jcs = br#"{"a":1}"#;
        let text = encode_jcs(jcs);
        assert_eq!(decode(&text).unwrap().get("a").unwrap(), 1);
        let frame = zstd::bulk::compress(jcs, 3).unwrap();
        let mut two = frame.clone();
        two.extend_from_slice(&frame);
        assert_eq!(decode(&wrap(&two)).unwrap_err().code, Code::TrailingData);
        let mut checksum = zstd::bulk::Compressor::new(3).unwrap();
        checksum.include_checksum(true).unwrap();
        let with_sum = checksum.compress(jcs).unwrap();
        assert_eq!(decode(&wrap(&with_sum)).unwrap_err().code, Code::BadEncoding);
        assert_eq!(decode(&wrap(&frame[..frame.len() - 1])).unwrap_err().code, Code::BadEncoding);
        assert_eq!(decode("kez:z2:AAAA").unwrap_err().code, Code::BadEncoding);
    }

    #[test]
    fn bomb_is_too_large() {
        let big = vec![b' '; 70_000];
        let frame = zstd::bulk::compress(&big, 3).unwrap();
        assert_eq!(decode(&wrap(&frame)).unwrap_err().code, Code::TooLarge);
        // The same bomb without a declared size is stopped while decompressing.
        let mut c = zstd::bulk::Compressor::new(3).unwrap();
        c.include_contentsize(false).unwrap();
        let frame = c.compress(&big).unwrap();
        assert_eq!(decode(&wrap(&frame)).unwrap_err().code, Code::TooLarge);
    }
}
