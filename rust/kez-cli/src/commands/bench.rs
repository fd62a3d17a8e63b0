//! Hidden `kez bench`: end-to-end claim verification (decode compact + JCS + hash + policy +
//! verify) per suite against the raw primitive measured in the same run, and a 10,000-event
//! sigchain verify (Ed25519 primary and device, adds and revokes, as the TypeScript bench).
//! Prints a table, then one JSON line (with --json only the JSON line).
use kez_core::chain::{export_bundle, verify_bundle, State};
use kez_core::claim::ClaimDraft;
use kez_core::encoding::compact;
use kez_core::event::EventDraft;
use kez_core::keys::{KeyId, SecretKey, Suite};
use kez_core::object::{signing_input, KIND_CLAIM};
use kez_core::signed::{decode_and_verify, Signed};
use kez_core::SignedParts;
use serde_json::{json, Map, Value};
use std::time::{Duration, Instant};

const NOW: u64 = 1_800_000_000;
const AUX: [u8; 32] = [7; 32];
const POOL: usize = 64;
const BUDGET: Duration = Duration::from_secs(2);

struct Sample {
    compact: String,
    key: KeyId,
    si: Vec<u8>,
    sig: [u8; 64],
}

/// Claims by `POOL` distinct keys, so nothing benefits from a single hot key.
fn pool(suite: Suite) -> Vec<Sample> {
    let identity = format!("kez:id:{}", "ab".repeat(32));
    (0..POOL)
        .map(|i| {
            let sk = SecretKey::from_bytes(suite, &[i as u8 + 1; 32]).expect("fixed key");
            let subject = format!("github:user{i}");
            let c =
                ClaimDraft { identity: &identity, seq: 1 + i as u64, subject: &subject, created_at: NOW, expires_at: None, locators: &[] }
                    .sign(&sk, &AUX)
                    .expect("claim");
            let jcs = kez_core::jcs::jcs(&Value::Object(c.object.clone()));
            Sample {
                compact: compact::encode_jcs(jcs.as_bytes()),
                key: c.key(),
                si: signing_input(KIND_CLAIM, &c.object),
                sig: c.common.sig,
            }
        })
        .collect()
}

/// Calls `f(i)` until the budget has passed; returns calls per second.
fn rate(mut f: impl FnMut(usize)) -> f64 {
    let start = Instant::now();
    let mut n = 0;
    while start.elapsed() < BUDGET {
        for _ in 0..64 {
            f(n);
            n += 1;
        }
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn ed(seed: u8) -> SecretKey {
    SecretKey::from_bytes(Suite::Ed25519, &[seed; 32]).expect("fixed key")
}

/// 10,000 events: genesis, a device, then claims (signed alternately by primary and device)
/// with a revoke every 50 events.
fn chain_bundle(n: usize) -> String {
    let (primary, device) = (ed(0x21), ed(0x22));
    let t0 = NOW - 1_000_000;
    let genesis = EventDraft { seq: 0, identity: None, prev: None, created_at: t0, op: "init", body: Map::new() }
        .sign(&primary, None, &AUX)
        .expect("genesis");
    let mut st = State::genesis(genesis, NOW).expect("genesis verifies");
    let next = |st: &State, op: &'static str, body: Map<String, Value>, t: u64| EventDraft {
        seq: st.head.seq + 1,
        identity: Some(st.identity.clone()),
        prev: Some(st.head.hash.clone()),
        created_at: t,
        op,
        body,
    };
    let mut body = Map::new();
    body.insert("device".into(), device.key_id().to_string().into());
    body.insert("name".into(), "bench".into());
    st.apply(next(&st, "add_device", body, t0).sign(&primary, Some(&device), &AUX).expect("add_device"));
    let mut last: Option<String> = None;
    while st.events.len() < n {
        let len = st.events.len();
        let t = t0 + len as u64;
        let mut body = Map::new();
        let event = match last.take() {
            Some(hash) if len % 50 == 0 => {
                body.insert("claim".into(), hash.into());
                next(&st, "revoke", body, t).sign(&primary, None, &AUX)
            }
            _ => {
                let signer = if len % 2 == 1 { &primary } else { &device };
                let subject = format!("github:u{len}");
                let claim = ClaimDraft {
                    identity: &st.identity,
                    seq: st.head.seq + 1,
                    subject: &subject,
                    created_at: t,
                    expires_at: None,
                    locators: &[],
                }
                .sign(signer, &AUX)
                .expect("claim");
                last = Some(claim.hash());
                body.insert("claim".into(), Value::Object(claim.object));
                next(&st, "add", body, t).sign(signer, None, &AUX)
            }
        };
        st.apply(event.expect("event"));
    }
    export_bundle(st.events.iter().map(|e| &e.object))
}

pub fn run(json_only: bool) -> i32 {
    let mut rows: Vec<(String, f64, &str, String)> = Vec::new();
    let mut results = Map::new();
    let mut ratios = Map::new();
    for (suite, name) in [(Suite::Ed25519, "ed25519"), (Suite::Bip340, "bip340")] {
        let samples = pool(suite);
        let raw = rate(|i| {
            let s = &samples[i % POOL];
            assert!(s.key.verify(&s.si, &s.sig), "raw verify");
        });
        let e2e = rate(|i| match decode_and_verify(samples[i % POOL].compact.as_bytes(), NOW) {
            (_, Ok(Signed::Claim(c))) => {
                std::hint::black_box(c.hash());
            }
            _ => panic!("bench claim failed to verify"),
        });
        let raw_name = format!("raw {name} verify (policy + primitive)");
        let e2e_name = format!("claims verified e2e {name}");
        rows.push((raw_name.clone(), raw, "ops/s", String::new()));
        rows.push((e2e_name.clone(), e2e, "claims/s", format!("{:.2}× raw primitive", e2e / raw)));
        results.insert(raw_name, json!(raw.round()));
        results.insert(e2e_name.clone(), json!(e2e.round()));
        ratios.insert(e2e_name, json!((e2e / raw * 1000.0).round() / 1000.0));
    }
    let events = 10_000;
    let build_start = Instant::now();
    let bundle = chain_bundle(events);
    let build_ms = build_start.elapsed().as_secs_f64() * 1000.0;
    let start = Instant::now();
    let result = verify_bundle(bundle.as_bytes(), NOW);
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let head = result.state.as_ref().map(|s| s.head.seq);
    assert!(
        result.verification.status == kez_core::Status::Valid && head == Some(events as u64 - 1),
        "bench chain verifies: {}",
        result.verification.reason
    );
    let per_s = events as f64 / (ms / 1000.0);
    rows.push((format!("sigchain {events} events verify"), ms, "ms", format!("{per_s:.0} events/s")));
    rows.push((format!("sigchain {events} events build+sign"), build_ms, "ms", String::new()));
    results.insert(format!("sigchain {events} events verify ms"), json!(ms.round()));
    results.insert(format!("sigchain {events} events/s"), json!(per_s.round()));
    results.insert(format!("sigchain {events} events build+sign ms"), json!(build_ms.round()));
    if !json_only {
        println!("kez-core (Rust, release build): {} s per measurement", BUDGET.as_secs());
        let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
        for (name, value, unit, note) in &rows {
            println!("  {name:width$}  {value:>12.0} {unit:8} {note}");
        }
    }
    let doc = json!({ "bench": "kez-core (rust)", "seconds_per_measurement": BUDGET.as_secs(), "results": results, "ratios": ratios });
    println!("{doc}");
    0
}
