//! kez sigchain init | add | revoke | rotate | add-device | revoke-device | show | export | import | verify
use crate::chain_summary::{render, summarize};
use crate::env::{generate, random32, read_input, write_user_file, Env, BUNDLE_LIMIT};
use crate::homes;
use crate::local_chain::{self as lc, LocalChain};
use crate::outcome::{CliError, CliResult, Outcome};
use kez_core::chain::{export_bundle, head_json, verify_bundle, ChainResult, State};
use kez_core::event::EventDraft;
use kez_core::keys::{commitment, KeyId};
use kez_core::SignedParts;
use kez_core::Status;
use serde_json::{json, Map, Value};

pub fn init(env: &Env, key: Option<&str>, precommit: bool, sig_servers: &[String]) -> CliResult<()> {
    let mut config = env.store.read_config()?;
    if let Some(id) = &config.identity {
        if env.store.read_chain(id)?.is_some() {
            return Err(CliError::local(
                "identity_exists",
                format!("this store already holds identity {id}"),
                "use another store for a second identity (--home DIR or KEZ_HOME)",
            ));
        }
    }
    let named = sig_servers.iter().map(|u| homes::parse_home(u)).collect::<CliResult<Vec<_>>>()?;
    let homes = homes::union(homes::default_homes(), named);
    homes::check_home_count(&homes)?;
    let name = key.map(str::to_string).or(config.default_key.clone()).ok_or_else(|| {
        CliError::local("no_key", "no default key in this store", "run `kez key gen` first, or name a key with --key NAME")
    })?;
    let rec = env.store.read_key(&name)?;
    let signer = rec.secret_key()?;
    let next_name = format!("{}.next", rec.name);
    let next = if precommit {
        env.store.assert_key_free(&next_name)?;
        Some(generate(rec.suite, &next_name, env.now))
    } else {
        None
    };
    let mut body = Map::new();
    if let Some(n) = &next {
        body.insert("next".into(), commitment(&KeyId::parse(&n.key).expect("generated")).into());
    }
    let draft = EventDraft { seq: 0, identity: None, prev: None, created_at: lc::signing_time(env)?, op: "init", body };
    let genesis = draft.sign(&signer, None, &random32()).map_err(|e| CliError::usage(e.code.as_str(), e.reason, ""))?;
    let state = State::genesis(genesis, env.now)
        .map_err(|e| CliError::kez(&e, format!("the genesis would not verify: {}", e.reason), "check --now"))?;
    // The committed key first: losing it after the chain names it would block rotation.
    if let Some(n) = &next {
        env.store.write_key(n)?;
    }
    env.store.write_chain(&state.identity, &export_bundle(state.events.iter().map(|e| &e.object)))?;
    config.identity = Some(state.identity.clone());
    config.homes = Some(homes.clone());
    env.store.write_config(&config)?;
    let next_path = next.as_ref().map(|n| env.store.key_path_shown(&n.name)).transpose()?;
    let doc = json!({ "identity": state.identity, "primary": state.primary.to_string(), "key": rec.name,
        "next_key": next.as_ref().map(|n| n.name.clone()), "next_key_path": next_path, "homes": homes,
        "head": head_json(&state.head) });
    env.out.result(doc, || {
        let third = match &next_path {
            Some(p) => format!(
                "the committed next key is {p}: keep a copy offline (it alone recovers the identity if the primary key is lost or stolen: `kez sigchain recover`)"
            ),
            None => "no next key committed (--no-precommit): a lost or stolen primary key cannot be recovered".to_string(),
        };
        [state.identity.clone(), format!("homes: {}", homes.join(" ")), third].join("\n")
    });
    Ok(())
}

