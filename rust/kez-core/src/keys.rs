//! Key identifiers (SPEC §2.1), secret keys and the two signature suites (§3.2).
use crate::ed25519_policy;
use crate::error::{err, Code, Result};
use crate::textenc::{hex_array, is_lower_hex};
use bech32::primitives::decode::CheckedHrpstring;
use bech32::{Bech32, Hrp};
use k256::schnorr;
use sha2::{Digest, Sha256};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Suite {
    Bip340,
    Ed25519,
}

impl Suite {
    pub fn as_str(self) -> &'static str {
        match self {
            Suite::Bip340 => "bip340",
            Suite::Ed25519 => "ed25519",
        }
    }
}

/// A public key in one of the two suites; `Display` gives the canonical key id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyId {
    Bip340([u8; 32]),
    Ed25519([u8; 32]),
}

const NPUB: Hrp = Hrp::parse_unchecked("npub");
const NSEC: Hrp = Hrp::parse_unchecked("nsec");

/// Decodes a lowercase BIP-173 bech32 string with the given HRP and a 32-byte payload.
fn bech32_32(text: &str, hrp: Hrp) -> Option<[u8; 32]> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let checked = CheckedHrpstring::new::<Bech32>(text).ok()?;
    if checked.hrp() != hrp {
        return None;
    }
    let bytes: [u8; 32] = checked.byte_iter().collect::<Vec<u8>>().try_into().ok()?;
    // §2.1: one text form per key. The decoder ignores the padding bits, so re-encoding must
    // give back the same text (padding bits zero).
    (bech32_encode(hrp, &bytes) == text).then_some(bytes)
}

fn bech32_encode(hrp: Hrp, bytes: &[u8]) -> String {
    bech32::encode::<Bech32>(hrp, bytes).expect("32-byte payload fits bech32")
}

/// `lift_x` succeeds (x < p and x³ + 7 is a square).
fn bip340_x_ok(x: &[u8; 32]) -> bool {
    schnorr::VerifyingKey::from_bytes(x).is_ok()
}

impl KeyId {
    /// Parses a key id that must already be canonical (signed objects): else `bad_key`.
    pub fn parse(text: &str) -> Result<KeyId> {
        if let Some(rest) = text.strip_prefix("nostr:") {
            let x = bech32_32(rest, NPUB).ok_or_else(|| err(Code::BadKey, "not a canonical npub"))?;
            if !bip340_x_ok(&x) {
                return Err(err(Code::BadKey, "npub is not an x coordinate on secp256k1"));
            }
            return Ok(KeyId::Bip340(x));
        }
        if let Some(rest) = text.strip_prefix("ed25519:") {
            let a = hex_array::<32>(rest).ok_or_else(|| err(Code::BadKey, "ed25519 key id is not 64 lowercase hex"))?;
            if !ed25519_policy::key_ok(&a) {
                return Err(err(Code::BadKey, "ed25519 key fails the strict key policy"));
            }
            return Ok(KeyId::Ed25519(a));
        }
        Err(err(Code::BadKey, "unknown key id form"))
    }

    /// Parses user input: case-insensitive, `nostr:<64 hex>` and a bare `npub1…` accepted;
    /// returns the canonical id.
    pub fn parse_input(text: &str) -> Result<KeyId> {
        // §2.1: only ASCII whitespace is trimmed and only ASCII case folded.
        let mut lower = text.trim_matches([' ', '\t', '\n', '\r']).to_ascii_lowercase();
        if lower.starts_with("npub1") {
            lower.insert_str(0, "nostr:");
        }
        if let Some(rest) = lower.strip_prefix("nostr:") {
            if rest.len() == 64 && is_lower_hex(rest) {
                let x = hex_array::<32>(rest).expect("checked");
                if !bip340_x_ok(&x) {
                    return Err(err(Code::BadKey, "not an x coordinate on secp256k1"));
                }
                return Ok(KeyId::Bip340(x));
            }
        }
        KeyId::parse(&lower)
    }

    pub fn suite(&self) -> Suite {
        match self {
            KeyId::Bip340(_) => Suite::Bip340,
            KeyId::Ed25519(_) => Suite::Ed25519,
        }
    }

