//! Account subjects `channel:id` (SPEC §2.2) and canonical domain names (§2.3).
use crate::error::{err, Code, Result};
use crate::keys::KeyId;

/// True if `name` is a canonical domain name (§2.3).
pub fn is_canonical_domain(name: &str) -> bool {
    if name.is_empty() || name.len() > 253 || !name.is_ascii() {
        return false;
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if !labels.iter().all(label_ok) {
        return false;
    }
    !is_numeric_label(labels.last().expect("two labels"))
}

/// The WHATWG host parser's "ends in a number": a last label of digits, or `0x` and hex digits
/// (possibly none), makes the name an IPv4 address to that parser.
fn is_numeric_label(label: &str) -> bool {
    let hex = label.strip_prefix("0x");
    match hex {
        Some(rest) => rest.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        None => label.bytes().all(|b| b.is_ascii_digit()),
    }
}

/// SPEC §2.2: a subject (or domain) input longer than this many UTF-8 bytes is refused.
pub const MAX_SUBJECT_INPUT_BYTES: usize = 1024;

/// Normalizes a user-typed domain (§2.3): one trailing dot dropped, ASCII case folded; input
/// with non-ASCII code points is mapped by UTS #46 (non-transitional, as the WHATWG URL host
/// parser), which is also where compatibility characters such as the Kelvin sign become ASCII.
/// The only ASCII allowed in the input is letters, digits, `-` and `.`; the result must be
/// canonical.
pub fn normalize_domain(input: &str) -> Result<String> {
    if input.is_empty() || input.len() > MAX_SUBJECT_INPUT_BYTES {
        return Err(err(Code::BadSubject, "bad domain name"));
    }
    let trimmed = input.strip_suffix('.').unwrap_or(input);
    if trimmed.bytes().any(|b| b.is_ascii() && !(b.is_ascii_alphanumeric() || b == b'-' || b == b'.')) {
        return Err(err(Code::BadSubject, format!("not a domain name: {input:?}")));
    }
    let ascii = if trimmed.is_ascii() {
        trimmed.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(trimmed).map_err(|_| err(Code::BadSubject, "domain fails IDNA processing"))?
    };
    if is_canonical_domain(&ascii) {
        Ok(ascii)
    } else {
        Err(err(Code::BadSubject, format!("not a valid domain name: {input:?}")))
    }
}

/// A user-name rule (SPEC §2.2 table): the input must be ASCII; letters are lower-cased when
/// `fold`; then every byte is in `chars`, the first in `first`, the last in `last`, no two bytes
/// of `lone` adjacent, the length in `min..=max`, and no suffix of `not_suffix`.
struct NameRule {
    chars: &'static str,
    first: Option<&'static str>,
    last: Option<&'static str>,
    lone: &'static str,
    min: usize,
    max: usize,
    fold: bool,
    not_suffix: &'static [&'static str],
}

/// How a channel's id is read.
enum Grammar {
    Domain,
    Name(NameRule),
    /// `user@host`; `lead` is a canonical leading `@` (ap); `matrix` also reads `@user:host`.
    Account {
        name: NameRule,
        lead: bool,
        matrix: bool,
    },
    Nostr,
    Orcid,
}

const fn rule(chars: &'static str, min: usize, max: usize, fold: bool) -> NameRule {
    NameRule { chars, first: None, last: None, lone: "", min, max, fold, not_suffix: &[] }
}

macro_rules! set {
    ($($s:expr),*) => { concat!($($s),*) };
}
macro_rules! alnum {
    () => {
        "abcdefghijklmnopqrstuvwxyz0123456789"
    };
}
const ALNUM: &str = alnum!();
const DIGITS: &str = "0123456789";
// RFC 7622 §3.3.1 localpart: printable ASCII except space and "&'/:<>@.
const XMPP_LOCAL: &str = "!#$%()*+,-.0123456789;=?ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
const IRC_FIRST: &str = "abcdefghijklmnopqrstuvwxyz[]\\`_^{|}";
const IRC_CHARS: &str = set!(alnum!(), "[]\\`_^{|}-");
const ATEXT: &str = set!(alnum!(), "!#$%&'*+/=?^_`{|}~-");

