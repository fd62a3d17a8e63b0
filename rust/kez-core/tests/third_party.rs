//! Third-party vectors from ../shared/vectors: BIP-340 CSV, RFC 8032 §7.1, RFC 8785 JCS data.
use k256::schnorr;
use kez_core::ed25519_policy;
use kez_core::jcs::{format_number, jcs};
use std::fs;
use std::path::PathBuf;

fn dir(sub: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors").join(sub)
}

fn hex32(s: &str) -> [u8; 32] {
    hex::decode(s).unwrap().try_into().unwrap()
}

#[test]
#[cfg_attr(not(shared_vectors), ignore = "SKIPPED: ../shared/vectors not found")]
fn bip340_csv_all_vectors() {
    let text = fs::read_to_string(dir("bip340/test-vectors.csv")).unwrap();
    let mut count = 0;
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        let (index, secret, public, aux, msg, sig, expected) = (f[0], f[1], f[2], f[3], f[4], f[5], f[6] == "TRUE");
        let msg = hex::decode(msg).unwrap();
        let sig: [u8; 64] = hex::decode(sig).unwrap().try_into().unwrap();
        if !secret.is_empty() {
            let sk = schnorr::SigningKey::from_bytes(&hex32(secret)).unwrap();
            assert_eq!(hex::encode_upper(sk.verifying_key().to_bytes()), public, "vector {index} public key");
            let made = sk.sign_raw(&msg, &hex32(aux)).unwrap();
            assert_eq!(made.to_bytes(), sig, "vector {index} signature");
        }
        let verified = schnorr::VerifyingKey::from_bytes(&hex::decode(public).unwrap())
            .ok()
            .and_then(|k| schnorr::Signature::try_from(&sig[..]).ok().map(|s| k.verify_raw(&msg, &s).is_ok()))
            .unwrap_or(false);
        assert_eq!(verified, expected, "vector {index} ({})", f.get(7).unwrap_or(&""));
        count += 1;
    }
    assert_eq!(count, 19);
}

#[test]
#[cfg_attr(not(shared_vectors), ignore = "SKIPPED: ../shared/vectors not found")]
fn rfc8032_section_7_1() {
    let v: serde_json::Value = serde_json::from_str(&fs::read_to_string(dir("rfc8032/rfc8032-ed25519-vectors.json")).unwrap()).unwrap();
    let vectors = v["vectors"].as_array().unwrap();
    for t in vectors {
        let seed = hex32(t["secretKey"].as_str().unwrap());
        let public = hex32(t["publicKey"].as_str().unwrap());
        let msg = hex::decode(t["message"].as_str().unwrap()).unwrap();
        let sig: [u8; 64] = hex::decode(t["signature"].as_str().unwrap()).unwrap().try_into().unwrap();
        let sk = kez_core::keys::SecretKey::from_bytes(kez_core::keys::Suite::Ed25519, &seed).unwrap();
        assert_eq!(sk.key_id(), kez_core::keys::KeyId::Ed25519(public), "{}", t["name"]);
        assert_eq!(sk.sign(&msg, &[0; 32]), sig, "{}", t["name"]);
        assert!(ed25519_policy::verify(&public, &msg, &sig), "{}", t["name"]);
        let mut bad = msg.clone();
        bad.push(0);
        assert!(!ed25519_policy::verify(&public, &bad, &sig), "{} with a changed message", t["name"]);
    }
    assert_eq!(vectors.len(), 5);
}

#[test]
#[cfg_attr(not(shared_vectors), ignore = "SKIPPED: ../shared/vectors not found")]
fn jcs_rfc8785_cases() {
    let mut count = 0;
    for entry in fs::read_dir(dir("jcs/input")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_owned();
        let input: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        let expected = fs::read(dir("jcs/output").join(&name)).unwrap();
        assert_eq!(jcs(&input).as_bytes(), &expected[..], "{name:?}");
        let hex_text = fs::read_to_string(dir("jcs/outhex").join(&name).with_extension("txt")).unwrap();
        let from_hex = hex::decode(hex_text.split_whitespace().collect::<String>()).unwrap();
        assert_eq!(jcs(&input).as_bytes(), &from_hex[..], "{name:?} (outhex)");
        count += 1;
    }
    assert_eq!(count, 6);
}

#[test]
#[cfg_attr(not(shared_vectors), ignore = "SKIPPED: ../shared/vectors not found")]
fn jcs_es6_numbers_100k() {
    let text = fs::read_to_string(dir("jcs/es6testfile100k.txt")).unwrap();
    let mut count = 0;
    for line in text.lines() {
        let (bits, expected) = line.split_once(',').unwrap();
        let f = f64::from_bits(u64::from_str_radix(bits, 16).unwrap());
        assert_eq!(format_number(f), expected, "bits {bits}");
        // Parsing the expected text back gives the same double, and JCS prints it the same.
        let parsed: serde_json::Value = serde_json::from_str(expected).unwrap();
        assert_eq!(jcs(&parsed), expected, "round trip of {expected}");
        count += 1;
    }
    assert_eq!(count, 100_000);
}