/// `sigchain homes [--add URL]… [--remove URL]…`: shows or edits the identity's homes (SPEC §10).
pub fn homes(env: &Env, add: &[String], remove: &[String]) -> CliResult<()> {
    let editing = !add.is_empty() || !remove.is_empty();
    let Some(identity) = env.store.read_config()?.identity else {
        return Err(CliError::local("no_identity", "this store holds no identity", "run `kez sigchain init` first"));
    };
    let before = homes::store_homes(env)?;
    let removed = remove.iter().map(|u| homes::parse_home(u)).collect::<CliResult<Vec<_>>>()?;
    if let Some(r) = removed.iter().find(|r| !before.contains(r)) {
        return Err(CliError::usage("no_home", format!("{r} is not a home of {identity}"), "`kez sigchain homes` lists them"));
    }
    let added = add.iter().map(|u| homes::parse_home(u)).collect::<CliResult<Vec<_>>>()?;
    let kept: Vec<String> = before.into_iter().filter(|h| !removed.contains(h)).collect();
    let homes = homes::union(homes::union(Vec::new(), kept), added);
    homes::check_home_count(&homes)?;
    if editing {
        let mut config = env.store.read_config()?;
        config.homes = Some(homes.clone());
        env.store.write_config(&config)?;
    }
    env.out.result(json!({ "identity": identity, "homes": homes }), || {
        let mut lines = if homes.is_empty() { vec!["(no homes)".to_string()] } else { homes.clone() };
        if editing {
            lines.push("claims made from now on name these homes; `kez sigchain publish` sends the chain to them".into());
        }
        lines.join("\n")
    });
    Ok(())
}

pub fn add(env: &Env, subject: &str, new: &lc::NewClaim) -> CliResult<()> {
    let mut chain = lc::load(env)?;
    let (claim, event) = lc::build_claim(env, &chain, subject, new)?;
    let (hash, seq) = (claim.hash(), event.seq);
    lc::append(env, &mut chain, event)?;
    let doc = json!({ "hash": hash, "seq": seq, "subject": claim.subject, "identity": chain.identity, "claim": claim.object });
    env.out.result(doc, || hash.clone());
    Ok(())
}

/// A claim hash, or the single live claim of a subject.
fn resolve_claim(chain: &LocalChain, input: &str) -> CliResult<String> {
    let hint = "`kez sigchain show` lists the claims and their hashes";
    if input.len() == 64 && kez_core::textenc::is_lower_hex(input) {
        return match chain.state.claim(input) {
            None => Err(CliError::usage("no_claim", format!("no claim {input} in the chain"), hint)),
            Some(e) if e.revocation.is_some() => Err(CliError::usage("already_revoked", format!("claim {input} is already revoked"), hint)),
            Some(_) => Ok(input.to_string()),
        };
    }
    let subject = lc::parse_subject(input)?;
    let live: Vec<&str> =
        chain.state.claims.iter().filter(|c| c.claim.subject == subject && c.revocation.is_none()).map(|c| c.hash.as_str()).collect();
    match live.as_slice() {
        [] => Err(CliError::usage("no_claim", format!("no live claim for {subject} in the chain"), hint)),
        [one] => Ok(one.to_string()),
        many => Err(CliError::usage(
            "ambiguous",
            format!("{subject} has {} live claims", many.len()),
            format!("name one by its hash: {}", many.join(", ")),
        )),
    }
}

pub fn revoke(env: &Env, claim: &str, reason: Option<&str>, key: Option<&str>) -> CliResult<()> {
    let mut chain = lc::load(env)?;
    let hash = resolve_claim(&chain, claim)?;
    let signer = lc::claim_signer(env, &chain, key)?;
    let mut body = Map::new();
    body.insert("claim".into(), hash.clone().into());
    if let Some(r) = reason {
        body.insert("reason".into(), r.into());
    }
    let event = lc::draft(&chain, lc::signing_time(env)?, "revoke", body)
        .sign(&signer, None, &random32())
        .map_err(|e| CliError::usage(e.code.as_str(), format!("cannot revoke the claim: {}", e.reason), "a reason is at most 256 bytes"))?;
    let seq = event.seq;
    let subject = chain.state.claim(&hash).map(|c| c.claim.subject.clone());
    lc::append(env, &mut chain, event)?;
    env.out.result(json!({ "revoked": hash, "subject": subject, "seq": seq }), || {
        format!("revoked {hash} ({})", subject.clone().unwrap_or_default())
    });
    Ok(())
}

/// Who authorizes a rotation (SPEC §6.3).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// The primary and the committed key both sign.
    Ordinary,
    /// The committed key alone: works with the primary lost or stolen.
    Recovery,
}

/// `--compromised-since N` must be `1 ≤ N ≤` the new event's seq (SPEC §6.3).
pub fn check_compromised_since(n: Option<u64>, seq: u64) -> CliResult<()> {
    match n {
        Some(n) if n < 1 || n > seq => Err(CliError::usage(
            "bad_seq",
            format!("--compromised-since {n} is not a seq from 1 to {seq} (the new event's)"),
            "give the first seq the key may have signed without you; `kez sigchain show` lists the events",
        )),
        _ => Ok(()),
    }
}

