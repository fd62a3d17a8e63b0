//! SPEC v0.3 rules from the text (§5.2, §6.2–§6.9, §7, §14): recovery and fork resolution,
//! compromise declarations, sticky retirements, device requests, versions, short proofs.
use kez_core::chain::{claim_status, export_bundle, resolve_event_set, verify_bundle, ChainResult, State};
use kez_core::claim::{Claim, ClaimDraft};
use kez_core::device_request::DeviceRequest;
use kez_core::event::{Event, EventDraft};
use kez_core::keys::{commitment, SecretKey, Suite};
use kez_core::login::Login;
use kez_core::object::Version;
use kez_core::short_proof::{find_short_proofs, format_short_proof, identities, judge_short_proof, ShortProof};
use kez_core::{Code, SignedParts, Status};
use serde_json::{Map, Value};

const T: u64 = 1_700_000_000;
/// Verification time: late enough for an add_device made 7 days after its request.
const NOW: u64 = T + 700_000;
const AUX: [u8; 32] = [7; 32];

fn key(b: u8) -> SecretKey {
    SecretKey::from_bytes(Suite::Ed25519, &[b; 32]).unwrap()
}

fn body(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn id(k: &SecretKey) -> Value {
    k.key_id().to_string().into()
}

fn genesis(primary: &SecretKey, next: &SecretKey) -> State {
    let b = body(&[("next", commitment(&next.key_id()).into())]);
    let g = EventDraft { seq: 0, identity: None, prev: None, created_at: T, op: "init", body: b }.sign(primary, None, &AUX).unwrap();
    State::genesis(g, T).unwrap()
}

fn draft(s: &State, op: &'static str, b: Map<String, Value>) -> EventDraft {
    EventDraft { seq: s.head.seq + 1, identity: Some(s.identity.clone()), prev: Some(s.head.hash.clone()), created_at: T, op, body: b }
}

fn claim(s: &State, signer: &SecretKey, subject: &str) -> Claim {
    ClaimDraft { identity: &s.identity, seq: s.head.seq + 1, subject, created_at: T, expires_at: None, locators: &[] }
        .sign(signer, &AUX)
        .unwrap()
}

/// Checks and applies `e` to `s`; returns the event.
fn push(s: &mut State, e: Event) -> Event {
    s.check(&e, NOW).unwrap_or_else(|x| panic!("{}: {x}", e.op.name()));
    s.apply(e.clone());
    e
}

fn add(s: &mut State, signer: &SecretKey, subject: &str) -> Claim {
    let c = claim(s, signer, subject);
    let e = draft(s, "add", body(&[("claim", Value::Object(c.object.clone()))])).sign(signer, None, &AUX).unwrap();
    push(s, e);
    c
}

fn add_device(s: &mut State, primary: &SecretKey, device: &SecretKey) {
    let e = draft(s, "add_device", body(&[("device", id(device))])).sign(primary, Some(device), &AUX).unwrap();
    push(s, e);
}

fn code_of(s: &State, e: &Event) -> Code {
    s.check(e, NOW).expect_err("rejected").code
}

/// The union of the branches' events as one bundle.
fn bundle(states: &[&State]) -> ChainResult {
    let text = export_bundle(states.iter().flat_map(|s| s.events.iter().map(|e| &e.object)));
    verify_bundle(text.as_bytes(), NOW)
}

fn status(c: &Claim, r: &ChainResult) -> (Status, Option<Code>) {
    let v = claim_status(c, r, T);
    (v.status, v.code)
}

#[test]
fn recovery_supersedes_a_thief_with_the_primary() {
    let (p, n, n2, d2) = (key(1), key(2), key(3), key(4));
    let mut base = genesis(&p, &n);
    let early = add(&mut base, &p, "github:alice");
    add_device(&mut base, &p, &d2);
    let mut thief = base.clone();
    let stolen = add(&mut thief, &p, "github:thief");
    // The thief also revokes a device: that retirement sticks though the branch loses.
    let e = draft(&thief, "revoke_device", body(&[("device", id(&d2))])).sign(&p, None, &AUX).unwrap();
    push(&mut thief, e);
    let mut owner = base.clone();
    let b = body(&[("new_key", id(&n)), ("next", commitment(&n2.key_id()).into()), ("compromised_since", 3.into())]);
    let e = draft(&owner, "rotate", b).sign(&n, None, &AUX).unwrap();
    push(&mut owner, e);
    let r = bundle(&[&thief, &owner]);
    assert_eq!(r.status(), Status::Valid, "{}", r.verification.reason);
    let st = r.state.as_ref().unwrap();
    assert_eq!(st.primary, n.key_id());
    assert_eq!(r.superseded.len(), 1);
    let sup = &r.superseded[0];
    assert_eq!((sup.seq, sup.winner.as_str(), sup.hash.as_str()), (3, owner.head.hash.as_str(), thief.events[3].hash().as_str()));
    assert_eq!(sup.head, thief.head.hash);
    assert_eq!(r.verification.evidence["superseded"][0]["head"], thief.head.hash.as_str());
    assert_eq!(status(&early, &r), (Status::Valid, None));
    assert_eq!(status(&stolen, &r).1, Some(Code::NotInChain));
    // d2 was revoked only on the superseded branch (since seq 4): its later claims never count,
    // and it cannot log in.
    let mut later = owner.clone();
    let dc = add(&mut later, &d2, "dns:late.example");
    let r2 = bundle(&[&thief, &later]);
    assert_eq!(status(&dc, &r2), (Status::Revoked, Some(Code::DeviceRevoked)));
    let login = Login::sign(&d2, &owner.identity, "svc", &[1; 16], T, T + 60, &AUX).unwrap();
    assert_eq!(login.accept("svc", T, &r2).unwrap_err().code, Code::DeviceRevoked);
    // The same events in any order, merged from sources, resolve the same way.
    let mut events: Vec<Event> = later.events.iter().chain(thief.events.iter()).rev().cloned().collect();
    events.extend(thief.events.iter().cloned());
    let merged = resolve_event_set(events, T);
    assert_eq!(merged.status(), Status::Valid);
    assert_eq!(merged.superseded, r2.superseded);
    assert_eq!(merged.state.unwrap().head, later.head);
}

#[test]
fn primary_beats_a_device_and_two_devices_stay_a_fork() {
    let (p, n, d, e) = (key(1), key(2), key(3), key(4));
    let mut base = genesis(&p, &n);
    add_device(&mut base, &p, &d);
    add_device(&mut base, &p, &e);
    let (mut by_d, mut by_p, mut by_e) = (base.clone(), base.clone(), base.clone());
    add(&mut by_d, &d, "github:d");
    add(&mut by_p, &p, "github:p");
    add(&mut by_e, &e, "github:e");
    let r = bundle(&[&by_d, &by_p]);
    assert_eq!(r.status(), Status::Valid);
    assert_eq!(r.state.unwrap().head, by_p.head);
    let r = bundle(&[&by_d, &by_e]);
    assert_eq!(r.status(), Status::Fork);
    assert_eq!(r.fork.len(), 2);
    assert_eq!(r.state.unwrap().head, base.head, "a fork's state is the state before it");
    // A device branch that a rival branch revokes loses to it even when the rival comes later.
    let mut revoker = base.clone();
    add(&mut revoker, &e, "github:e2");
    let e = draft(&revoker, "revoke_device", body(&[("device", id(&d))])).sign(&p, None, &AUX).unwrap();
    push(&mut revoker, e);
    let r = bundle(&[&by_d, &revoker]);
    assert_eq!(r.status(), Status::Valid);
    assert_eq!(r.state.unwrap().head, revoker.head);
}

#[test]
fn an_ordinary_rotation_beats_a_recovery_by_the_same_key() {
    let (p, n, n2, n3) = (key(1), key(2), key(3), key(4));
    let base = genesis(&p, &n);
    let (mut ordinary, mut recovery) = (base.clone(), base.clone());
    let b = body(&[("new_key", id(&n)), ("next", commitment(&n2.key_id()).into())]);
    let e = draft(&base, "rotate", b).sign(&p, Some(&n), &AUX).unwrap();
    push(&mut ordinary, e);
    let b = body(&[("new_key", id(&n)), ("next", commitment(&n3.key_id()).into())]);
    let e = draft(&base, "rotate", b).sign(&n, None, &AUX).unwrap();
    push(&mut recovery, e);
    let r = bundle(&[&ordinary, &recovery]);
    assert_eq!(r.status(), Status::Valid);
    assert_eq!(r.state.unwrap().next, Some(commitment(&n2.key_id())));
}

#[test]
fn rotation_forms_and_compromise() {
    let (p, n, n2, d, x) = (key(1), key(2), key(3), key(4), key(5));
    let mut s = genesis(&p, &n);
    let c1 = add(&mut s, &p, "github:one");
    add_device(&mut s, &p, &d);
    let c3 = add(&mut s, &p, "github:three");
    let rot = |b: Map<String, Value>| draft(&s, "rotate", b);
    let nk = || body(&[("new_key", id(&n)), ("next", commitment(&n2.key_id()).into())]);
    // Recovery with a reverse, ordinary without one, a stranger, an out-of-range declaration.
    assert_eq!(rot(nk()).sign(&n, Some(&n), &AUX).err().map(|e| e.code), Some(Code::Malformed), "structure, whatever the state");
    assert_eq!(code_of(&s, &rot(nk()).sign(&p, None, &AUX).unwrap()), Code::Malformed);
    assert_eq!(code_of(&s, &rot(nk()).sign(&x, Some(&n), &AUX).unwrap()), Code::NotAuthorized);
    let mut over = nk();
    over.insert("compromised_since".into(), 5.into());
    assert_eq!(rot(over).sign(&p, Some(&n), &AUX).err().map(|e| e.code), Some(Code::Malformed));
    // Rotating back to a used key: bad_key (before the commitment check).
    assert_eq!(code_of(&s, &rot(body(&[("new_key", id(&d))])).sign(&p, Some(&d), &AUX).unwrap()), Code::BadKey);
    let mut declared = nk();
    declared.insert("compromised_since".into(), 2.into());
    let e = rot(declared).sign(&p, Some(&n), &AUX).unwrap();
    push(&mut s, e);
    assert!(s.devices.is_empty(), "the device the old primary added at seq 2 goes with it");
    let r = bundle(&[&s]);
    assert_eq!(status(&c1, &r), (Status::Valid, None), "claims before the declaration stay valid");
    assert_eq!(status(&c3, &r), (Status::Revoked, Some(Code::KeyCompromised)));
    let login = Login::sign(&d, &s.identity, "svc", &[1; 16], T, T + 60, &AUX).unwrap();
    assert_eq!(login.accept("svc", T, &r).unwrap_err().code, Code::KeyCompromised);
    // The old primary has a retirement too: its code, not key_rotated (§7).
    let login = Login::sign(&p, &s.identity, "svc", &[2; 16], T, T + 60, &AUX).unwrap();
    assert_eq!(login.accept("svc", T, &r).unwrap_err().code, Code::KeyCompromised);
    // Without a commitment there is no recovery.
    let mut bare = s.clone();
    let e = draft(&bare, "rotate", body(&[("new_key", id(&n2))])).sign(&n, Some(&n2), &AUX).unwrap();
    push(&mut bare, e);
    assert_eq!(code_of(&bare, &draft(&bare, "rotate", body(&[("new_key", id(&x))])).sign(&x, None, &AUX).unwrap()), Code::NotAuthorized);
}

#[test]
fn v02_events_keep_their_meaning() {
    let (p, n, n2, d) = (key(1), key(2), key(3), key(4));
    let mut s = genesis(&p, &n);
    let c = ClaimDraft { identity: &s.identity, seq: 1, subject: "github:old", created_at: T, expires_at: None, locators: &[] }
        .sign_as(Version::V02, &p, &AUX)
        .unwrap();
    let e = draft(&s, "add", body(&[("claim", Value::Object(c.object.clone()))])).sign_as(Version::V02, &p, None, &AUX).unwrap();
    push(&mut s, e);
    // v0.3-only members and forms in a v0.2 event are malformed.
    let b = body(&[("new_key", id(&n)), ("compromised_since", 1.into())]);
    assert_eq!(draft(&s, "rotate", b).sign_as(Version::V02, &p, Some(&n), &AUX).err().map(|e| e.code), Some(Code::Malformed));
    let b = body(&[("new_key", id(&n))]);
    assert_eq!(draft(&s, "rotate", b.clone()).sign_as(Version::V02, &n, None, &AUX).err().map(|e| e.code), Some(Code::Malformed));
    // A v0.2 rotate signed by its new_key (with a reverse) is the recovery form: malformed (§6.3).
    assert_eq!(draft(&s, "rotate", b).sign_as(Version::V02, &n, Some(&n), &AUX).err().map(|e| e.code), Some(Code::Malformed));
    add_device(&mut s, &p, &d);
    let dc = add(&mut s, &d, "github:dev");
    let e = draft(&s, "revoke_device", body(&[("device", id(&d))])).sign_as(Version::V02, &p, None, &AUX).unwrap();
    push(&mut s, e);
    let b = body(&[("new_key", id(&n)), ("next", commitment(&n2.key_id()).into())]);
    let e = draft(&s, "rotate", b).sign_as(Version::V02, &p, Some(&n), &AUX).unwrap();
    push(&mut s, e);
    let r = bundle(&[&s]);
    assert_eq!(r.status(), Status::Valid);
    assert_eq!(status(&c, &r), (Status::Revoked, Some(Code::KeyRotated)));
    assert_eq!(status(&dc, &r), (Status::Revoked, Some(Code::DeviceRevoked)));
}

#[test]
fn device_requests() {
    let (p, n, d) = (key(1), key(2), key(3));
    let mut s = genesis(&p, &n);
    let with = |s: &State, req: &DeviceRequest, name: Option<&str>, at: u64| {
        let mut b = body(&[("device", id(&d)), ("request", Value::Object(req.object.clone()))]);
        if let Some(n) = name {
            b.insert("name".into(), n.into());
        }
        let mut dr = draft(s, "add_device", b);
        dr.created_at = at;
        dr.sign(&p, None, &AUX)
    };
    let req = DeviceRequest::sign(&d, &s.identity, Some("phone"), T, &AUX).unwrap();
    assert_eq!(code_of(&s, &with(&s, &req, None, T).unwrap()), Code::BadReverse, "name differs");
    assert_eq!(code_of(&s, &with(&s, &req, Some("phone"), T + 604_801).unwrap()), Code::BadReverse, "too old");
    let other = DeviceRequest::sign(&d, &format!("kez:id:{}", "ab".repeat(32)), Some("phone"), T, &AUX).unwrap();
    assert_eq!(code_of(&s, &with(&s, &other, Some("phone"), T).unwrap()), Code::BadReverse, "another identity");
    let mut forged = req.object.clone();
    forged.insert("created_at".into(), (T - 1).into());
    let forged = DeviceRequest { object: forged, ..req.clone() };
    assert_eq!(code_of(&s, &with(&s, &forged, Some("phone"), T).unwrap()), Code::BadReverse, "bad request signature");
    // Both reverse and request, a v0.2 request, a request in a v0.2 event: malformed.
    let mut both = body(&[("device", id(&d)), ("request", Value::Object(req.object.clone())), ("reverse", "00".repeat(64).into())]);
    both.insert("name".into(), "phone".into());
    assert_eq!(draft(&s, "add_device", both).sign(&p, None, &AUX).err().map(|e| e.code), Some(Code::Malformed));
    let mut old = req.object.clone();
    old.insert("kez".into(), "0.2".into());
    assert_eq!(DeviceRequest::from_object(old).err().map(|e| e.code), Some(Code::Malformed));
    let b = body(&[("device", id(&d)), ("name", "phone".into()), ("request", Value::Object(req.object.clone()))]);
    assert_eq!(draft(&s, "add_device", b).sign_as(Version::V02, &p, None, &AUX).err().map(|e| e.code), Some(Code::Malformed));
    let e = with(&s, &req, Some("phone"), T + 604_800).unwrap();
    push(&mut s, e);
    assert_eq!(s.devices[0].key, d.key_id());
    assert_eq!(bundle(&[&s]).status(), Status::Valid);
}

#[test]
fn fork_bounds() {
    let (p, n) = (key(1), key(2));
    let base = genesis(&p, &n);
    let branches: Vec<State> = (0..5)
        .map(|i| {
            let mut s = base.clone();
            add(&mut s, &p, &format!("github:b{i}"));
            s
        })
        .collect();
    let refs: Vec<&State> = branches.iter().collect();
    assert_eq!(bundle(&refs[..4]).status(), Status::Fork);
    assert_eq!(bundle(&refs).verification.code, Some(Code::TooLarge));
}

#[test]
fn short_proofs_in_text() {
    let hex = "0123456789abcdef".repeat(4);
    let id = format!("kez:id:{hex}");
    let found = find_short_proofs(&format!("me: https://sig.example.com/{id}, also {id}.")).unwrap();
    let home = Some("https://sig.example.com".to_string());
    assert_eq!(found, vec![ShortProof { identity: id.clone(), home: home.clone() }, ShortProof { identity: id.clone(), home: None }]);
    assert_eq!(identities(&found), vec![(id.clone(), vec!["https://sig.example.com".to_string()])]);
    // Mentions that are not proofs are skipped silently.
    for text in [format!("x{id}"), format!("{id}0"), format!("kez:id:{}", hex.to_uppercase()), "kez:id:abc".to_string()] {
        assert_eq!(find_short_proofs(&text).unwrap(), vec![], "{text}");
    }
    // A home run that is not a home is refused, not cut.
    for bad in ["https://sig.example.com/path/", "HTTPS://sig.example.com/", "xhttps://a.example/", "/", "https://a.example:0/"] {
        assert_eq!(find_short_proofs(&format!("{bad}{id}")).unwrap_err().code, Code::Malformed, "{bad}");
    }
    let long = format!("https://{}.example/{id}", "a".repeat(40));
    assert_eq!(find_short_proofs(&long).unwrap_err().code, Code::Malformed);
    let many: String = (0..10).map(|i| format!("kez:id:{:064x} ", i)).collect();
    assert_eq!(find_short_proofs(&many).unwrap().len(), 8);
    // Rule 3 counts occurrences, not identities: the 9th occurrence is ignored, even a bad home.
    let repeated = format!("{}{id} https://bad.example/p/{id}", format!("{id} ").repeat(8));
    assert_eq!(find_short_proofs(&repeated).unwrap(), vec![ShortProof { identity: id.clone(), home: None }]);
    let link = format_short_proof(&id, Some("https://sig.example.com")).unwrap();
    assert!(link.len() <= 120);
    assert_eq!(find_short_proofs(&link).unwrap()[0].identity, id);
    assert_eq!(format_short_proof(&id, None).unwrap().len(), 71);
    assert!(format_short_proof(&id, Some("https://sig.example.com/x")).is_err());
}

#[test]
fn judging_a_short_proof() {
    let (p, n) = (key(1), key(2));
    let mut s = genesis(&p, &n);
    add(&mut s, &p, "github:alice");
    let r = bundle(&[&s]);
    let judge = |owner: &str, r: &ChainResult| judge_short_proof(&s.identity, owner, None, r, T);
    assert_eq!(judge("github:alice", &r).status, Status::Valid);
    assert_eq!(judge("github:bob", &r).code, Some(Code::NotClaimed));
    assert_eq!(judge("github:alice", &verify_bundle(b"", T)).code, Some(Code::NoChain));
    assert_eq!(judge_short_proof(&format!("kez:id:{}", "00".repeat(32)), "github:alice", None, &r, T).code, Some(Code::IdentityMismatch));
    let (mut a, mut b) = (s.clone(), s.clone());
    add(&mut a, &p, "github:a");
    add(&mut b, &p, "github:b");
    assert_eq!(judge("github:alice", &bundle(&[&a, &b])).status, Status::Fork);
}

#[test]
fn resolution_ignores_line_order() {
    let (p, n, d) = (key(1), key(2), key(3));
    let mut base = genesis(&p, &n);
    add_device(&mut base, &p, &d);
    let (mut by_d, mut by_p) = (base.clone(), base.clone());
    add(&mut by_d, &d, "github:d");
    add(&mut by_d, &d, "github:d2");
    add(&mut by_p, &p, "github:p");
    let canonical = export_bundle(by_d.events.iter().chain(by_p.events.iter()).map(|e| &e.object));
    // The same lines with the two seq-2 events swapped (seqs still non-decreasing).
    let mut lines: Vec<&str> = canonical.lines().collect();
    lines.swap(2, 3);
    let swapped: String = lines.iter().map(|l| format!("{l}\n")).collect();
    assert_ne!(swapped, canonical);
    let (a, b) = (verify_bundle(canonical.as_bytes(), NOW), verify_bundle(swapped.as_bytes(), NOW));
    assert_eq!(a.status(), Status::Valid);
    assert_eq!((a.state.unwrap().head, a.superseded.clone()), (b.state.unwrap().head, b.superseded));
    assert_eq!(a.superseded[0].head, by_d.head.hash, "the superseded branch's last event");
}

#[test]
fn short_proof_homes_hostile() {
    let id = format!("kez:id:{}", "ab".repeat(32));
    let found = find_short_proofs(&format!("http://127.0.0.1:8080/{id} and https://sig.example.com/{id}")).unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(identities(&found), vec![(id.clone(), vec!["http://127.0.0.1:8080".to_string(), "https://sig.example.com".to_string()])]);
    for bad in
        ["https://sig.example.com:/", "https:///", "wss://relay.example/", "https://sig%2Eexample.com/", "https://sig.example.com?x/"]
    {
        assert!(find_short_proofs(&format!("see {bad}{id}")).is_err(), "{bad}");
    }
    // Non-ASCII before the run ends it; text around a proof may be anything.
    let found = find_short_proofs(&format!("é🙂https://sig.example.com/{id}🙂")).unwrap();
    assert_eq!(found[0].home.as_deref(), Some("https://sig.example.com"));
}
