//! kez claim SUBJECT (make, add to the chain, print in an encoding) | kez claim verify FILE|-
use crate::env::{read_input, write_user_file, Env, BUNDLE_LIMIT, CLAIM_INPUT_LIMIT};
use crate::homes;
use crate::local_chain as lc;
use crate::outcome::{CliError, CliResult, Outcome};
use kez_core::chain::{claim_status, verify_bundle};
use kez_core::claim::Claim;
use kez_core::encoding::{detect, Encoding};
use kez_core::error::{err, Code};
use kez_core::short_proof::format_short_proof;
use kez_core::signed::{decode_and_verify, encode, Signed};
use kez_core::verification::Verification;
use kez_core::SignedParts;
use kez_core::Status;
use serde_json::{json, Map, Value};

pub struct MakeArgs<'a> {
    pub subject: &'a str,
    pub format: &'a str,
    pub new: lc::NewClaim<'a>,
    pub out: Option<&'a str>,
}

/// `--format`: one of the four encodings (SPEC §8), or `short` (a short proof, §5.2).
enum Format {
    Encoded(Encoding),
    Short,
}

fn parse_format(format: &str) -> CliResult<Format> {
    if format == "short" {
        return Ok(Format::Short);
    }
    Encoding::parse(format)
        .map(Format::Encoded)
        .ok_or_else(|| CliError::usage("bad_format", format!("unknown format '{format}'"), "use --format json, compact, md, dns or short"))
}

/// The first of the store's homes a short proof can link to (an http(s) origin of at most 48 bytes).
fn short_proof_home(env: &Env) -> CliResult<Option<String>> {
    Ok(homes::short_proof_home(&homes::store_homes(env)?))
}

/// A short proof is only the account's half: the chain's half reaches verifiers when published.
const PUBLISH_STEP: &str = "put it at the place, then `kez sigchain publish` (a short proof counts only once the chain holds the claim)";