/// The committed next key in this store, for a recovery: it must be named NAME.next.
fn committed_record(env: &Env, chain: &LocalChain) -> CliResult<crate::store::KeyRecord> {
    let Some(next) = &chain.state.next else {
        return Err(CliError::usage(
            "no_commitment",
            "the identity has no committed next key, so it cannot be recovered",
            "an ordinary `kez sigchain rotate` (with the primary key) makes a new commitment",
        ));
    };
    let committed = env.store.list_keys()?.into_iter().find(|k| KeyId::parse(&k.key).is_ok_and(|id| &commitment(&id) == next));
    match committed {
        Some(k) if k.name.ends_with(".next") => Ok(k),
        Some(k) => Err(CliError::local(
            "store",
            format!("the committed key is stored as '{}', not NAME.next", k.name),
            "rename its key file to NAME.next (NAME being the primary's name)",
        )),
        None => Err(CliError::local(
            "no_key",
            "the key the identity is committed to is not in this store",
            "import it: `kez key import --alg ALG --name NAME.next` (secret on stdin)",
        )),
    }
}

pub fn rotate(env: &Env, how: Rotation, precommit: bool, compromised_since: Option<u64>) -> CliResult<()> {
    let mut chain = lc::load(env)?;
    let seq = chain.state.head.seq + 1;
    check_compromised_since(compromised_since, seq)?;
    let primary_id = chain.state.primary.to_string();
    let (old, incoming) = match how {
        Rotation::Ordinary => {
            let old = lc::primary_record(env, &chain)?;
            let next_name = format!("{}.next", old.name);
            let stored = env.store.has_key(&next_name);
            if !stored && chain.state.next.is_some() {
                return Err(CliError::local(
                    "no_key",
                    format!("the identity is committed to a next key, but '{next_name}' is not in this store"),
                    format!("import the committed key: `kez key import --name {next_name}` (secret on stdin)"),
                ));
            }
            let incoming = if stored { (env.store.read_key(&next_name)?, true) } else { (generate(old.suite, &next_name, env.now), false) };
            (Some(old), incoming)
        }
        // The primary key file may be gone: the committed key alone signs.
        Rotation::Recovery => (env.store.find_key_by_id(&primary_id)?, (committed_record(env, &chain)?, true)),
    };
    let (incoming, stored) = incoming;
    let next_name = incoming.name.clone();
    let base = next_name.strip_suffix(".next").expect("NAME.next").to_string();
    if env.store.has_key(&base) && old.as_ref().is_none_or(|o| o.name != base) {
        return Err(CliError::local(
            "key_exists",
            format!("a key named '{base}' exists but is not the primary"),
            format!("rename it first; the new primary will be stored as '{base}'"),
        ));
    }
    let following = precommit.then(|| generate(incoming.suite, &format!("{base}.next-{seq}"), env.now));
    let mut body = Map::new();
    body.insert("new_key".into(), incoming.key.clone().into());
    if let Some(f) = &following {
        body.insert("next".into(), commitment(&KeyId::parse(&f.key).expect("generated")).into());
    }
    if let Some(n) = compromised_since {
        body.insert("compromised_since".into(), n.into());
    }
    let draft = lc::draft(&chain, lc::signing_time(env)?, "rotate", body);
    let signed = match (how, &old) {
        (Rotation::Ordinary, Some(o)) => draft.sign(&o.secret_key()?, Some(&incoming.secret_key()?), &random32()),
        _ => draft.sign(&incoming.secret_key()?, None, &random32()),
    };
    let event = signed.map_err(|e| CliError::usage(e.code.as_str(), format!("cannot rotate: {}", e.reason), ""))?;
    lc::check(env, &chain, &event)?;
    // Every secret the new chain depends on is on disk before the chain is written; the renames
    // after it only tidy names (NAME = primary, NAME.next = committed key, NAME.old-<seq>).
    let old_name = format!("{base}.old-{seq}");
    if let Some(o) = &old {
        let mut old_copy = o.clone();
        old_copy.name = old_name.clone();
        env.store.write_key(&old_copy)?;
    }
    if !stored {
        env.store.write_key(&incoming)?;
    }
    if let Some(f) = &following {
        env.store.write_key(f)?;
    }
    lc::append(env, &mut chain, event)?;
    if let Some(o) = &old {
        env.store.delete_key(&o.name)?;
    }
    env.store.rename_key(&next_name, &base)?;
    if let Some(f) = &following {
        env.store.rename_key(&f.name, &next_name)?;
    }
    let doc = json!({ "primary": incoming.key, "key": base,
        "old": { "name": old.as_ref().map(|_| old_name.clone()), "key": primary_id },
        "next_key": following.as_ref().map(|_| next_name.clone()), "seq": seq,
        "recovery": how == Rotation::Recovery, "compromised_since": compromised_since });
    env.out.result(doc, || incoming.key.clone());
    Ok(())
}