/// SPEC §2.2: channel → grammar of its id (the same table as kez-core's subjects.ts).
fn grammar(channel: &str) -> Option<Grammar> {
    use Grammar::*;
    let acct = |name| Account { name, lead: false, matrix: false };
    Some(match channel {
        "dns" | "bluesky" | "web" | "owncast" => Domain,
        "github" => Name(NameRule { first: Some(ALNUM), last: Some(ALNUM), lone: "-", ..rule(set!(alnum!(), "-"), 1, 39, true) }),
        "nostr" => Nostr,
        "ap" => Account {
            name: NameRule {
                first: Some(set!(alnum!(), "_")),
                last: Some(set!(alnum!(), "_")),
                ..rule(set!(alnum!(), "_.-"), 1, 64, true)
            },
            lead: true,
            matrix: false,
        },
        "xmpp" => acct(rule(XMPP_LOCAL, 1, 1023, true)),
        "irc" => acct(NameRule { first: Some(IRC_FIRST), ..rule(IRC_CHARS, 1, 30, true) }),
        "matrix" => Account { name: rule(set!(alnum!(), "._=-/+"), 1, 253, true), lead: false, matrix: true },
        "openpgp" => {
            acct(NameRule { first: Some(ATEXT), last: Some(ATEXT), lone: ".", ..rule(set!(alnum!(), "!#$%&'*+/=?^_`{|}~-."), 1, 64, true) })
        }
        "gitlab" => acct(NameRule {
            first: Some(set!(alnum!(), "_.")),
            last: Some(set!(alnum!(), "_-")),
            not_suffix: &[".git", ".atom"],
            ..rule(set!(alnum!(), "_.-"), 2, 255, true)
        }),
        "gitea" => acct(NameRule { first: Some(ALNUM), last: Some(ALNUM), lone: "-_.", ..rule(set!(alnum!(), "-_."), 1, 40, true) }),
        "discourse" => {
            acct(NameRule { first: Some(set!(alnum!(), "_")), last: Some(ALNUM), lone: "_.-", ..rule(set!(alnum!(), "_.-"), 1, 60, true) })
        }
        "hackernews" => Name(rule(set!(alnum!(), "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_"), 2, 15, false)),
        "reddit" => Name(rule(set!(alnum!(), "-_"), 3, 20, true)),
        "lobsters" => Name(NameRule { first: Some(ALNUM), ..rule(set!(alnum!(), "_-"), 1, 25, true) }),
        "lichess" => Name(NameRule { first: Some(ALNUM), last: Some(ALNUM), ..rule(set!(alnum!(), "_-"), 2, 30, true) }),
        "liberapay" => Name(rule(set!(alnum!(), "_.-"), 1, 32, true)),
        "stackexchange" => acct(NameRule { first: Some("123456789"), ..rule(DIGITS, 1, 12, false) }),
        "orcid" => Orcid,
        _ => return None,
    })
}

fn parse_name(input: &str, r: &NameRule) -> Option<String> {
    if !input.is_ascii() {
        return None;
    }
    let s = if r.fold { input.to_ascii_lowercase() } else { input.to_string() };
    let b = s.as_bytes();
    let within = |set: &str, c: u8| set.as_bytes().contains(&c);
    let ok = (r.min..=r.max).contains(&b.len())
        && b.iter().all(|&c| within(r.chars, c))
        && within(r.first.unwrap_or(r.chars), b[0])
        && within(r.last.unwrap_or(r.chars), b[b.len() - 1])
        && !b.windows(2).any(|w| within(r.lone, w[0]) && within(r.lone, w[1]))
        && !r.not_suffix.iter().any(|x| s.ends_with(x));
    ok.then_some(s)
}

/// ORCID iD `0000-0000-0000-000X` with its ISO 7064 MOD 11-2 check character.
fn parse_orcid(raw: &str) -> Option<String> {
    let id = match raw.strip_suffix('x') {
        Some(head) => format!("{head}X"),
        None => raw.to_string(),
    };
    let b = id.as_bytes();
    let shape = b.len() == 19
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 9 | 14 => c == b'-',
            18 => c.is_ascii_digit() || c == b'X',
            _ => c.is_ascii_digit(),
        });
    if !shape {
        return None;
    }
    let digits: Vec<u8> = b.iter().copied().filter(|&c| c != b'-').collect();
    let total = digits[..15].iter().fold(0u32, |t, &d| (t + u32::from(d - b'0')) * 2);
    let check = (12 - total % 11) % 11;
    let want = if check == 10 { b'X' } else { b'0' + check as u8 };
    (digits[15] == want).then_some(id)
}

