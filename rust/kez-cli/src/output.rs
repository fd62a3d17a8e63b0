//! Where output goes: under --json exactly one JSON document on stdout (results and errors);
//! otherwise human text on stdout, warnings and errors on stderr.
//! Every human line is escaped for the terminal here (terminal_text), whatever built it.
use crate::outcome::CliError;
use crate::terminal_text::escape_terminal_lines;
use serde_json::{json, Value};
use std::io::Write;

pub struct Output {
    pub json: bool,
    /// Progress lines go to stderr: not --quiet, and stderr is a terminal (a person watching).
    pub progress: bool,
}

impl Output {
    pub fn new(json: bool, quiet: bool) -> Output {
        use std::io::IsTerminal;
        Output { json, progress: !quiet && std::io::stderr().is_terminal() }
    }

    /// A progress line, only for a person watching.
    pub fn progress(&self, message: &str) {
        if self.progress {
            eprintln!("{}", escape_terminal_lines(message));
        }
    }

    /// The command's result: `doc` under --json, else the human text.
    pub fn result(&self, doc: Value, human: impl FnOnce() -> String) {
        let text = if self.json { doc.to_string() } else { escape_terminal_lines(&human()) };
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = out.write_all(b"\n");
        }
    }

    /// Bytes that must reach stdout unchanged (a bundle, an encoded claim).
    pub fn raw(&self, text: &str) {
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
    }

    pub fn error(&self, e: &CliError) {
        if self.json {
            let doc = json!({ "error": { "code": e.code, "message": e.message, "hint": e.hint } });
            println!("{doc}");
        } else if e.hint.is_empty() {
            eprintln!("error: {}", escape_terminal_lines(&e.message));
        } else {
            eprintln!("error: {}\nhint: {}", escape_terminal_lines(&e.message), escape_terminal_lines(&e.hint));
        }
    }
}