pub fn add_device(env: &Env, key_name: &str, device_name: Option<&str>) -> CliResult<()> {
    let mut chain = lc::load(env)?;
    let device = env.store.read_key(key_name)?;
    let primary = lc::primary_record(env, &chain)?;
    let mut body = Map::new();
    body.insert("device".into(), device.key.clone().into());
    if let Some(n) = device_name {
        body.insert("name".into(), n.into());
    }
    let event = lc::draft(&chain, lc::signing_time(env)?, "add_device", body)
        .sign(&primary.secret_key()?, Some(&device.secret_key()?), &random32())
        .map_err(|e| {
            CliError::usage(e.code.as_str(), format!("cannot add the device: {}", e.reason), "a device name is at most 64 bytes")
        })?;
    let seq = event.seq;
    lc::append(env, &mut chain, event)?;
    env.out.result(json!({ "device": device.key, "name": device_name, "seq": seq }), || device.key.clone());
    Ok(())
}

pub fn revoke_device(env: &Env, key: &str, compromised_since: Option<u64>) -> CliResult<()> {
    let mut chain = lc::load(env)?;
    check_compromised_since(compromised_since, chain.state.head.seq + 1)?;
    let id = if env.store.has_key(key) {
        env.store.read_key(key)?.key
    } else {
        KeyId::parse_input(key)
            .map_err(|_| {
                CliError::usage(
                    "bad_key",
                    format!("'{key}' is neither a stored key name nor a key id"),
                    "`kez sigchain show` lists the devices; `kez key list` the stored keys",
                )
            })?
            .to_string()
    };
    if !chain.state.devices.iter().any(|d| d.key.to_string() == id) {
        return Err(CliError::usage(
            "not_a_device",
            format!("{id} is not an active device of this identity"),
            "`kez sigchain show` lists the devices",
        ));
    }
    let primary = lc::primary_record(env, &chain)?;
    let mut body = Map::new();
    body.insert("device".into(), id.clone().into());
    if let Some(n) = compromised_since {
        body.insert("compromised_since".into(), n.into());
    }
    let event = lc::draft(&chain, lc::signing_time(env)?, "revoke_device", body)
        .sign(&primary.secret_key()?, None, &random32())
        .map_err(|e| CliError::usage(e.code.as_str(), e.reason, ""))?;
    let seq = event.seq;
    lc::append(env, &mut chain, event)?;
    env.out.result(json!({ "revoked_device": id, "seq": seq, "compromised_since": compromised_since }), || format!("revoked device {id}"));
    Ok(())
}

fn local_bundle(env: &Env) -> CliResult<Vec<u8>> {
    let identity =
        env.store.read_config()?.identity.ok_or_else(|| {
            CliError::local("no_identity", "this store holds no identity", "run `kez sigchain init`, or give a bundle file")
        })?;
    env.store.read_chain(&identity)?.ok_or_else(|| {
        CliError::local(
            "no_chain",
            format!("the sigchain of {identity} is missing from {}", env.store.home.display()),
            "restore it with `kez sigchain import FILE`",
        )
    })
}

/// A bundle from FILE or `-`; one larger than the read limit is `too_large`.
pub fn read_bundle(env: &Env, spec: &str) -> CliResult<ChainResult> {
    Ok(match read_input(spec, BUNDLE_LIMIT)? {
        Some(bytes) => verify_bundle(&bytes, env.now),
        None => {
            let e = kez_core::error::err(kez_core::Code::TooLarge, "the bundle is larger than the read limit");
            ChainResult::failed(&e, Map::new(), Vec::new())
        }
    })
}

