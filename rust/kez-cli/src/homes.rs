//! The identity's homes (SPEC §10): the chain sources its owner publishes to — the default relays
//! plus every sig-server the owner names. Recorded at `sigchain init`, put in the `locators` of
//! every claim, and the link of a short proof. Mirrors packages/kez-cli/src/homes.ts.
use crate::env::Env;
use crate::outcome::{CliError, CliResult};
use kez_core::claim::{MAX_LOCATORS, MAX_LOCATOR_BYTES};
use kez_core::locator::locator_ok;
use kez_core::short_proof::MAX_HOME_BYTES;

/// The default homes: the public relays publishers and verifiers share (@kez/channels' nostrRelays).
pub const DEFAULT_HOMES: [&str; 2] = ["wss://relay.damus.io", "wss://nos.lol"];

pub fn default_homes() -> Vec<String> {
    DEFAULT_HOMES.iter().map(|h| h.to_string()).collect()
}

/// The store's homes; a store made before homes existed has the default ones.
pub fn store_homes(env: &Env) -> CliResult<Vec<String>> {
    Ok(env.store.read_config()?.homes.unwrap_or_else(default_homes))
}

/// The scheme of a URL as a WHATWG parser reads it (ASCII letters, case-insensitive), lower-cased.
fn url_scheme(value: &str) -> Option<String> {
    let (scheme, _) = value.trim_matches(|c: char| c <= ' ').split_once(':')?;
    let mut chars = scheme.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic()) && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    ok.then(|| scheme.to_ascii_lowercase())
}

/// A lone trailing "/" after the authority: `https://sig.example/` is the origin `https://sig.example`.
fn strip_origin_slash(value: &str) -> &str {
    let Some((scheme, rest)) = value.split_once("://") else { return value };
    let lower_scheme = !scheme.is_empty() && scheme.bytes().all(|b| b.is_ascii_lowercase());
    match rest.strip_suffix('/') {
        Some(authority) if lower_scheme && !authority.is_empty() && !authority.contains(['/', '?', '#']) => &value[..value.len() - 1],
        _ => value,
    }
}

/// A `--sig-server` / `--add` / `--remove` value as a home: a server URL that is a locator (SPEC §5.1).
pub fn parse_home(value: &str) -> CliResult<String> {
    if !url_scheme(value).is_some_and(|s| ["https", "http", "wss", "ws"].contains(&s.as_str())) {
        return Err(CliError::usage(
            "bad_url",
            format!("'{value}' is not a server URL"),
            "give an https://… sig-server (or a wss://… relay), e.g. https://sig.example.com",
        ));
    }
    let home = strip_origin_slash(value);
    let why = if home.len() > MAX_LOCATOR_BYTES {
        Some(format!("longer than {MAX_LOCATOR_BYTES} bytes"))
    } else if !locator_ok(home) {
        Some("not a locator (SPEC §5.1)".to_string())
    } else {
        None
    };
    match why {
        Some(why) => Err(CliError::usage(
            "bad_url",
            format!("'{value}' cannot be a home: {why}"),
            "give the server as scheme://host[:port][/path] in lower case, e.g. https://sig.example.com",
        )),
        None => Ok(home.to_string()),
    }
}

/// Homes become claim locators, of which a claim holds at most 8.
pub fn check_home_count(homes: &[String]) -> CliResult<()> {
    if homes.len() > MAX_LOCATORS {
        return Err(CliError::usage(
            "too_many_homes",
            format!("{} homes are more than a claim's {MAX_LOCATORS} locators", homes.len()),
            "`kez sigchain homes --remove URL` drops one",
        ));
    }
    Ok(())
}

/// Appends each of `more` not yet in `homes` (a set in insertion order, as TS `new Set`).
pub fn union(mut homes: Vec<String>, more: impl IntoIterator<Item = String>) -> Vec<String> {
    for h in more {
        if !homes.contains(&h) {
            homes.push(h);
        }
    }
    homes
}

/// The home a short proof links to (SPEC §5.2): the first http(s) home that is an origin of ≤ 48 bytes.
pub fn short_proof_home(homes: &[String]) -> Option<String> {
    homes
        .iter()
        .find(|h| {
            let rest = h.strip_prefix("https://").or_else(|| h.strip_prefix("http://"));
            rest.is_some_and(|r| !r.is_empty() && !r.contains(['/', '?', '#'])) && h.len() <= MAX_HOME_BYTES
        })
        .cloned()
}
