//! The Rust `kez` binary against the CLI contract: store layout and modes, exit codes,
//! --json documents, secrets kept out of output, and the local sigchain round trip.
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const NOW: &str = "1760000000";

struct Home(PathBuf);

impl Home {
    fn new(tag: &str) -> Home {
        let dir = std::env::temp_dir().join(format!("kez-cli-test-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Home(dir)
    }

    fn kez(&self, args: &[&str]) -> Output {
        self.kez_stdin(args, None)
    }

    fn kez_stdin(&self, args: &[&str], stdin: Option<&str>) -> Output {
        self.kez_at(NOW, args, stdin)
    }

    fn kez_at(&self, now: &str, args: &[&str], stdin: Option<&str>) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kez"))
            .arg("--home")
            .arg(&self.0)
            .args(["--now", now])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut pipe = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            pipe.write_all(text.as_bytes()).unwrap();
        }
        drop(pipe);
        child.wait_with_output().unwrap()
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("one JSON document on stdout ({e}): {}", stdout(o)))
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn keys_store_layout_and_secrets() {
    let h = Home::new("keys");
    let out = h.kez(&["key", "gen"]);
    assert_eq!(out.status.code(), Some(0));
    let id = stdout(&out).trim().to_string();
    assert!(id.starts_with("nostr:npub1"), "{id}");
    assert_eq!(mode(&h.path("keys/default.json")), 0o600);
    assert_eq!(mode(&h.0), 0o700);
    let rec: serde_json::Value = serde_json::from_slice(&std::fs::read(h.path("keys/default.json")).unwrap()).unwrap();
    let secret = rec["secret"].as_str().unwrap().to_string();
    assert!(!stdout(&out).contains(&secret) && !String::from_utf8_lossy(&out.stderr).contains(&secret));
    // Refuses to overwrite: a local problem (8), with a JSON error document under --json.
    let again = h.kez(&["--json", "key", "gen"]);
    assert_eq!(again.status.code(), Some(8));
    assert_eq!(json(&again)["error"]["code"], "key_exists");
    // The secret only with --secret.
    assert!(!stdout(&h.kez(&["key", "show"])).contains(&secret));
    assert!(stdout(&h.kez(&["key", "show", "--secret"])).contains(&secret));
    // Import from stdin, never argv; a bad secret is a usage error that does not echo it.
    let seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    let imp = h.kez_stdin(&["key", "import", "--alg", "ed25519", "--name", "rfc"], Some(seed));
    assert_eq!(stdout(&imp).trim(), "ed25519:d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    let bad = h.kez_stdin(&["key", "import", "--alg", "ed25519", "--name", "bad"], Some("zz-not-a-secret"));
    assert_eq!(bad.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&bad.stderr).contains("zz-not-a-secret"));
    let list = json(&h.kez(&["--json", "key", "list"]));
    assert_eq!(list["keys"].as_array().unwrap().len(), 2);
    // A key file readable by others is refused.
    std::fs::set_permissions(h.path("keys/rfc.json"), std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(h.kez(&["key", "show", "rfc"]).status.code(), Some(8));
}

#[test]
fn usage_errors_exit_2() {
    let h = Home::new("usage");
    assert_eq!(h.kez(&["frobnicate"]).status.code(), Some(2));
    let out = h.kez(&["--json", "claim", "verify"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(json(&out)["error"].is_object());
    assert_eq!(h.kez(&["key", "gen", "--alg", "rsa"]).status.code(), Some(2));
    // No identity yet: a local problem.
    assert_eq!(h.kez(&["sigchain", "add", "github:x"]).status.code(), Some(8));
}

#[test]
fn claims_and_chain_round_trip_with_exit_codes() {
    let h = Home::new("chain");
    assert_eq!(h.kez(&["key", "gen", "--alg", "ed25519"]).status.code(), Some(0));
    let init = json(&h.kez(&["--json", "sigchain", "init"]));
    let identity = init["identity"].as_str().unwrap().to_string();
    assert!(h.path("keys/default.next.json").exists(), "pre-rotation key stored");
    let claim_file = h.path("c.json");
    let made = h.kez(&["--json", "claim", "GitHub:Alice", "--format", "json", "--out", claim_file.to_str().unwrap()]);
    assert_eq!(json(&made)["subject"], "github:alice");
    let bundle = h.path("b.jsonl");
    h.kez(&["sigchain", "export", "--out", bundle.to_str().unwrap()]);
    let stored = std::fs::read(h.path(&format!("chains/{}.jsonl", identity.trim_start_matches("kez:id:")))).unwrap();
    assert_eq!(std::fs::read(&bundle).unwrap(), stored, "export is the stored bundle");
    let v = h.kez(&["--json", "claim", "verify", claim_file.to_str().unwrap(), "--chain", bundle.to_str().unwrap()]);
    assert_eq!((v.status.code(), json(&v)["status"].clone()), (Some(0), "valid".into()));
    // Offline: valid, but says the chain was not consulted.
    let off = json(&h.kez(&["--json", "claim", "verify", claim_file.to_str().unwrap()]));
    assert_eq!(off["chain_consulted"], false);
    // One byte changed: invalid (1).
    let text = std::fs::read_to_string(&claim_file).unwrap().replace("github:alice", "github:alicf");
    std::fs::write(h.path("t.json"), text).unwrap();
    let t = h.kez(&["--json", "claim", "verify", h.path("t.json").to_str().unwrap()]);
    assert_eq!((t.status.code(), json(&t)["code"].clone()), (Some(1), "bad_signature".into()));
    // Revoked against the chain (4); expired (5).
    h.kez(&["sigchain", "revoke", "github:alice"]);
    h.kez(&["sigchain", "export", "--out", bundle.to_str().unwrap()]);
    let r = h.kez(&["claim", "verify", claim_file.to_str().unwrap(), "--chain", bundle.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(4));
    let exp = h.path("e.md");
    h.kez(&["claim", "dns:example.com", "--expires-at", "1800000100", "--out", exp.to_str().unwrap()]);
    let e = h.kez(&["--now", "1800000200", "claim", "verify", exp.to_str().unwrap()]);
    assert_eq!(e.status.code(), Some(5));
    // Rotation keeps the old key as NAME.old-<seq> and a new NAME.next.
    let rot = json(&h.kez(&["--json", "sigchain", "rotate"]));
    let seq = rot["seq"].as_u64().unwrap();
    assert!(h.path(&format!("keys/default.old-{seq}.json")).exists());
    assert!(h.path("keys/default.next.json").exists());
    let show = json(&h.kez(&["--json", "sigchain", "show"]));
    assert_eq!(show["status"], "valid");
    assert_eq!(show["primary"], rot["primary"]);
    // A bundle that is not a chain: invalid, and import refuses it with that status.
    std::fs::write(h.path("junk.jsonl"), "{\"a\":1}\n").unwrap();
    assert_eq!(h.kez(&["sigchain", "verify", h.path("junk.jsonl").to_str().unwrap()]).status.code(), Some(1));
    assert_eq!(h.kez(&["sigchain", "import", h.path("junk.jsonl").to_str().unwrap()]).status.code(), Some(1));
}

/// ESC/CSI/OSC, BEL, CR, backspace, DEL, a C1 control and bidi controls, as a chain may carry them.
const HOSTILE: &str = "\x1b[2K\r\x1b]0;t\x07\x08\x7f\u{9b}\u{202e}\u{2066}\u{200f}\u{61c}ok";

#[test]
fn sigchain_show_escapes_what_the_chain_carries() {
    let h = Home::new("terminal");
    assert_eq!(h.kez(&["key", "gen", "--alg", "ed25519"]).status.code(), Some(0));
    assert_eq!(h.kez(&["key", "gen", "--alg", "ed25519", "--name", "laptop"]).status.code(), Some(0));
    assert_eq!(h.kez(&["sigchain", "init"]).status.code(), Some(0));
    assert_eq!(h.kez(&["sigchain", "add", "github:alice"]).status.code(), Some(0));
    assert_eq!(h.kez(&["sigchain", "revoke", "github:alice", "--reason", HOSTILE]).status.code(), Some(0));
    assert_eq!(h.kez(&["sigchain", "add-device", "laptop", "--device-name", HOSTILE]).status.code(), Some(0));
    let human = stdout(&h.kez(&["sigchain", "show"]));
    let raw_controls: Vec<char> = human
        .chars()
        .filter(|&c| (c < ' ' && c != '\n') || ('\u{7f}'..='\u{9f}').contains(&c) || "\u{202e}\u{2066}\u{200f}\u{61c}".contains(c))
        .collect();
    assert!(raw_controls.is_empty(), "raw controls reach the terminal: {raw_controls:?} in {human}");
    let shown = "\\x1b[2K\\x0d\\x1b]0;t\\x07\\x08\\x7f\\x9b\\u202e\\u2066\\u200f\\u061cok";
    assert_eq!(human.matches(shown).count(), 2, "device name and revoke reason shown escaped: {human}");
    let doc = json(&h.kez(&["--json", "sigchain", "show"]));
    assert_eq!(doc["devices"][0]["name"], HOSTILE, "--json keeps the exact text");
    assert_eq!(doc["claims"][0]["revoked_reason"], HOSTILE);
}

/// Nothing a failing command does costs the chain anything; nothing is signed at a time that
/// verifiers reject; a second live claim for a subject needs --force (as the TypeScript CLI).
#[test]
fn safe_by_construction() {
    let h = Home::new("safe");
    assert!(h.kez(&["key", "gen"]).status.success());
    assert!(h.kez(&["sigchain", "init"]).status.success());
    let chain = || stdout(&h.kez(&["sigchain", "export"]));
    let before = chain();

    let bad_out = h.path("missing/x.md");
    let r = h.kez(&["claim", "github:bob", "--out", bad_out.to_str().unwrap()]);
    assert_ne!(r.status.code(), Some(0));
    assert_eq!(chain(), before, "a failed --out appended the claim");

    let ahead = (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 3600).to_string();
    for args in [&["sigchain", "add", "github:later"][..], &["claim", "github:later"], &["sigchain", "rotate"]] {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let r = h.kez_at(&ahead, &all, None);
        assert_eq!(r.status.code(), Some(2), "{args:?}");
        assert_eq!(json(&r)["error"]["code"], "future_signing_time");
        assert_eq!(chain(), before, "{args:?} signed at a future --now");
    }

    assert!(h.kez(&["sigchain", "add", "github:dup"]).status.success());
    let with_one = chain();
    for cmd in [&["sigchain", "add"][..], &["claim"]] {
        let mut all = vec!["--json"];
        all.extend_from_slice(cmd);
        all.push("github:dup");
        let r = h.kez(&all);
        assert_eq!(r.status.code(), Some(2), "{cmd:?}");
        assert_eq!(json(&r)["error"]["code"], "duplicate");
        assert!(json(&r)["error"]["hint"].as_str().unwrap().contains("--force"));
        assert_eq!(chain(), with_one);
    }
    assert!(h.kez(&["sigchain", "add", "github:dup", "--force"]).status.success());
    assert_ne!(chain(), with_one);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The union of two bundles, ordered by seq (SPEC §6.5 needs only non-decreasing seqs).
fn union(a: &str, b: &str) -> String {
    let mut lines: Vec<&str> = a.lines().chain(b.lines()).collect();
    lines.sort_by_key(|l| (serde_json::from_str::<serde_json::Value>(l).unwrap()["seq"].as_u64(), l.to_string()));
    lines.dedup();
    lines.iter().map(|l| format!("{l}\n")).collect()
}

#[test]
fn recovery_wins_back_a_stolen_primary() {
    let owner = Home::new("recover-owner");
    assert!(owner.kez(&["key", "gen", "--name", "main"]).status.success());
    assert!(owner.kez(&["sigchain", "init"]).status.success());
    assert!(owner.kez(&["sigchain", "add", "github:alice"]).status.success());
    // The thief holds a copy of the primary (not the committed key) and signs at seq 2.
    let thief = Home::new("recover-thief");
    copy_dir(&owner.0, &thief.0);
    std::fs::remove_file(thief.path("keys/main.next.json")).unwrap();
    assert!(thief.kez(&["sigchain", "add", "github:thief"]).status.success());
    // The owner lost the primary: the committed key alone recovers.
    std::fs::remove_file(owner.path("keys/main.json")).unwrap();
    assert_eq!(json(&owner.kez(&["--json", "sigchain", "rotate"]))["error"]["code"], "no_key");
    let r = json(&owner.kez(&["--json", "sigchain", "recover", "--compromised-since", "2"]));
    assert_eq!((r["recovery"].as_bool(), r["seq"].as_u64(), r["old"]["name"].is_null()), (Some(true), Some(2), true));
    let bundle = |h: &Home| stdout(&h.kez(&["sigchain", "export"]));
    let merged = owner.path("merged.jsonl");
    std::fs::write(&merged, union(&bundle(&owner), &bundle(&thief))).unwrap();
    let v = json(&owner.kez(&["--json", "sigchain", "verify", merged.to_str().unwrap()]));
    assert_eq!(v["status"], "valid");
    assert_eq!(v["superseded"].as_array().unwrap().len(), 1);
    assert_eq!(v["superseded"][0]["seq"], 2);
    assert_eq!(v["evidence"]["superseded"], v["superseded"]);
    // Importing the merged events keeps the superseded branch; the next event extends the winner.
    assert!(owner.kez(&["sigchain", "import", merged.to_str().unwrap()]).status.success());
    assert!(owner.kez(&["sigchain", "add", "dns:example.com"]).status.success());
    let after = json(&owner.kez(&["--json", "sigchain", "show"]));
    assert_eq!((after["events"].as_u64(), after["head"]["seq"].as_u64()), (Some(5), Some(3)));
    // The short proof for alice still checks out through the recovered chain; bob is not claimed.
    let proof = stdout(&owner.kez(&["claim", "show", "github:alice", "--format", "short"]));
    let exported = owner.path("final.jsonl");
    std::fs::write(&exported, bundle(&owner)).unwrap();
    let judge = |subject: &str| {
        owner.kez(&["--json", "verify", "short", proof.trim(), "--subject", subject, "--bundle", exported.to_str().unwrap()])
    };
    assert_eq!(json(&judge("github:Alice"))["status"], "valid");
    let bob = judge("github:bob");
    assert_eq!((json(&bob)["code"].as_str(), bob.status.code()), (Some("not_claimed"), Some(3)));
    // The alias: `claim verify FILE --chain BUNDLE --subject SUBJECT` on a file holding the proof
    // (and on stdin) gives the same document and exit code.
    let file = owner.path("proof.txt");
    std::fs::write(&file, format!("my KEZ: {proof}")).unwrap();
    let (chain, file) = (exported.to_str().unwrap(), file.to_str().unwrap());
    for subject in ["github:alice", "github:bob"] {
        let short = judge(subject);
        let alias = owner.kez(&["--json", "claim", "verify", file, "--chain", chain, "--subject", subject]);
        assert_eq!((json(&alias), alias.status.code()), (json(&short), short.status.code()), "{subject}");
        let piped = owner.kez_stdin(&["--json", "claim", "verify", "-", "--chain", chain, "--subject", subject], Some(&proof));
        assert_eq!(json(&piped), json(&short), "{subject} from stdin");
    }
    let no_chain = owner.kez(&["--json", "claim", "verify", file, "--subject", "github:alice"]);
    assert_eq!((json(&no_chain)["error"]["code"].as_str(), no_chain.status.code()), (Some("no_chain"), Some(2)));
    // A signed claim with --subject is still verified as a claim.
    let md = owner.path("claim.md");
    std::fs::write(&md, stdout(&owner.kez(&["claim", "show", "github:alice"]))).unwrap();
    let c = json(&owner.kez(&["--json", "claim", "verify", md.to_str().unwrap(), "--chain", chain, "--subject", "github:alice"]));
    assert_eq!((c["status"].as_str(), c["chain_consulted"].as_bool()), (Some("valid"), Some(true)));
}

#[test]
fn device_request_and_short_proof_link() {
    let primary = Home::new("req-primary");
    let device = Home::new("req-device");
    assert!(primary.kez(&["key", "gen", "--name", "main"]).status.success());
    let id = stdout(&primary.kez(&["sigchain", "init"])).lines().next().unwrap().to_string();
    let req = json(&device.kez(&["--json", "sigchain", "request-device", "--identity", &id, "--name", "phone", "--key", "phone"]));
    assert_eq!(req["identity"], id.as_str());
    let text = req["request"].as_str().unwrap();
    assert!(text.starts_with("kez:z1:"));
    // Approved from stdin; a second approval of the same key is refused by the chain rules.
    let ok = json(&primary.kez_stdin(&["--json", "sigchain", "approve-device", "-"], Some(text)));
    assert_eq!((ok["device"].as_str(), ok["name"].as_str(), ok["seq"].as_u64()), (req["key"].as_str(), Some("phone"), Some(1)));
    let again = primary.kez(&["--json", "sigchain", "approve-device", text]);
    assert_eq!((json(&again)["error"]["code"].as_str(), again.status.code()), (Some("bad_key"), Some(1)));
    // A request for another identity cannot be approved.
    let other = json(&device.kez(&["--json", "sigchain", "request-device", "--identity", &format!("kez:id:{}", "ab".repeat(32))]));
    let refused = primary.kez(&["--json", "sigchain", "approve-device", other["request"].as_str().unwrap()]);
    assert_eq!(json(&refused)["error"]["code"], "bad_reverse");
    // With a sig-server home in the store, the short proof is the link form, within 120 bytes.
    let config: serde_json::Value = serde_json::from_slice(&std::fs::read(primary.path("config.json")).unwrap()).unwrap();
    let mut config = config.as_object().unwrap().clone();
    config.insert("homes".into(), serde_json::json!(["wss://relay.damus.io", "https://sig.example.com"]));
    std::fs::write(primary.path("config.json"), serde_json::to_string(&config).unwrap()).unwrap();
    let short = stdout(&primary.kez(&["claim", "github:alice", "--format", "short"]));
    assert_eq!(short, format!("https://sig.example.com/{id}\n"));
    assert!(short.trim().len() <= 120);
    // Writing the config again keeps the homes.
    assert!(primary.kez(&["key", "gen", "--name", "spare"]).status.success());
    assert!(std::fs::read_to_string(primary.path("config.json")).unwrap().contains("https://sig.example.com"));
}

#[test]
fn homes_recorded_at_init_and_named_by_claims() {
    let h = Home::new("homes");
    assert!(h.kez(&["key", "gen"]).status.success());
    let bad = h.kez(&["--json", "sigchain", "init", "--sig-server", "ftp://x.example"]);
    assert_eq!((json(&bad)["error"]["code"].as_str(), bad.status.code()), (Some("bad_url"), Some(2)));
    let bad = h.kez(&["--json", "sigchain", "init", "--sig-server", "https://Sig.example"]);
    assert_eq!(json(&bad)["error"]["code"], "bad_url");
    // The default relays, then each sig-server (a lone trailing "/" dropped), each once.
    let init = json(&h.kez(&["--json", "sigchain", "init", "--sig-server", "https://sig.example.com/", "--sig-server", "wss://nos.lol"]));
    let want = serde_json::json!(["wss://relay.damus.io", "wss://nos.lol", "https://sig.example.com"]);
    assert_eq!(init["homes"], want);
    assert!(init["next_key_path"].as_str().unwrap().ends_with("/keys/default.next.json"));
    let config = std::fs::read_to_string(h.path("config.json")).unwrap();
    let id = init["identity"].as_str().unwrap();
    assert_eq!(
        config,
        format!(
            "{{\n  \"default_key\": \"default\",\n  \"identity\": \"{id}\",\n  \"homes\": [\n    \"wss://relay.damus.io\",\n    \"wss://nos.lol\",\n    \"https://sig.example.com\"\n  ]\n}}\n"
        )
    );
    assert_eq!(json(&h.kez(&["--json", "sigchain", "homes"])), serde_json::json!({ "identity": id, "homes": want }));
    // Claims name the homes unless --locator is given.
    let c = json(&h.kez(&["--json", "claim", "github:alice", "--format", "json"]));
    assert_eq!(c["claim"]["locators"], want);
    assert!(c["next_step"].as_str().unwrap().contains("kez sigchain publish"));
    let c = json(&h.kez(&["--json", "sigchain", "add", "github:bob", "--locator", "https://other.example"]));
    assert_eq!(c["claim"]["locators"], serde_json::json!(["https://other.example"]));
    let short = json(&h.kez(&["--json", "claim", "github:carol", "--format", "short"]));
    assert_eq!(short["text"], format!("https://sig.example.com/{id}\n"));
    // Editing: removals first, then additions; an unknown home is refused.
    let edited = json(&h.kez(&["--json", "sigchain", "homes", "--remove", "https://sig.example.com", "--add", "http://127.0.0.1:8080"]));
    assert_eq!(edited["homes"], serde_json::json!(["wss://relay.damus.io", "wss://nos.lol", "http://127.0.0.1:8080"]));
    let missing = h.kez(&["--json", "sigchain", "homes", "--remove", "https://sig.example.com"]);
    assert_eq!((json(&missing)["error"]["code"].as_str(), missing.status.code()), (Some("no_home"), Some(2)));
    let adds: Vec<String> = (0..6).map(|i| format!("https://s{i}.example")).collect();
    let mut args = vec!["--json", "sigchain", "homes"];
    for a in &adds {
        args.extend(["--add", a.as_str()]);
    }
    assert_eq!(json(&h.kez(&args))["error"]["code"], "too_many_homes");
    let short = json(&h.kez(&["--json", "claim", "github:dave", "--format", "short"]));
    assert_eq!(short["text"], format!("http://127.0.0.1:8080/{id}\n"));
}
