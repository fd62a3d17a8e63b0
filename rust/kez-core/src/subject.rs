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

fn github_login_ok(login: &str) -> bool {
    let b = login.as_bytes();
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    if b.is_empty() || b.len() > 39 || !alnum(b[0]) {
        return false;
    }
    // Hyphens only between two alphanumerics.
    b.iter().enumerate().all(|(i, &c)| alnum(c) || (c == b'-' && i + 1 < b.len() && alnum(b[i + 1])))
}

fn ap_user_ok(user: &str) -> bool {
    let b = user.as_bytes();
    let edge = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_';
    let inner = |c: u8| edge(c) || c == b'.' || c == b'-';
    match b.len() {
        0 => false,
        1 => edge(b[0]),
        n if n <= 64 => edge(b[0]) && edge(b[n - 1]) && b[1..n - 1].iter().all(|&c| inner(c)),
        _ => false,
    }
}

/// Parses any accepted input form and returns the canonical subject string.
pub fn normalize_subject(input: &str) -> Result<String> {
    let bad = || err(Code::BadSubject, format!("not a valid subject: {input:?}"));
    if input.len() > MAX_SUBJECT_INPUT_BYTES {
        return Err(bad());
    }
    let (channel, id) = input.split_once(':').ok_or_else(bad)?;
    let channel = channel.to_ascii_lowercase();
    match channel.as_str() {
        "dns" => Ok(format!("dns:{}", normalize_domain(id)?)),
        "bluesky" => {
            // atproto handle syntax: the last label starts with a letter (SPEC §2.2).
            let handle = normalize_domain(id)?;
            let tld = handle.rsplit('.').next().unwrap_or("");
            if tld.starts_with(|c: char| c.is_ascii_lowercase()) {
                Ok(format!("bluesky:{handle}"))
            } else {
                Err(bad())
            }
        }
        "github" => {
            let login = id.to_ascii_lowercase();
            if github_login_ok(&login) {
                Ok(format!("github:{login}"))
            } else {
                Err(bad())
            }
        }
        "nostr" => {
            let key = KeyId::parse_input(&format!("nostr:{id}")).map_err(|_| bad())?;
            Ok(key.to_string())
        }
        "ap" | "mastodon" => {
            let rest = id.strip_prefix('@').unwrap_or(id);
            let (user, host) = rest.split_once('@').ok_or_else(bad)?;
            let user = user.to_ascii_lowercase();
            if !ap_user_ok(&user) {
                return Err(bad());
            }
            Ok(format!("ap:@{user}@{}", normalize_domain(host)?))
        }
        _ => Err(bad()),
    }
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
        assert!(normalize_subject("bluesky:alice.3com").is_err());
        assert!(normalize_subject("bluesky:alice.9a").is_err());
        assert_eq!(normalize_subject("dns:alice.3com").unwrap(), "dns:alice.3com");
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
