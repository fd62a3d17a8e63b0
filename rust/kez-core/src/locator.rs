//! SPEC §5.1: the locator grammar, a small subset of absolute URLs that every URL parser reads
//! one way (no userinfo, no IP-literal tricks, no fragment, nothing a parser would rewrite).
use crate::subject::is_canonical_domain;

/// `0`–`255` in decimal without leading zeros.
fn dec_octet(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 3
        && s.bytes().all(|b| b.is_ascii_digit())
        && !(s.len() > 1 && s.starts_with('0'))
        && s.parse::<u16>().is_ok_and(|n| n <= 255)
}

fn ipv4(host: &str) -> bool {
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4 && parts.iter().all(|p| dec_octet(p))
}

/// `1`–`65535` without leading zeros.
fn port(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 5
        && s.bytes().all(|b| b.is_ascii_digit())
        && !s.starts_with('0')
        && s.parse::<u32>().is_ok_and(|n| n <= 65535)
}

/// RFC 3986 `*pchar` (plus the bytes in `extra`): unreserved, sub-delims, `:`, `@`, or `%HH`.
fn pchars(s: &str, extra: &[u8]) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            if i + 2 >= b.len() || !b[i + 1].is_ascii_hexdigit() || !b[i + 2].is_ascii_hexdigit() {
                return false;
            }
            i += 3;
            continue;
        }
        if !(c.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&c) || extra.contains(&c)) {
            return false;
        }
        i += 1;
    }
    true
}

/// `.` and `..` segments (also as `%2e`) are resolved away by URL parsers: a second text form.
fn dot_segment(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    matches!(lower.as_str(), "." | ".." | "%2e" | ".%2e" | "%2e." | "%2e%2e")
}

/// True if `url` is a locator per §5.1 (the 256-byte limit is checked before, as `too_large`).
pub fn locator_ok(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else { return false };
    if !matches!(scheme, "https" | "http" | "wss" | "ws") || rest.contains('#') {
        return false;
    }
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = match before_query.find('/') {
        Some(i) => before_query.split_at(i),
        None => (before_query, ""),
    };
    let (host, port_text) = match authority.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    (is_canonical_domain(host) || ipv4(host))
        && port_text.is_none_or(port)
        && path.split('/').skip(1).all(|seg| pchars(seg, b"") && !dot_segment(seg))
        && query.is_none_or(|q| pchars(q, b"/?"))
}

#[cfg(test)]
mod tests {
    use super::locator_ok;

    #[test]
    fn grammar() {
        for ok in ["https://sig.example.com/kez", "ws://127.0.0.1:7777", "https://a.example/p?q=1&r=/x", "wss://relay.example/%41"] {
            assert!(locator_ok(ok), "{ok}");
        }
        for bad in [
            "HTTPS://a.example/",
            "https:a.example/",
            "https://user@a.example/",
            "https://@a.example/",
            "https://[::1]/",
            "https://a.example:0/",
            "https://a.example:080/",
            "https://a.example:65536/",
            "https://a.example:/",
            "https://%61.example/",
            "https://a.example/ x",
            "https://a.example/é",
            "https://a.example/#f",
            "https://a.example/%zz",
            "https://a.example/%4",
            "https://a.example/./x",
            "https://a.example/%2E%2e/x",
            "https://A.example/",
            "https://a.0x1/",
            "https://01.2.3.4/",
            "ftp://a.example/",
        ] {
            assert!(!locator_ok(bad), "{bad}");
        }
    }
}