/// Parses any accepted input form and returns the canonical subject string.
pub fn normalize_subject(input: &str) -> Result<String> {
    let bad = || err(Code::BadSubject, format!("not a valid subject: {input:?}"));
    if input.len() > MAX_SUBJECT_INPUT_BYTES {
        return Err(bad());
    }
    let (channel, id) = input.split_once(':').ok_or_else(bad)?;
    let mut channel = channel.to_ascii_lowercase();
    if channel == "mastodon" {
        channel = "ap".into();
    }
    let canonical = match grammar(&channel).ok_or_else(bad)? {
        Grammar::Domain => normalize_domain(id)?,
        Grammar::Name(r) => parse_name(id, &r).ok_or_else(bad)?,
        Grammar::Nostr => {
            let key = KeyId::parse_input(&format!("nostr:{id}")).map_err(|_| bad())?;
            return Ok(key.to_string());
        }
        Grammar::Orcid => parse_orcid(id).ok_or_else(bad)?,
        Grammar::Account { name, lead, matrix } => {
            let (user, host) = match id.strip_prefix('@').and_then(|r| r.split_once(':')) {
                Some(parts) if matrix => parts,
                _ => {
                    let rest = if lead { id.strip_prefix('@').unwrap_or(id) } else { id };
                    rest.split_once('@').ok_or_else(bad)?
                }
            };
            let user = parse_name(user, &name).ok_or_else(bad)?;
            let out = format!("{}{user}@{}", if lead { "@" } else { "" }, normalize_domain(host)?);
            if matrix && out.len() + 1 > 255 {
                return Err(bad());
            }
            out
        }
    };
    Ok(format!("{channel}:{canonical}"))
}

/// A subject inside a signed object: must be its own canonical form, else `bad_subject`.
pub fn check_canonical_subject(text: &str) -> Result<()> {
    match normalize_subject(text) {
        Ok(canonical) if canonical == text => Ok(()),
        _ => Err(err(Code::BadSubject, format!("subject is not canonical: {text:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_forms_normalize() {
        assert_eq!(normalize_subject("GitHub:Jason").unwrap(), "github:jason");
        assert_eq!(normalize_subject("mastodon:Alice@Example.COM.").unwrap(), "ap:@alice@example.com");
        assert_eq!(normalize_subject("dns:bücher.example").unwrap(), "dns:xn--bcher-kva.example");
        assert_eq!(normalize_subject("bluesky:xn--bcher-kva.example").unwrap(), "bluesky:xn--bcher-kva.example");
        // UTS #46 maps the Kelvin sign in a domain; a last label that only looks numeric is a name.
        assert_eq!(normalize_subject("dns:\u{212a}ez.example").unwrap(), "dns:kez.example");
        assert_eq!(normalize_subject("dns:a.0xg").unwrap(), "dns:a.0xg");
    }

    #[test]
    fn bad_subjects_are_refused() {
        for s in [
            "dns:localhost",
            "dns:1.2.3.4",
            "dns:-a.example",
            "dns:a..example",
            "github:-x",
            "github:a--b",
            "github:a-",
            "ap:@.x@example.com",
            "twitter:x",
            "nostr:npub1xyz",
            "dns:[::1]",
            "dns:example.0x1",
            "dns:example.0X",
            "dns:b\u{fc}.0x1",
            "dns:\u{1}b\u{fc}.example",
            "github:\u{212a}ez",
            "ap:@\u{212a}ez@example.social",
        ] {
            assert!(normalize_subject(s).is_err(), "{s}");
        }
        assert!(check_canonical_subject("github:Jason").is_err());
        assert!(check_canonical_subject("ap:alice@example.com").is_err());
        assert!(check_canonical_subject("dns:example.com.").is_err());
        assert!(check_canonical_subject("ap:@alice@example.com").is_ok());
    }
}
