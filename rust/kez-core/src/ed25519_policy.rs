//! SPEC §3.3: strict Ed25519 key and signature policy, checked explicitly before
//! ed25519-dalek's `verify_strict` (which does the cofactorless equation).
use ed25519_dalek::{Signature, VerifyingKey};

/// L = 2^252 + 27742317777372353535851937790883648493, little-endian.
const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0x10,
];
/// p = 2^255 − 19, little-endian.
const P: [u8; 32] = {
    let mut p = [0xffu8; 32];
    p[0] = 0xed;
    p[31] = 0x7f;
    p
};
/// Y8 (the order-8 points' y), big-endian as written in the SPEC.
const Y8_BE: &str = "7a03ac9277fdc74ec6cc392cfa53202a0f67100d760b3cba4fd84d3d706a17c7";

/// Compares two little-endian 256-bit integers: a < b.
fn lt_le(a: &[u8; 32], b: &[u8; 32]) -> bool {
    for i in (0..32).rev() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

/// a − b for little-endian integers with a ≥ b.
fn sub_le(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in 0..32 {
        let d = a[i] as i16 - b[i] as i16 - borrow;
        borrow = if d < 0 { 1 } else { 0 };
        out[i] = (d + 256 * borrow) as u8;
    }
    out
}

fn y_of(encoding: &[u8; 32]) -> [u8; 32] {
    let mut y = *encoding;
    y[31] &= 0x7f;
    y
}

/// The y coordinates of the small-order points, computed once.
fn small_order_ys() -> &'static [[u8; 32]; 5] {
    static YS: std::sync::OnceLock<[[u8; 32]; 5]> = std::sync::OnceLock::new();
    YS.get_or_init(compute_small_order_ys)
}

fn compute_small_order_ys() -> [[u8; 32]; 5] {
    let mut y8 = [0u8; 32];
    hex::decode_to_slice(Y8_BE, &mut y8).expect("constant");
    y8.reverse();
    let mut one = [0u8; 32];
    one[0] = 1;
    let mut p_minus_1 = P;
    p_minus_1[0] -= 1;
    [[0u8; 32], one, p_minus_1, y8, sub_le(&P, &y8)]
}

/// Rules 1 and 2 for a point encoding (A or R): canonical y, not of small order.
fn encoding_ok(encoding: &[u8; 32]) -> bool {
    let y = y_of(encoding);
    lt_le(&y, &P) && !small_order_ys().contains(&y)
}

/// The key policy of §3.3 for a public key (rules 1, 2 and 4).
pub fn key_ok(public: &[u8; 32]) -> bool {
    encoding_ok(public) && VerifyingKey::from_bytes(public).is_ok()
}

/// Full §3.3 verification of `sig` over `message` under `public`.
pub fn verify(public: &[u8; 32], message: &[u8], sig: &[u8; 64]) -> bool {
    let r: [u8; 32] = sig[..32].try_into().expect("32 bytes");
    let s: [u8; 32] = sig[32..].try_into().expect("32 bytes");
    if !encoding_ok(public) || !encoding_ok(&r) || !lt_le(&s, &L) {
        return false;
    }
    // Rule 4 for A here, for R inside verify_strict (which fails when R does not decode);
    // rule 5 is verify_strict's cofactorless equation.
    let Ok(key) = VerifyingKey::from_bytes(public) else { return false };
    key.verify_strict(message, &Signature::from_bytes(sig)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_order_and_noncanonical_keys_are_refused() {
        for y in small_order_ys() {
            assert!(!key_ok(y), "small-order y {}", hex::encode(y));
        }
        // y = p (non-canonical encoding of y = 0).
        assert!(!key_ok(&P));
        // Setting the sign bit on a canonical small-order y must still be refused.
        let mut one = [0u8; 32];
        one[0] = 1;
        one[31] |= 0x80;
        assert!(!key_ok(&one));
    }

    #[test]
    fn s_equal_to_l_is_refused() {
        use ed25519_dalek::{Signer, SigningKey};
        let sk = SigningKey::from_bytes(&[7u8; 32]);
        let public = sk.verifying_key().to_bytes();
        let mut sig = sk.sign(b"m").to_bytes();
        assert!(verify(&public, b"m", &sig));
        // S + L is the same scalar mod L: accepted by a lax verifier, refused here.
        let s: [u8; 32] = sig[32..].try_into().unwrap();
        let mut carry = 0u16;
        let mut sum = [0u8; 32];
        for i in 0..32 {
            let v = s[i] as u16 + L[i] as u16 + carry;
            sum[i] = v as u8;
            carry = v >> 8;
        }
        sig[32..].copy_from_slice(&sum);
        assert!(!verify(&public, b"m", &sig));
    }
}