fn show_chain(env: &Env, chain: &ChainResult) -> Outcome {
    let summary = summarize(chain, env.now);
    env.out.result(summary.clone(), || render(&summary));
    Outcome::Status(chain.verification.status)
}

pub fn show(env: &Env, file: Option<&str>) -> CliResult<Outcome> {
    let chain = match file {
        Some(f) => read_bundle(env, f)?,
        None => verify_bundle(&local_bundle(env)?, env.now),
    };
    Ok(show_chain(env, &chain))
}

pub fn verify(env: &Env, file: &str) -> CliResult<Outcome> {
    let chain = read_bundle(env, file)?;
    Ok(show_chain(env, &chain))
}

pub fn export(env: &Env, out: Option<&str>) -> CliResult<()> {
    let identity = env.store.read_config()?.identity;
    let bundle = String::from_utf8(local_bundle(env)?)
        .map_err(|_| CliError::local("store", "the stored chain is not UTF-8", "restore it with `kez sigchain import FILE`"))?;
    match out {
        Some(path) => {
            write_user_file(path, &bundle)?;
            env.out.result(json!({ "identity": identity, "out": path, "bytes": bundle.len() }), || format!("wrote {path}"));
        }
        None if env.out.json => env.out.result(json!({ "identity": identity, "bundle": bundle }), String::new),
        None => env.out.raw(&bundle),
    }
    Ok(())
}

pub fn import(env: &Env, file: &str) -> CliResult<()> {
    let chain = read_bundle(env, file)?;
    let v = &chain.verification;
    let state = match (&chain.state, v.status) {
        (Some(s), Status::Valid) => s,
        _ => {
            return Err(CliError {
                outcome: Outcome::Status(v.status),
                code: v.code.map_or(v.status.as_str(), |c| c.as_str()).into(),
                message: format!("refusing to import a {} chain: {}", v.status.as_str(), v.reason),
                hint: "only a valid bundle can be stored; `kez sigchain verify FILE` shows why".into(),
            });
        }
    };
    if let Some(existing) = env.store.read_chain(&state.identity)? {
        let known = verify_bundle(&existing, env.now);
        if let Some(k) = &known.state {
            check_heads(k, &chain)?;
        }
    }
    env.store.write_chain(&state.identity, &export_bundle(chain.events.iter()))?;
    // It becomes this store's identity only when none is set and this store can sign for it.
    let mut config = env.store.read_config()?;
    let ours = env
        .store
        .list_keys()
        .unwrap_or_default()
        .iter()
        .any(|k| k.key == state.primary.to_string() || state.devices.iter().any(|d| d.key.to_string() == k.key));
    let adopted = config.identity.is_none() && ours;
    let local_identity = adopted || config.identity.as_deref() == Some(state.identity.as_str());
    if adopted {
        config.identity = Some(state.identity.clone());
        env.store.write_config(&config)?;
    }
    let doc = json!({ "identity": state.identity, "head": head_json(&state.head), "events": chain.events.len(), "local_identity": local_identity });
    env.out.result(doc, || {
        format!("imported {} (head seq {}){}", state.identity, state.head.seq, if adopted { " as this store's identity" } else { "" })
    });
    Ok(())
}

/// SPEC §6.7 against the stored chain: without the remembered head event, a shorter chain is a
/// rollback and a different event at that seq a fork.
fn check_heads(known: &State, chain: &ChainResult) -> CliResult<()> {
    let new = chain.state.as_ref().expect("valid chain");
    let refuse = |status: Status, code: &str, message: String| CliError {
        outcome: Outcome::Status(status),
        code: code.into(),
        message: format!("refusing to import: {message}"),
        hint: format!("the stored chain (head seq {}) is kept; compare the two with `kez sigchain show FILE`", known.head.seq),
    };
    // The remembered event anywhere in the new events (a superseded branch included) is no fork.
    let same = chain
        .events
        .iter()
        .any(|o| o.get("seq").and_then(Value::as_u64) == Some(known.head.seq) && kez_core::object::object_hash(o) == known.head.hash);
    if same {
        return Ok(());
    }
    if new.head.seq < known.head.seq {
        return Err(refuse(
            Status::Unreachable,
            "rollback",
            format!("the chain ends at seq {}, before the head seen earlier ({})", new.head.seq, known.head.seq),
        ));
    }
    Err(refuse(Status::Fork, "fork", format!("the event at seq {} differs from the one seen earlier", known.head.seq)))
}