    pub fn bytes(&self) -> &[u8; 32] {
        match self {
            KeyId::Bip340(b) | KeyId::Ed25519(b) => b,
        }
    }

    /// Verifies a signature over the signing input `si` (SPEC §3.2, §3.3).
    pub fn verify(&self, si: &[u8], sig: &[u8; 64]) -> bool {
        match self {
            KeyId::Bip340(x) => {
                let Ok(key) = schnorr::VerifyingKey::from_bytes(x) else { return false };
                let Ok(signature) = schnorr::Signature::try_from(&sig[..]) else { return false };
                let digest = Sha256::digest(si);
                key.verify_raw(&digest, &signature).is_ok()
            }
            KeyId::Ed25519(a) => ed25519_policy::verify(a, si, sig),
        }
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyId::Bip340(x) => write!(f, "nostr:{}", bech32_encode(NPUB, x)),
            KeyId::Ed25519(a) => write!(f, "ed25519:{}", hex::encode(a)),
        }
    }
}

/// A private key (SPEC §2.1): Ed25519 seed or BIP-340 scalar.
#[derive(Clone)]
pub enum SecretKey {
    Bip340(schnorr::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

impl SecretKey {
    /// From 32 secret bytes; a BIP-340 scalar outside `1 ≤ d < n` is `bad_key`.
    pub fn from_bytes(suite: Suite, bytes: &[u8; 32]) -> Result<SecretKey> {
        match suite {
            Suite::Bip340 => schnorr::SigningKey::from_bytes(bytes)
                .map(SecretKey::Bip340)
                .map_err(|_| err(Code::BadKey, "BIP-340 secret is not in 1..n-1")),
            Suite::Ed25519 => Ok(SecretKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(bytes))),
        }
    }

    /// Parses a secret as typed by a user: 64 hex digits, or `nsec1…` for BIP-340.
    pub fn parse_input(suite: Suite, text: &str) -> Result<SecretKey> {
        let text = text.trim();
        let lower = text.to_ascii_lowercase();
        let bytes = if suite == Suite::Bip340 && lower.starts_with("nsec1") {
            bech32_32(&lower, NSEC).ok_or_else(|| err(Code::BadKey, "bad nsec"))?
        } else {
            hex_array::<32>(&lower).ok_or_else(|| err(Code::BadKey, "secret must be 64 hex digits"))?
        };
        SecretKey::from_bytes(suite, &bytes)
    }

    pub fn suite(&self) -> Suite {
        match self {
            SecretKey::Bip340(_) => Suite::Bip340,
            SecretKey::Ed25519(_) => Suite::Ed25519,
        }
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        match self {
            SecretKey::Bip340(k) => k.to_bytes().into(),
            SecretKey::Ed25519(k) => k.to_bytes(),
        }
    }

    pub fn key_id(&self) -> KeyId {
        match self {
            SecretKey::Bip340(k) => KeyId::Bip340(k.verifying_key().to_bytes().into()),
            SecretKey::Ed25519(k) => KeyId::Ed25519(k.verifying_key().to_bytes()),
        }
    }

    /// Signs the signing input `si`. `aux` is BIP-340's auxiliary randomness (ignored by Ed25519).
    pub fn sign(&self, si: &[u8], aux: &[u8; 32]) -> [u8; 64] {
        match self {
            SecretKey::Bip340(k) => {
                let digest = Sha256::digest(si);
                k.sign_raw(&digest, aux).expect("BIP-340 signing with a valid key").to_bytes()
            }
            SecretKey::Ed25519(k) => {
                use ed25519_dalek::Signer;
                k.sign(si).to_bytes()
            }
        }
    }
}

/// NIP-19 `nsec1…` of a BIP-340 secret.
pub fn nsec_encode(secret: &[u8; 32]) -> String {
    bech32_encode(NSEC, secret)
}

/// `hex(SHA-256(UTF-8(key id)))`: the pre-rotation commitment (§6.3).
pub fn commitment(key: &KeyId) -> String {
    hex::encode(Sha256::digest(key.to_string().as_bytes()))
}
