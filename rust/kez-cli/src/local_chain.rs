//! The store's own identity: its verified chain, appending events, picking signers.
use crate::env::{random32, Env};
use crate::outcome::{CliError, CliResult, Outcome};
use crate::store::KeyRecord;
use kez_core::chain::{export_bundle, verify_bundle, State};
use kez_core::claim::{Claim, ClaimDraft};
use kez_core::event::{Event, EventDraft};
use kez_core::keys::SecretKey;
use kez_core::subject::normalize_subject;
use kez_core::SignedParts;
use serde_json::{Map, Value};

pub struct LocalChain {
    pub identity: String,
    /// The resolved path's state (SPEC §6.8); new events extend its head.
    pub state: State,
    /// Every stored event, superseded branches included: they stay evidence (and their
    /// retirements still count), so appending never drops them.
    pub events: Vec<Map<String, Value>>,
}

pub fn load(env: &Env) -> CliResult<LocalChain> {
    let identity = env.store.read_config()?.identity.ok_or_else(|| {
        CliError::local(
            "no_identity",
            "this store holds no identity",
            "run `kez sigchain init` to create one, or `kez sigchain import FILE` to bring yours here",
        )
    })?;
    let bytes = env.store.read_chain(&identity)?.ok_or_else(|| {
        CliError::local(
            "no_chain",
            format!("the sigchain of {identity} is missing from {}", env.store.home.display()),
            "restore it with `kez sigchain import FILE`",
        )
    })?;
    let result = verify_bundle(&bytes, env.now);
    match result.state {
        Some(state) if result.verification.status == kez_core::Status::Valid => Ok(LocalChain { identity, state, events: result.events }),
        _ => {
            let v = &result.verification;
            Err(CliError {
                outcome: Outcome::Status(v.status),
                code: v.code.map_or(v.status.as_str(), |c| c.as_str()).into(),
                message: format!("the local sigchain is {}: {}", v.status.as_str(), v.reason),
                hint: "inspect it with `kez sigchain show`; restore a good copy with `kez sigchain import FILE`".into(),
            })
        }
    }
}

/// Checks `event` with the rules every verifier applies, then stores the longer chain.
pub fn append(env: &Env, chain: &mut LocalChain, event: Event) -> CliResult<()> {
    check(env, chain, &event)?;
    chain.events.push(event.object.clone());
    chain.state.apply(event);
    env.store.write_chain(&chain.identity, &export_bundle(chain.events.iter()))
}

pub fn check(env: &Env, chain: &LocalChain, event: &Event) -> CliResult<()> {
    chain.state.check(event, env.now).map_err(|e| {
        let hint = if event.created_at() < chain.state.head.created_at {
            format!("the chain head is at {}; --now must not be earlier", chain.state.head.created_at)
        } else {
            "check the arguments; `kez sigchain show` shows the chain".to_string()
        };
        CliError::kez(&e, format!("the new {} event would not verify: {}", event.op.name(), e.reason), hint)
    })
}

pub fn key_by_id(env: &Env, key: &str, role: &str) -> CliResult<KeyRecord> {
    env.store.find_key_by_id(key)?.ok_or_else(|| {
        CliError::local("no_key", format!("the {role} key {key} is not in this store"), "import it with `kez key import` (secret on stdin)")
    })
}

pub fn primary_record(env: &Env, chain: &LocalChain) -> CliResult<KeyRecord> {
    key_by_id(env, &chain.state.primary.to_string(), "primary")
}

/// For add and revoke (a device may sign them): --key NAME, else the primary, else the default key.
pub fn claim_signer(env: &Env, chain: &LocalChain, key: Option<&str>) -> CliResult<SecretKey> {
    if let Some(name) = key {
        return env.store.read_key(name)?.secret_key();
    }
    if let Some(rec) = env.store.find_key_by_id(&chain.state.primary.to_string())? {
        return rec.secret_key();
    }
    if let Some(def) = env.store.read_config()?.default_key {
        return env.store.read_key(&def)?.secret_key();
    }
    primary_record(env, chain)?.secret_key()
}

