//! Sigchain rules (SPEC §6.2–6.6) beyond the vector file: each rule broken once, checked for
//! its exact code, with the same chain built correctly as the control.
use kez_core::chain::{claim_status, export_bundle, verify_bundle, ChainResult, State};
use kez_core::claim::{Claim, ClaimDraft};
use kez_core::event::{Event, EventDraft};
use kez_core::keys::{commitment, SecretKey, Suite};
use kez_core::SignedParts;
use kez_core::{Code, Status};
use serde_json::{Map, Value};

const T: u64 = 1_700_000_000;
const AUX: [u8; 32] = [9; 32];

fn key(suite: Suite, b: u8) -> SecretKey {
    SecretKey::from_bytes(suite, &[b; 32]).unwrap()
}

struct Builder {
    state: State,
}

impl Builder {
    fn new(primary: &SecretKey, next: Option<&SecretKey>) -> Builder {
        let mut body = Map::new();
        if let Some(n) = next {
            body.insert("next".into(), commitment(&n.key_id()).into());
        }
        let g = EventDraft { seq: 0, identity: None, prev: None, created_at: T, op: "init", body }.sign(primary, None, &AUX).unwrap();
        Builder { state: State::genesis(g, T).unwrap() }
    }

    fn draft(&self, op: &'static str, body: Map<String, Value>) -> EventDraft {
        EventDraft {
            seq: self.state.head.seq + 1,
            identity: Some(self.state.identity.clone()),
            prev: Some(self.state.head.hash.clone()),
            created_at: T,
            op,
            body,
        }
    }

    fn claim(&self, signer: &SecretKey, subject: &str) -> Claim {
        ClaimDraft { identity: &self.state.identity, seq: self.state.head.seq + 1, subject, created_at: T, expires_at: None, locators: &[] }
            .sign(signer, &AUX)
            .unwrap()
    }

    fn add_event(&self, signer: &SecretKey, claim: &Claim) -> Event {
        let mut body = Map::new();
        body.insert("claim".into(), Value::Object(claim.object.clone()));
        self.draft("add", body).sign(signer, None, &AUX).unwrap()
    }

    fn key_event(&self, op: &'static str, member: &str, signer: &SecretKey, subject: &SecretKey, reverse: Option<&SecretKey>) -> Event {
        let mut body = Map::new();
        body.insert(member.into(), subject.key_id().to_string().into());
        self.draft(op, body).sign(signer, reverse, &AUX).unwrap()
    }

    /// Checks `e`, then applies it; panics when a rule rejects it.
    fn push(&mut self, e: Event) {
        self.state.check(&e, T).unwrap_or_else(|x| panic!("{}: {x}", e.op.name()));
        self.state.apply(e);
    }

    fn code_of(&self, e: &Event) -> Code {
        self.state.check(e, T).expect_err("the event must be rejected").code
    }

    fn bundle(&self) -> ChainResult {
        verify_bundle(export_bundle(self.state.events.iter().map(|e| &e.object)).as_bytes(), T)
    }
}

