//! Every entry of vectors/kez-vectors.json (SPEC §12): keys, subjects, key ids, positive objects
//! in all four encodings, chains, and negative vectors with their exact {status, code}.
use kez_core::chain::{claim_status, verify_bundle};
use kez_core::claim::Claim;
use kez_core::encoding::{compact, dns, json, markdown};
use kez_core::error::{KezError, Status};
use kez_core::event::reverse_signing_input;
use kez_core::keys::{KeyId, SecretKey, Suite};
use kez_core::login::Login;
use kez_core::object::{object_hash, signing_input, KIND_CLAIM, KIND_DEVICE_REQUEST, KIND_EVENT, KIND_LOGIN};
use kez_core::short_proof::find_short_proofs;
use kez_core::signed::{encode, verify_object};
use kez_core::subject::normalize_subject;
use kez_core::SignedParts;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../vectors/kez-vectors.json");
    serde_json::from_slice(&std::fs::read(path).expect("vectors/kez-vectors.json")).expect("vector JSON")
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("member {k}"))
}

fn obj(v: &Value) -> Map<String, Value> {
    v.as_object().expect("object").clone()
}

fn now(v: &Value) -> u64 {
    v["now"].as_u64().unwrap()
}

fn aux(v: &Value) -> [u8; 32] {
    hex::decode(s(v, "aux")).unwrap().try_into().unwrap()
}

/// name → (secret key, key id)
fn keys(v: &Value) -> HashMap<String, SecretKey> {
    let mut out = HashMap::new();
    for (name, k) in v["keys"].as_object().unwrap() {
        let suite = if s(k, "suite") == "ed25519" { Suite::Ed25519 } else { Suite::Bip340 };
        let secret: [u8; 32] = hex::decode(s(k, "secret")).unwrap().try_into().unwrap();
        let sk = SecretKey::from_bytes(suite, &secret).unwrap();
        assert_eq!(hex::encode(sk.key_id().bytes()), s(k, "public_key"), "{name} public key");
        assert_eq!(sk.key_id().to_string(), s(k, "key_id"), "{name} key id");
        out.insert(name.clone(), sk);
    }
    out
}

#[test]
fn keys_derive_their_ids() {
    let v = vectors();
    assert!(keys(&v).len() >= 4);
}

#[test]
fn subjects_normalize() {
    let v = vectors();
    let list = v["subjects"].as_array().unwrap();
    assert!(!list.is_empty());
    for t in list {
        let got = normalize_subject(s(t, "input"));
        match t["canonical"].as_str() {
            Some(c) => assert_eq!(got.as_deref().ok(), Some(c), "subject {}", t["input"]),
            None => assert_eq!(got.unwrap_err().code.as_str(), "bad_subject", "subject {}", t["input"]),
        }
    }
}

#[test]
fn key_ids_normalize() {
    let v = vectors();
    for t in v["key_ids"].as_array().unwrap() {
        let got = KeyId::parse_input(s(t, "input")).map(|k| k.to_string());
        match t["canonical"].as_str() {
            Some(c) => assert_eq!(got.as_deref().ok(), Some(c), "key id {}", t["input"]),
            None => assert_eq!(got.unwrap_err().code.as_str(), "bad_key", "key id {}", t["input"]),
        }
    }
}

/// The §3.1 kind of an object type (the version comes from the object itself).
fn kind(object_type: &str) -> &'static str {
    match object_type {
        "claim" => KIND_CLAIM,
        "event" => KIND_EVENT,
        "device_request" => KIND_DEVICE_REQUEST,
        _ => KIND_LOGIN,
    }
}

#[test]
fn positive_objects_all_encodings() {
    let v = vectors();
    let (now, aux, keys) = (now(&v), aux(&v), keys(&v));
    let by_id: HashMap<String, &SecretKey> = keys.values().map(|k| (k.key_id().to_string(), k)).collect();
    let list = v["objects"].as_array().unwrap();
    assert!(list.len() >= 16);
    for t in list {
        let name = s(t, "name");
        let o = obj(&t["object"]);
        let si = signing_input(kind(s(t, "type")), &o);
        assert_eq!(hex::encode(&si), s(t, "signing_input_hex"), "{name} SI");
        assert_eq!(object_hash(&o), s(t, "hash"), "{name} H");
        // Signatures are reproduced byte for byte (Ed25519 deterministic, BIP-340 with the fixed aux).
        let signer = &keys[s(t, "signer")];
        assert_eq!(hex::encode(signer.sign(&si, &aux)), s(&t["object"], "sig"), "{name} signature");
        if let Some(rsi) = t["reverse_signing_input_hex"].as_str() {
            let rsi_bytes = reverse_signing_input(&o);
            assert_eq!(hex::encode(&rsi_bytes), rsi, "{name} reverse SI");
            let body = &t["object"]["body"];
            let new_key = body["new_key"].as_str().or(body["device"].as_str()).unwrap();
            assert_eq!(hex::encode(by_id[new_key].sign(&rsi_bytes, &aux)), s(body, "reverse"), "{name} reverse signature");
        }
        let enc = &t["encodings"];
        assert_eq!(encode(&o, kez_core::encoding::Encoding::Json), s(enc, "json"), "{name} json encoding");
        assert_eq!(encode(&o, kez_core::encoding::Encoding::Markdown), s(enc, "markdown"), "{name} markdown encoding");
        assert_eq!(dns::encode(s(enc, "compact")), s(enc, "dns"), "{name} dns encoding");
        for (which, decoded) in [
            ("json", json::decode(s(enc, "json").as_bytes(), true)),
            ("markdown", markdown::decode(s(enc, "markdown").as_bytes())),
            ("compact", compact::decode(s(enc, "compact"))),
            ("dns", dns::join(s(enc, "dns").as_bytes()).and_then(|c| compact::decode(&c))),
            ("own compact", compact::decode(&compact::encode_jcs(s(enc, "json").as_bytes()))),
        ] {
            let decoded = decoded.unwrap_or_else(|e| panic!("{name} {which}: {e}"));
            assert_eq!(decoded, o, "{name} {which} decodes to the object");
            verify_object(decoded, now).unwrap_or_else(|e| panic!("{name} {which} verifies: {e}"));
        }
        assert_eq!(s(&t["expected"], "status"), "valid");
    }
}

