//! What `sigchain show` and `sigchain verify` print about a verified bundle.
use crate::terminal_text::escape_terminal;
use kez_core::chain::{claim_status, head_json, ChainResult};
use serde_json::{json, Value};

pub fn summarize(chain: &ChainResult, now: u64) -> Value {
    let v = &chain.verification;
    let st = chain.state.as_ref();
    let mut claims: Vec<Value> = st
        .map(|s| {
            s.claims
                .iter()
                .map(|entry| {
                    let cs = claim_status(&entry.claim, chain, now);
                    let mut row = json!({
                        "hash": entry.hash, "subject": entry.claim.subject, "seq": entry.add_seq,
                        "status": cs.status.as_str(), "code": cs.code.map(|c| c.as_str()),
                    });
                    if let Some((_, Some(reason))) = &entry.revocation {
                        row["revoked_reason"] = reason.clone().into();
                    }
                    row
                })
                .collect()
        })
        .unwrap_or_default();
    claims.sort_by_key(|c| c["seq"].as_u64());
    json!({
        "status": v.status.as_str(),
        "code": v.code.map(|c| c.as_str()),
        "reason": v.reason,
        "evidence": v.evidence,
        "identity": st.map(|s| s.identity.clone()),
        "head": st.map(|s| head_json(&s.head)),
        "primary": st.map(|s| s.primary.to_string()),
        "next_committed": st.is_some_and(|s| s.next.is_some()),
        "devices": st.map(|s| s.devices.iter().map(|d| json!({ "key": d.key.to_string(), "name": d.name, "seq": d.seq })).collect::<Vec<_>>()).unwrap_or_default(),
        "claims": claims,
        "events": chain.events.len(),
        "superseded": chain.superseded.iter().map(|x| x.to_json()).collect::<Vec<_>>(),
    })
}

/// The human summary; every string in it came from the chain, so each goes through text_of.
pub fn render(s: &Value) -> String {
    let text = |k: &str| text_of(&s[k]);
    let mut lines = vec![match s["code"].as_str() {
        Some(code) => format!("{} ({code})  {}", text("status"), text("reason")),
        None => format!("{}  {}", text("status"), text("reason")),
    }];
    if let Some(id) = s["identity"].as_str() {
        lines.push(format!("identity  {}", escape_terminal(id)));
        lines.push(format!("head      seq {}  {}  {}", s["head"]["seq"], text_of(&s["head"]["hash"]), s["head"]["created_at"]));
        lines.push(format!("primary   {}", text("primary")));
        let next = if s["next_committed"] == true { "committed (pre-rotation)" } else { "none" };
        lines.push(format!("next      {next}"));
    }
    lines.push(format!("events    {}", s["events"]));
    // SPEC §6.8: superseded branches are shown; they mean a key was used against its owner.
    for x in s["superseded"].as_array().into_iter().flatten() {
        lines.push(format!(
            "superseded at seq {}: branch {} (head {}) lost to {}",
            x["seq"],
            text_of(&x["hash"]),
            text_of(&x["head"]),
            text_of(&x["winner"])
        ));
    }
    if s["identity"].is_string() {
        let devices = s["devices"].as_array().cloned().unwrap_or_default();
        lines.push(format!("devices ({})", devices.len()));
        for d in devices {
            let name = d["name"].as_str().map(|n| format!("  \"{}\"", escape_terminal(n))).unwrap_or_default();
            lines.push(format!("  {}{name}  seq {}", text_of(&d["key"]), d["seq"]));
        }
        let claims = s["claims"].as_array().cloned().unwrap_or_default();
        lines.push(format!("claims ({})", claims.len()));
        for c in claims {
            let code = c["code"].as_str().filter(|code| Some(*code) != c["status"].as_str()).map(|x| format!(" {x}")).unwrap_or_default();
            let reason = c["revoked_reason"].as_str().map(|r| format!(" \"{}\"", escape_terminal(r))).unwrap_or_default();
            let hash = c["hash"].as_str().unwrap_or("");
            lines.push(format!(
                "  {:8}  {}  seq {}  {}{code}{reason}",
                text_of(&c["status"]),
                text_of(&c["subject"]),
                c["seq"],
                escape_terminal(hash.get(..12).unwrap_or(hash))
            ));
        }
    }
    lines.join("\n")
}

fn text_of(v: &Value) -> String {
    escape_terminal(v.as_str().unwrap_or(""))
}