pub fn parse_subject(input: &str) -> CliResult<String> {
    normalize_subject(input).map_err(|_| {
        CliError::usage(
            "bad_subject",
            format!("'{input}' is not an account subject"),
            "subjects look like github:NAME, dns:example.com, nostr:npub1…, bluesky:HANDLE, ap:@user@host",
        )
    })
}

pub fn parse_time(value: &str) -> Result<u64, String> {
    let ok = value == "0" || (!value.starts_with('0') && value.len() <= 16 && value.bytes().all(|b| b.is_ascii_digit()));
    match value.parse::<u64>() {
        Ok(v) if ok && v <= kez_core::object::MAX_INTEGER => Ok(v),
        _ => Err(format!("'{value}' is not a Unix time (give Unix seconds, e.g. 1800000000)")),
    }
}

/// The next event's link members.
pub fn draft(chain: &LocalChain, now: u64, op: &'static str, body: Map<String, Value>) -> EventDraft {
    EventDraft {
        seq: chain.state.head.seq + 1,
        identity: Some(chain.identity.clone()),
        prev: Some(chain.state.head.hash.clone()),
        created_at: now,
        op,
        body,
    }
}

/// The `created_at` of a new signature: the clock, refused when it is further ahead of the system
/// clock than SPEC's future skew (every verifier would reject it, and the store's chain would stop loading).
pub fn signing_time(env: &Env) -> CliResult<u64> {
    if env.now > env.system_now.saturating_add(kez_core::object::FUTURE_SKEW) {
        return Err(CliError::usage(
            "future_signing_time",
            format!(
                "--now {} is ahead of the system clock ({}): verifiers would reject a signature made then as future",
                env.now, env.system_now
            ),
            "--now is for verification; sign without it (and check the system clock)",
        ));
    }
    Ok(env.now)
}

/// The options of a new claim, shared by `claim` and `sigchain add`.
pub struct NewClaim<'a> {
    pub key: Option<&'a str>,
    pub expires_at: Option<u64>,
    pub locators: &'a [String],
    /// Add it even when the subject already has a live claim.
    pub force: bool,
}

/// Makes a claim for `subject` and its add event (checked, not yet stored).
pub fn build_claim(env: &Env, chain: &LocalChain, subject: &str, new: &NewClaim) -> CliResult<(Claim, Event)> {
    let NewClaim { key, expires_at, locators, force } = *new;
    let subject = parse_subject(subject)?;
    let created_at = signing_time(env)?;
    if let Some(live) = chain.state.claims.iter().find(|c| c.claim.subject == subject && c.revocation.is_none()) {
        if !force {
            return Err(CliError::usage(
                "duplicate",
                format!("{subject} already has a live claim ({}, seq {})", live.hash, live.claim.seq),
                format!(
                    "`kez sigchain show` lists it; revoke it first (`kez sigchain revoke {}`), or pass --force to add a second",
                    live.hash
                ),
            ));
        }
    }
    if let Some(e) = expires_at {
        if e <= env.now {
            return Err(CliError::usage(
                "bad_expiry",
                format!("--expires-at {e} is not after now ({})", env.now),
                format!("give a later Unix time, e.g. --expires-at {}", env.now + 365 * 86400),
            ));
        }
    }
    let signer = claim_signer(env, chain, key)?;
    let seq = chain.state.head.seq + 1;
    // SPEC §10: without --locator, the claim names the identity's homes.
    let homes = if locators.is_empty() { crate::homes::store_homes(env)? } else { Vec::new() };
    let locators: &[String] = if locators.is_empty() { &homes } else { locators };
    let claim = ClaimDraft { identity: &chain.identity, seq, subject: &subject, created_at, expires_at, locators }
        .sign(&signer, &random32())
        .map_err(|e| {
            CliError::usage(e.code.as_str(), format!("cannot make the claim: {}", e.reason), "check the arguments against SPEC.md")
        })?;
    let mut body = Map::new();
    body.insert("claim".into(), Value::Object(claim.object.clone()));
    let event = draft(chain, created_at, "add", body)
        .sign(&signer, None, &random32())
        .map_err(|e| CliError::usage(e.code.as_str(), format!("cannot make the add event: {}", e.reason), "check the arguments"))?;
    check(env, chain, &event)?;
    Ok((claim, event))
}