fn verify_chain_vector(t: &Value, now: u64) {
    let name = s(t, "name");
    let result = verify_bundle(s(t, "bundle").as_bytes(), now);
    let x = &t["expected"];
    let v = &result.verification;
    assert_eq!(v.status.as_str(), s(x, "status"), "{name} status ({})", v.reason);
    assert_eq!(v.code.map(|c| c.as_str()), x["code"].as_str(), "{name} code");
    let st = result.state.as_ref();
    if let Some(id) = x["identity"].as_str() {
        assert_eq!(st.map(|s| s.identity.as_str()), Some(id), "{name} identity");
    }
    if x["head"].is_object() {
        let h = &st.unwrap().head;
        assert_eq!(
            (h.seq, h.hash.as_str(), h.created_at),
            (x["head"]["seq"].as_u64().unwrap(), s(&x["head"], "hash"), x["head"]["created_at"].as_u64().unwrap()),
            "{name} head"
        );
    }
    if let Some(p) = x["primary"].as_str() {
        assert_eq!(st.unwrap().primary.to_string(), p, "{name} primary");
    }
    if x.get("next").is_some() {
        assert_eq!(st.unwrap().next.as_deref(), x["next"].as_str(), "{name} next");
    }
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let strings = |v: &Value| v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect::<Vec<_>>();
    if x["devices"].is_array() {
        assert_eq!(sorted(st.unwrap().devices.iter().map(|d| d.key.to_string()).collect()), strings(&x["devices"]), "{name} devices");
    }
    if x["revoked_devices"].is_array() {
        assert_eq!(
            sorted(st.unwrap().revoked_devices.iter().map(|k| k.to_string()).collect()),
            strings(&x["revoked_devices"]),
            "{name} revoked devices"
        );
    }
    if x["fork_hashes"].is_array() {
        assert_eq!(sorted(result.fork.clone()), strings(&x["fork_hashes"]), "{name} fork hashes");
    }
    // SPEC §6.8 evidence, when the vector pins it: [{seq, winner, hash, head}] by seq, then hash.
    if let Some(want) = x["superseded"].as_array() {
        let got: Vec<Value> = result.superseded.iter().map(|x| x.to_json()).collect();
        assert_eq!(&got, want, "{name} superseded");
    }
    // §6.2 retirements: the resolved path's in chain order, then the superseded branches'.
    if let Some(want) = x["retirements"].as_array() {
        let mut got: Vec<Value> = st.map(|s| s.retirements.iter().map(|r| r.to_json()).collect()).unwrap_or_default();
        got.extend(result.superseded_retirements.iter().map(|r| {
            let mut j = r.to_json();
            j["superseded"] = true.into();
            j
        }));
        assert_eq!(&got, want, "{name} retirements");
    }
    for c in x["claims"].as_array().map(Vec::as_slice).unwrap_or_default() {
        let claim = Claim::verify(obj(&c["claim"]), now).unwrap_or_else(|e| panic!("{name} claim {}: {e}", c["name"]));
        assert_eq!(claim.hash(), s(c, "hash"), "{name} claim {} hash", c["name"]);
        let cs = claim_status(&claim, &result, now);
        assert_eq!(cs.status.as_str(), s(c, "status"), "{name} claim {} status ({})", c["name"], cs.reason);
        assert_eq!(cs.code.map(|c| c.as_str()), c["code"].as_str(), "{name} claim {} code", c["name"]);
    }
}

#[test]
fn chains_fold_to_their_expected_state() {
    let v = vectors();
    let list = v["chains"].as_array().unwrap();
    assert!(list.iter().any(|c| c["expected"]["status"] == "fork"));
    for t in list {
        verify_chain_vector(t, now(&v));
    }
}

