//! kez verify short TEXT --subject SUBJECT --bundle FILE: a short proof judged offline (SPEC §5.2).
use crate::commands::sigchain::read_bundle;
use crate::env::{read_input, Env, CLAIM_INPUT_LIMIT};
use crate::local_chain as lc;
use crate::outcome::{CliError, CliResult, Outcome};
use kez_core::error::{err, Code};
use kez_core::short_proof::{find_short_proofs, identities, judge_short_proof};
use kez_core::verification::Verification;
use serde_json::{json, Map, Value};

/// TEXT itself, or `-` for stdin.
fn place_text(spec: &str) -> CliResult<String> {
    if spec != "-" {
        return Ok(spec.to_string());
    }
    let bytes = read_input(spec, CLAIM_INPUT_LIMIT)?.ok_or_else(|| CliError::usage("too_large", "the text is larger than 1 MiB", ""))?;
    String::from_utf8(bytes).map_err(|_| CliError::usage("not_utf8", "the text is not UTF-8", "give the place's text"))
}

fn judge(env: &Env, text: &str, owner: &str, bundle: &str) -> CliResult<Verification> {
    let proofs = match find_short_proofs(text) {
        Ok(p) => p,
        Err(e) => return Ok(Verification::from_error(&e, Map::new())),
    };
    if proofs.is_empty() {
        return Ok(Verification::from_error(&err(Code::NoProof, "no short proof in the text"), Map::new()));
    }
    let chain = read_bundle(env, bundle)?;
    // SPEC §10, several identities at one place: the verdict is the chain's identity's own; the
    // others the text names go in the evidence, never mixed in, and the text's order changes nothing.
    let mut named = identities(&proofs);
    named.sort_by(|a, b| a.0.cmp(&b.0));
    let own = chain.state.as_ref().map(|s| s.identity.as_str());
    let pick = named.iter().position(|(id, _)| Some(id.as_str()) == own).unwrap_or(0);
    let (identity, homes) = named.remove(pick);
    let mut v = judge_short_proof(&identity, owner, homes.first().map(String::as_str), &chain, env.now);
    if !named.is_empty() {
        let others: Vec<Value> = named.into_iter().map(|(id, _)| Value::String(id)).collect();
        v.evidence.insert("other_identities".into(), Value::Array(others));
    }
    Ok(v)
}

pub fn short(env: &Env, text: &str, subject: &str, bundle: &str) -> CliResult<Outcome> {
    let owner = lc::parse_subject(subject)?;
    let text = place_text(text)?;
    report(env, &text, &owner, bundle)
}

/// The place's `text` (already read) judged for `subject` against `bundle`, and reported.
pub fn judge_and_report(env: &Env, text: &str, subject: &str, bundle: &str) -> CliResult<Outcome> {
    let owner = lc::parse_subject(subject)?;
    report(env, text, &owner, bundle)
}

fn report(env: &Env, text: &str, owner: &str, bundle: &str) -> CliResult<Outcome> {
    let v = judge(env, text, owner, bundle)?;
    let doc = json!({ "status": v.status.as_str(), "code": v.code.map(|c| c.as_str()), "reason": v.reason, "evidence": v.evidence });
    env.out.result(doc, || match v.code {
        Some(c) => format!("{} ({})  {}", v.status.as_str(), c.as_str(), v.reason),
        None => format!("{}  {}", v.status.as_str(), v.reason),
    });
    Ok(Outcome::Status(v.status))
}