/// The claim as text in `format`, LF-terminated, and the name of the format.
fn render(env: &Env, claim: &Claim, format: &Format) -> CliResult<(String, &'static str)> {
    let (mut text, name) = match format {
        Format::Encoded(e) => (encode(&claim.object, *e), e.as_str()),
        Format::Short => {
            let home = short_proof_home(env)?;
            let text = format_short_proof(&claim.identity, home.as_deref()).map_err(|e| {
                CliError::local("store", format!("cannot make the short proof: {}", e.reason), "check the homes in config.json")
            })?;
            (text, "short")
        }
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok((text, name))
}

/// Prints a claim (or writes it to `out`): the text, or with --json / --out the result document.
/// A new claim (`made`) also names the next step: publishing the chain.
fn emit(env: &Env, claim: &Claim, seq: u64, identity: &str, (text, format): (&str, &str), out: Option<&str>, made: bool) {
    let hash = claim.hash();
    let mut doc = json!({ "hash": hash, "seq": seq, "subject": claim.subject, "identity": identity,
        "encoding": format, "text": text, "claim": claim.object });
    if made {
        doc["next_step"] = PUBLISH_STEP.into();
    }
    if env.out.json || out.is_some() {
        env.out.result(doc, || hash.clone());
    } else {
        if made {
            env.out.progress(&format!("claim {hash} added at seq {seq}; {PUBLISH_STEP}"));
        }
        env.out.raw(text);
    }
}

pub fn make(env: &Env, a: &MakeArgs) -> CliResult<()> {
    let format = parse_format(a.format)?;
    let mut chain = lc::load(env)?;
    let (claim, event) = lc::build_claim(env, &chain, a.subject, &a.new)?;
    let (text, name) = render(env, &claim, &format)?;
    let seq = event.seq;
    // The file first: a path that cannot be written must leave the chain as it was.
    if let Some(path) = a.out {
        write_user_file(path, &text)?;
    }
    lc::append(env, &mut chain, event)?;
    emit(env, &claim, seq, &chain.identity, (&text, name), a.out, true);
    Ok(())
}

/// `claim show SUBJECT`: the live claim of SUBJECT (the latest, if --force made several), again.
pub fn show(env: &Env, subject: &str, format: &str, out: Option<&str>) -> CliResult<()> {
    let format = parse_format(format)?;
    let chain = lc::load(env)?;
    let subject = lc::parse_subject(subject)?;
    let live = chain.state.claims.iter().filter(|c| c.claim.subject == subject && c.revocation.is_none()).max_by_key(|c| c.add_seq);
    let Some(entry) = live else {
        return Err(CliError::usage(
            "no_claim",
            format!("no live claim for {subject} in the chain"),
            format!("make one with `kez claim {subject}`"),
        ));
    };
    let (text, name) = render(env, &entry.claim, &format)?;
    if let Some(path) = out {
        write_user_file(path, &text)?;
    }
    emit(env, &entry.claim, entry.add_seq, &chain.identity, (&text, name), out, false);
    Ok(())
}

struct Report {
    verification: Verification,
    encoding: Option<Encoding>,
    object: Option<Map<String, Value>>,
    claim: Option<kez_core::claim::Claim>,
}

/// Decode (any encoding) and verify without a chain: SPEC §4 and expiry.
fn offline(env: &Env, input: Option<Vec<u8>>) -> CliResult<Report> {
    let fail = |code: Code, reason: &str| Report {
        verification: Verification::from_error(&err(code, reason), Map::new()),
        encoding: None,
        object: None,
        claim: None,
    };
    let Some(bytes) = input else {
        return Ok(fail(Code::TooLarge, "the input is larger than 1 MiB"));
    };
    if std::str::from_utf8(&bytes).is_err() {
        return Ok(fail(Code::Malformed, "the input is not UTF-8 text"));
    }
    let (encoding, signed) = decode_and_verify(&bytes, env.now);
    let encoding = encoding.or(Some(detect(&bytes)));
    Ok(match signed {
        Err(e) => Report { verification: Verification::from_error(&e, Map::new()), encoding, object: None, claim: None },
        Ok(Signed::Claim(claim)) => {
            let mut ev = Map::new();
            ev.insert("hash".into(), claim.hash().into());
            ev.insert("subject".into(), claim.subject.clone().into());
            ev.insert("identity".into(), claim.identity.clone().into());
            ev.insert("key".into(), claim.key().to_string().into());
            ev.insert("chain".into(), "not consulted".into());
            let verification = if claim.is_expired(env.now) {
                Verification::from_code(Code::Expired, format!("claim expired at {}", claim.expires_at.unwrap_or(0)), ev)
            } else {
                Verification::valid("claim signature and structure are good (offline: the sigchain was not consulted)", ev)
            };
            Report { verification, encoding, object: Some(claim.object.clone()), claim: Some(claim) }
        }
        Ok(other) => {
            let kind = other.object().get("type").and_then(Value::as_str).unwrap_or("object").to_string();
            let mut ev = Map::new();
            ev.insert("type".into(), kind.clone().into());
            let v = Verification::from_code(Code::Malformed, format!("this is a KEZ {kind}, not a claim"), ev);
            Report { verification: v, encoding, object: Some(other.object().clone()), claim: None }
        }
    })
}

/// Text that holds a short proof (SPEC §5.2) rather than a signed object: not in the form of
/// any encoding's opening (§8: `{`, `kez:z1:`, `"`, a Markdown `#` heading), and naming an identity.
fn holds_short_proof(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else { return false };
    let t = text.trim_start();
    !(t.starts_with('{') || t.starts_with("kez:z1:") || t.starts_with('"') || t.starts_with('#')) && t.contains("kez:id:")
}

/// `claim verify FILE [--chain BUNDLE] [--subject SUBJECT]`. With --subject, a FILE that holds a
/// short proof is judged as `verify short FILE-TEXT --subject SUBJECT --bundle BUNDLE` is.
pub fn verify(env: &Env, file: &str, chain_file: Option<&str>, subject: Option<&str>) -> CliResult<Outcome> {
    let input = read_input(file, CLAIM_INPUT_LIMIT)?;
    if let (Some(subject), Some(bytes)) = (subject, &input) {
        if holds_short_proof(bytes) {
            let Some(bundle) = chain_file else {
                return Err(CliError::usage(
                    "no_chain",
                    "a short proof can only be checked against the identity's chain",
                    "give the chain: --chain BUNDLE",
                ));
            };
            let text = String::from_utf8(bytes.clone()).expect("checked UTF-8");
            return crate::commands::verify::judge_and_report(env, &text, subject, bundle);
        }
    }
    let mut report = offline(env, input)?;
    let mut consulted = false;
    if let (Some(chain_file), Some(claim)) = (chain_file, &report.claim) {
        if !matches!(report.verification.status, Status::Invalid | Status::NotFound) {
            let chain = match read_input(chain_file, BUNDLE_LIMIT)? {
                Some(bytes) => verify_bundle(&bytes, env.now),
                None => {
                    let e = err(Code::TooLarge, "the bundle is larger than the read limit");
                    kez_core::chain::ChainResult::failed(&e, Map::new(), Vec::new())
                }
            };
            report.verification = claim_status(claim, &chain, env.now);
            consulted = true;
        }
    }
    let v = &report.verification;
    let doc = json!({
        "status": v.status.as_str(), "code": v.code.map(|c| c.as_str()), "reason": v.reason, "evidence": v.evidence,
        "encoding": report.encoding.map(|e| e.as_str()), "object": report.object, "chain_consulted": consulted,
    });
    env.out.result(doc, || {
        let scope = if consulted {
            "checked against the sigchain"
        } else if v.status == Status::Valid {
            "offline: signature and structure good; chain not consulted"
        } else {
            "chain not consulted"
        };
        let status = match v.code {
            Some(c) if c.as_str() != v.status.as_str() => format!("{} ({})", v.status.as_str(), c.as_str()),
            _ => v.status.as_str().to_string(),
        };
        let mut lines = vec![format!("{status}  {scope}")];
        if let Some(c) = &report.claim {
            lines.push(format!("subject   {}", c.subject));
            lines.push(format!("key       {}", c.key()));
            lines.push(format!("identity  {}", c.identity));
            lines.push(format!("seq       {}", c.seq));
            lines.push(format!("expires   {}", c.expires_at.map_or("never".into(), |e| e.to_string())));
        }
        if let Some(e) = report.encoding {
            lines.push(format!("encoding  {}", e.as_str()));
        }
        lines.push(format!("reason    {}", v.reason));
        lines.join("\n")
    });
    Ok(Outcome::Status(v.status))
}
