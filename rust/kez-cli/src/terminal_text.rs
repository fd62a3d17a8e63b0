//! Text from the network or a chain, made safe for a terminal: every control character (C0,
//! DEL, C1 — so ESC/CSI/OSC sequences, BEL, CR, backspace) and the Unicode bidi controls are
//! shown visibly escaped (`\x1b`, `\u202e`) instead of acted on. `--json` keeps the exact text.

fn unsafe_char(c: char) -> bool {
    let n = c as u32;
    n < 0x20 || (0x7f..=0x9f).contains(&n) || matches!(n, 0x061c | 0x200e | 0x200f | 0x202a..=0x202e | 0x2066..=0x2069)
}

fn escape_with(text: &str, keep_lf: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if !unsafe_char(c) || (keep_lf && c == '\n') {
            out.push(c);
        } else if (c as u32) <= 0xff {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{:04x}", c as u32));
        }
    }
    out
}

/// One value for a line of human output: nothing in it can move the cursor or reorder text.
pub fn escape_terminal(text: &str) -> String {
    escape_with(text, false)
}

/// A whole block of human output: as `escape_terminal`, but its own line breaks kept.
pub fn escape_terminal_lines(text: &str) -> String {
    escape_with(text, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_is_shown_escaped() {
        let hostile = "a\x1b[2K\r\x1b]0;t\x07\x08\x7f\u{9b}\u{202e}\u{2066}\u{200f}\u{61c}\tb\nc";
        assert_eq!(escape_terminal(hostile), "a\\x1b[2K\\x0d\\x1b]0;t\\x07\\x08\\x7f\\x9b\\u202e\\u2066\\u200f\\u061c\\x09b\\x0ac");
        assert!(escape_terminal_lines(hostile).ends_with("\\x09b\nc"));
        assert_eq!(escape_terminal("plain ✔ text"), "plain ✔ text");
    }
}