fn decode_as(encoding: &str, input: &str) -> Result<Map<String, Value>, KezError> {
    match encoding {
        "json" => json::decode(input.as_bytes(), true),
        "compact" => compact::decode(input.strip_suffix('\n').unwrap_or(input)),
        "markdown" => markdown::decode(input.as_bytes()),
        "dns" => dns::join(input.as_bytes()).and_then(|c| compact::decode(&c)),
        other => panic!("unknown encoding {other}"),
    }
}

/// The {status, code} a negative vector's check produces.
fn run_negative(t: &Value, v: &Value) -> (Status, Option<String>) {
    let now = now(v);
    let input = s(t, "input");
    let outcome = |r: Result<(), KezError>| match r {
        Ok(()) => (Status::Valid, None),
        Err(e) => (e.status(), Some(e.code.as_str().to_string())),
    };
    match s(t, "check") {
        "chain" => {
            let r = verify_bundle(input.as_bytes(), now);
            (r.verification.status, r.verification.code.map(|c| c.as_str().to_string()))
        }
        "object" => outcome(decode_as(s(t, "encoding"), input).and_then(|o| verify_object(o, now)).map(|_| ())),
        "claim" => outcome(decode_as(s(t, "encoding"), input).and_then(|o| Claim::verify(o, now)).and_then(|c| {
            if c.is_expired(now) {
                Err(kez_core::error::err(kez_core::Code::Expired, "expired"))
            } else {
                Ok(())
            }
        })),
        "login" => {
            let chain_name = s(t, "chain");
            let chain = v["chains"].as_array().unwrap().iter().find(|c| c["name"] == chain_name).expect("named chain");
            let chain = verify_bundle(s(chain, "bundle").as_bytes(), now);
            outcome(
                decode_as(s(t, "encoding"), input)
                    .and_then(|o| Login::verify(o, now))
                    .and_then(|l| l.accept(s(t, "audience"), now, &chain)),
            )
        }
        other => panic!("unknown check {other}"),
    }
}

#[test]
fn negative_vectors_fail_with_their_exact_code() {
    let v = vectors();
    let list = v["negative"].as_array().unwrap();
    assert!(list.len() >= 100);
    let mut wrong = Vec::new();
    for t in list {
        let x = &t["expected"];
        let (status, code) = run_negative(t, &v);
        if status.as_str() != s(x, "status") || code.as_deref() != x["code"].as_str() {
            wrong.push(format!("{}: got {}/{:?}, want {}/{}", s(t, "name"), status.as_str(), code, x["status"], x["code"]));
        }
    }
    assert!(wrong.is_empty(), "{} negative vectors differ:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn short_proofs_found_in_text() {
    let v = vectors();
    let list = v["short_proofs"].as_array().unwrap();
    assert!(!list.is_empty());
    let mut wrong = Vec::new();
    for t in list {
        let input = s(t, "input");
        let got = match find_short_proofs(input) {
            Ok(found) => Value::Array(
                found
                    .iter()
                    .map(|p| match &p.home {
                        Some(h) => json!({ "identity": p.identity, "home": h }),
                        None => json!({ "identity": p.identity }),
                    })
                    .collect(),
            ),
            Err(e) => json!({ "status": e.status().as_str(), "code": e.code.as_str() }),
        };
        if got != t["expected"] {
            wrong.push(format!("{input:?}: got {got}, want {}", t["expected"]));
        }
    }
    assert!(wrong.is_empty(), "{} short-proof vectors differ:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn login_vectors_accept_at_now() {
    let v = vectors();
    let now = now(&v);
    let chain = v["chains"].as_array().unwrap().iter().find(|c| c["name"] == "ed25519-full").unwrap();
    let chain = verify_bundle(s(chain, "bundle").as_bytes(), now);
    let login = v["objects"].as_array().unwrap().iter().find(|o| o["name"] == "login-ed25519").unwrap();
    let l = Login::verify(obj(&login["object"]), now).unwrap();
    l.accept(&l.audience.clone(), now, &chain).expect("the positive login is accepted");
}

#[test]
fn markdown_pastes_decode_to_their_claim() {
    let v = vectors();
    let list = v["markdown_pastes"].as_array().unwrap();
    assert!(list.len() >= 10);
    let mut wrong = Vec::new();
    for t in list {
        let name = s(t, "name");
        match markdown::decode(s(t, "input").as_bytes()) {
            Ok(o) if o == obj(&t["object"]) && object_hash(&o) == s(t, "hash") => {
                if let Err(e) = verify_object(o, now(&v)) {
                    wrong.push(format!("{name}: does not verify: {e}"));
                }
            }
            Ok(_) => wrong.push(format!("{name}: decodes to another object")),
            Err(e) => wrong.push(format!("{name}: {e}")),
        }
    }
    assert!(wrong.is_empty(), "{} markdown pastes refused:\n{}", wrong.len(), wrong.join("\n"));
}