#[test]
fn every_op_and_its_broken_twin() {
    for suite in [Suite::Ed25519, Suite::Bip340] {
        let (primary, next, device, stranger) = (key(suite, 1), key(suite, 2), key(suite, 3), key(suite, 4));
        let mut b = Builder::new(&primary, Some(&next));
        let c1 = b.claim(&primary, "github:alice");
        b.push(b.add_event(&primary, &c1));
        // The same claim again: bad_claim. A claim signed by another key than the event: bad_claim.
        assert_eq!(b.code_of(&b.add_event(&primary, &c1)), Code::BadClaim);
        let foreign = b.claim(&stranger, "github:bob");
        assert_eq!(b.code_of(&b.add_event(&primary, &foreign)), Code::BadClaim);
        // A stranger may not add.
        let own = b.claim(&stranger, "github:bob");
        assert_eq!(b.code_of(&b.add_event(&stranger, &own)), Code::NotAuthorized);
        // add_device without the device's reverse signature (signed by the wrong key): bad_reverse.
        assert_eq!(b.code_of(&b.key_event("add_device", "device", &primary, &device, Some(&stranger))), Code::BadReverse);
        // The primary as a device: bad_key.
        assert_eq!(b.code_of(&b.key_event("add_device", "device", &primary, &primary, Some(&primary))), Code::BadKey);
        b.push(b.key_event("add_device", "device", &primary, &device, Some(&device)));
        // A device may add claims, but not add devices or rotate.
        let dc = b.claim(&device, "dns:example.com");
        assert_eq!(b.code_of(&b.key_event("add_device", "device", &device, &stranger, Some(&stranger))), Code::NotAuthorized);
        b.push(b.add_event(&device, &dc));
        // Rotation to a key other than the committed one: precommit_mismatch.
        assert_eq!(b.code_of(&b.key_event("rotate", "new_key", &primary, &stranger, Some(&stranger))), Code::PrecommitMismatch);
        // Rotation to an active device: bad_key.
        assert_eq!(b.code_of(&b.key_event("rotate", "new_key", &primary, &device, Some(&device))), Code::BadKey);
        b.push(b.key_event("rotate", "new_key", &primary, &next, Some(&next)));
        // The old primary has no authority any more.
        let late = b.claim(&primary, "github:late");
        assert_eq!(b.code_of(&b.add_event(&primary, &late)), Code::NotAuthorized);
        // Revoke: an unknown claim hash is bad_claim; the real one works once.
        let mut body = Map::new();
        body.insert("claim".into(), "00".repeat(32).into());
        assert_eq!(b.code_of(&b.draft("revoke", body).sign(&next, None, &AUX).unwrap()), Code::BadClaim);
        let mut body = Map::new();
        body.insert("claim".into(), c1.hash().into());
        b.push(b.draft("revoke", body.clone()).sign(&next, None, &AUX).unwrap());
        assert_eq!(b.code_of(&b.draft("revoke", body).sign(&next, None, &AUX).unwrap()), Code::BadClaim);
        // revoke_device: only an active device; a revoked device never comes back.
        assert_eq!(b.code_of(&b.key_event("revoke_device", "device", &next, &stranger, None)), Code::BadKey);
        b.push(b.key_event("revoke_device", "device", &next, &device, None));
        assert_eq!(b.code_of(&b.key_event("add_device", "device", &next, &device, Some(&device))), Code::BadKey);
        // Without a new commitment, any key with a reverse signature may be rotated to.
        b.push(b.key_event("rotate", "new_key", &next, &stranger, Some(&stranger)));

        // The whole chain as a bundle, and the status of each claim against it.
        let r = b.bundle();
        assert_eq!(r.verification.status, Status::Valid, "{}", r.verification.reason);
        let st = |c: &Claim| claim_status(c, &r, T).code;
        assert_eq!(st(&c1), Some(Code::Revoked));
        // A v0.3 revoke_device without a compromise declaration keeps what the device signed before.
        assert_eq!(st(&dc), None);
        let never_added = b.claim(&stranger, "github:never");
        assert_eq!(st(&never_added), Some(Code::ChainBehind));
        let s = r.state.as_ref().unwrap();
        assert_eq!(s.primary, stranger.key_id());
        assert!(s.next.is_none());
    }
}

#[test]
fn link_rules() {
    let p = key(Suite::Ed25519, 1);
    let mut b = Builder::new(&p, None);
    let c = b.claim(&p, "github:alice");
    let good = b.add_event(&p, &c);
    let mut wrong_prev = b.draft("add", Map::new());
    wrong_prev.prev = Some("11".repeat(32));
    let mut body = Map::new();
    body.insert("claim".into(), Value::Object(c.object.clone()));
    wrong_prev.body = body.clone();
    assert_eq!(b.code_of(&wrong_prev.sign(&p, None, &AUX).unwrap()), Code::BadLink);
    let mut earlier = b.draft("add", body);
    earlier.created_at = T - 1;
    let early_claim =
        ClaimDraft { identity: &b.state.identity, seq: 1, subject: "github:alice", created_at: T - 1, expires_at: None, locators: &[] }
            .sign(&p, &AUX)
            .unwrap();
    earlier.body.insert("claim".into(), Value::Object(early_claim.object));
    assert_eq!(b.code_of(&earlier.sign(&p, None, &AUX).unwrap()), Code::BadLink);
    b.push(good);
    assert_eq!(b.bundle().verification.status, Status::Valid);
}

#[test]
fn hostile_bundles() {
    let p = key(Suite::Bip340, 1);
    let mut b = Builder::new(&p, None);
    let c = b.claim(&p, "github:alice");
    b.push(b.add_event(&p, &c));
    let text = export_bundle(b.state.events.iter().map(|e| &e.object));
    let code = |t: &str| verify_bundle(t.as_bytes(), T).verification.code;
    assert_eq!(code(&text), None);
    assert_eq!(code(text.trim_end()), Some(Code::Malformed), "no final LF");
    assert_eq!(code(&text.replace('\n', "\r\n")), Some(Code::Malformed), "CRLF");
    assert_eq!(code(&format!("\u{feff}{text}")), Some(Code::Malformed), "BOM");
    assert_eq!(code(&text.replacen('\n', "\n\n", 1)), Some(Code::Malformed), "blank line");
    assert_eq!(code(&format!("{text}{}", text.lines().last().unwrap())), Some(Code::Malformed), "no final LF after a repeat");
    assert_eq!(code(&format!("{text}{}\n", text.lines().last().unwrap())), Some(Code::Malformed), "repeated line");
    assert_eq!(code(""), Some(Code::NoChain));
    assert_eq!(code(&"x".repeat(70_000)), Some(Code::Malformed));
    assert_eq!(code(&format!("{}\n", "x".repeat(70_000))), Some(Code::TooLarge));
    // A nested depth bomb costs nothing and is too_large.
    assert_eq!(code(&format!("{}\n", "[".repeat(100_000))), Some(Code::TooLarge));
}
