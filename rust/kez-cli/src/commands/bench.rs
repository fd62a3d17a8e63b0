//! Hidden `kez bench`: end-to-end claim verification (decode compact + JCS + hash + verify) per
//! suite, and a 10,000-event sigchain verify. Prints a table, then one JSON line.
use kez_core::chain::{export_bundle, verify_bundle, State};
use kez_core::claim::ClaimDraft;
use kez_core::encoding::compact;
use kez_core::event::EventDraft;
use kez_core::keys::{SecretKey, Suite};
use kez_core::signed::{decode_and_verify, Signed};
use serde_json::{json, Map, Value};
use std::time::{Duration, Instant};

const NOW: u64 = 1_800_000_000;
const AUX: [u8; 32] = [7; 32];

fn key(suite: Suite, byte: u8) -> SecretKey {
    SecretKey::from_bytes(suite, &[byte; 32]).expect("fixed test key")
}

/// Compact claims by one key, all distinct.
fn claims(suite: Suite, n: usize) -> Vec<String> {
    let sk = key(suite, 0x11);
    let identity = format!("kez:id:{}", "ab".repeat(32));
    (0..n)
        .map(|i| {
            let subject = format!("github:user{i}");
            let c = ClaimDraft { identity: &identity, seq: 1 + i as u64, subject: &subject, created_at: NOW, expires_at: None, locators: &[] }
                .sign(&sk, &AUX)
                .expect("claim");
            compact::encode_jcs(kez_core::jcs::jcs(&Value::Object(c.object)).as_bytes())
        })
        .collect()
}

/// Verifies the claims round-robin for at least `budget`; returns claims per second.
fn claims_per_second(texts: &[String], budget: Duration) -> f64 {
    let start = Instant::now();
    let mut done = 0usize;
    while start.elapsed() < budget {
        for t in texts {
            match decode_and_verify(t.as_bytes(), NOW) {
                (_, Ok(Signed::Claim(c))) => std::hint::black_box(c.hash()),
                _ => panic!("bench claim failed to verify"),
            };
            done += 1;
        }
    }
    done as f64 / start.elapsed().as_secs_f64()
}

/// A chain of `n` events: genesis, then add events carrying claims.
fn chain_bundle(suite: Suite, n: usize) -> String {
    let sk = key(suite, 0x22);
    let genesis = EventDraft { seq: 0, identity: None, prev: None, created_at: NOW, op: "init", body: Map::new() }
        .sign(&sk, None, &AUX)
        .expect("genesis");
    let mut state = State::genesis(genesis, NOW).expect("genesis verifies");
    for i in 1..n {
        let seq = i as u64;
        let subject = format!("dns:host{i}.example.com");
        let claim = ClaimDraft { identity: &state.identity, seq, subject: &subject, created_at: NOW, expires_at: None, locators: &[] }
            .sign(&sk, &AUX)
            .expect("claim");
        let mut body = Map::new();
        body.insert("claim".into(), Value::Object(claim.object));
        let e = EventDraft { seq, identity: Some(state.identity.clone()), prev: Some(state.head.hash.clone()), created_at: NOW, op: "add", body }
            .sign(&sk, None, &AUX)
            .expect("event");
        state.apply(e);
    }
    export_bundle(state.events.iter().map(|e| &e.object))
}

pub fn run(json_only: bool) -> i32 {
    let mut rows = Vec::new();
    let mut per_suite = Map::new();
    for suite in [Suite::Bip340, Suite::Ed25519] {
        let rate = claims_per_second(&claims(suite, 200), Duration::from_millis(2500));
        rows.push(format!("claim verify (compact, end to end)  {:8}  {:>10.0} claims/s", suite.as_str(), rate));
        per_suite.insert(suite.as_str().into(), json!(rate.round()));
    }
    let events = 10_000;
    let bundle = chain_bundle(Suite::Bip340, events);
    let start = Instant::now();
    let result = verify_bundle(bundle.as_bytes(), NOW);
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(result.verification.status, kez_core::Status::Valid, "bench chain verifies");
    rows.push(format!("sigchain verify ({events} events)   bip340    {:>10.0} ms ({:.0} events/s)", secs * 1000.0, events as f64 / secs));
    let doc = json!({
        "impl": "rust",
        "claims_per_s": per_suite,
        "chain_events": events,
        "chain_verify_ms": (secs * 1000.0).round(),
        "chain_events_per_s": (events as f64 / secs).round(),
    });
    if !json_only {
        println!("kez-core (Rust) benchmark");
        for r in rows {
            println!("  {r}");
        }
    }
    println!("{doc}");
    0
}
