//! `kez`, the Rust CLI: the same contract as the TypeScript CLI (packages/kez-cli/README.md).
mod chain_summary;
mod commands;
mod env;
mod homes;
mod local_chain;
mod outcome;
mod output;
mod store;
mod terminal_text;

use clap::{Args, Parser, Subcommand};
use commands::{claim, device, key, sigchain, verify};
use env::Env;
use outcome::{CliError, CliResult, Outcome};
use output::Output;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "kez", version, about = "make and check KEZ keys, claims and sigchains (SPEC v0.3)", args_override_self = true)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Global {
    /// The local store (default ~/.kez)
    #[arg(long, global = true, env = "KEZ_HOME")]
    home: Option<PathBuf>,
    /// Machine output: exactly one JSON document on stdout
    #[arg(long, global = true)]
    json: bool,
    /// The clock, in Unix seconds
    #[arg(long, global = true, value_parser = local_chain::parse_time)]
    now: Option<u64>,
    /// No ANSI colour (this CLI prints none)
    #[arg(long = "no-color", global = true)]
    no_color: bool,
    /// No progress lines on stderr
    #[arg(short, long, global = true)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Make, import and inspect keys
    #[command(subcommand)]
    Key(KeyCmd),
    /// The local identity and its sigchain
    #[command(subcommand)]
    Sigchain(SigchainCmd),
    /// Make a claim for SUBJECT (added to the sigchain) and print it; or `claim verify FILE`
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Claim(ClaimArgs),
    /// Offline checks of what a place shows, against a sigchain bundle
    #[command(subcommand)]
    Verify(VerifyCmd),
    /// Benchmark (claims verified per second, 10,000-event sigchain verify)
    #[command(hide = true)]
    Bench,
}

#[derive(Subcommand)]
enum KeyCmd {
    /// Generate a new key (the first key becomes the default)
    Gen {
        #[arg(long, default_value = "nostr")]
        alg: String,
        #[arg(long, default_value = "default")]
        name: String,
    },
    /// Import a secret key read from stdin (nsec1… or 64 hex for nostr, 64 hex seed for ed25519)
    Import {
        #[arg(long)]
        alg: String,
        #[arg(long, default_value = "default")]
        name: String,
    },
    /// List the stored keys
    List,
    /// Show a key id (the secret only with --secret)
    Show {
        name: Option<String>,
        #[arg(long)]
        secret: bool,
    },
}

#[derive(Subcommand)]
enum SigchainCmd {
    /// Create the identity: the genesis event (with a pre-rotation key by default)
    Init {
        #[arg(long)]
        key: Option<String>,
        #[arg(long = "no-precommit")]
        no_precommit: bool,
        /// A sig-server home besides the default relays (repeatable)
        #[arg(long = "sig-server")]
        sig_server: Vec<String>,
    },
    /// Show or edit the identity's homes: where claims point verifiers and where publish sends the chain
    Homes {
        /// Add a sig-server (https://…) or relay (wss://…) home (repeatable)
        #[arg(long)]
        add: Vec<String>,
        /// Remove a home (repeatable)
        #[arg(long)]
        remove: Vec<String>,
    },
    /// Make a claim for SUBJECT and append its add event; prints the claim hash
    Add {
        subject: String,
        #[command(flatten)]
        opts: NewClaimOpts,
    },
    /// Revoke a claim (by claim hash, or the live claim of a subject)
    Revoke {
        claim: String,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        key: Option<String>,
    },
    /// Rotate the primary key to NAME.next; the old key stays as NAME.old-<seq>
    Rotate {
        #[arg(long = "no-precommit")]
        no_precommit: bool,
        /// Declare the old primary compromised since SEQ: what it signed from there on is revoked
        #[arg(long = "compromised-since")]
        compromised_since: Option<u64>,
    },
    /// Recovery rotation signed by the committed key NAME.next alone (the primary may be lost)
    Recover {
        #[arg(long = "no-precommit")]
        no_precommit: bool,
        #[arg(long = "compromised-since")]
        compromised_since: Option<u64>,
    },
    /// Authorize another key (a device) to add and revoke claims
    AddDevice {
        keyname: String,
        #[arg(long = "device-name")]
        device_name: Option<String>,
    },
    /// Revoke a device key (by key name or key id)
    RevokeDevice {
        key: String,
        #[arg(long = "compromised-since")]
        compromised_since: Option<u64>,
    },
    /// On a new device: make (or use) its key and print a request to join ID
    RequestDevice {
        #[arg(long)]
        identity: String,
        /// The device's name, carried in the request
        #[arg(long)]
        name: Option<String>,
        /// The device key's name in this store (made when absent; default "device")
        #[arg(long)]
        key: Option<String>,
        #[arg(long, default_value = "nostr")]
        alg: String,
    },
    /// On the primary: add the device of a request (compact text, a file, or - for stdin)
    ApproveDevice { request: String },
    /// Status, identity, primary, devices and claims of the local chain or of a bundle
    Show { file: Option<String> },
    /// Print the local chain as a bundle (SPEC §6.5 bytes)
    Export {
        #[arg(long)]
        out: Option<String>,
    },
    /// Verify a bundle and store it (refuses invalid and forked chains)
    Import { file: String },
    /// Verify a bundle; the exit code tells its status
    Verify { file: String },
}

/// The options of a new claim, shared by `sigchain add` and `claim`.
#[derive(Args)]
struct NewClaimOpts {
    #[arg(long)]
    key: Option<String>,
    #[arg(long = "expires-at", value_parser = local_chain::parse_time)]
    expires_at: Option<u64>,
    #[arg(long = "locator")]
    locator: Vec<String>,
    /// Add it even when SUBJECT already has a live claim
    #[arg(long)]
    force: bool,
}

impl NewClaimOpts {
    fn new_claim(&self) -> local_chain::NewClaim<'_> {
        local_chain::NewClaim { key: self.key.as_deref(), expires_at: self.expires_at, locators: &self.locator, force: self.force }
    }
}

#[derive(Args)]
struct ClaimArgs {
    #[command(subcommand)]
    verify: Option<ClaimSub>,
    /// The account, e.g. github:NAME or dns:example.com
    #[arg(required = true)]
    subject: Option<String>,
    /// short, json, compact, md or dns
    #[arg(long, default_value = "md")]
    format: String,
    #[command(flatten)]
    opts: NewClaimOpts,
    #[arg(long)]
    out: Option<String>,
}

#[derive(Subcommand)]
enum ClaimSub {
    /// Verify a claim in any encoding, offline or against a sigchain bundle (--chain)
    Verify {
        file: String,
        #[arg(long)]
        chain: Option<String>,
        /// The place's owner: with it, a FILE holding a short proof is judged (as `verify short`)
        #[arg(long)]
        subject: Option<String>,
    },
    /// Print the live claim of SUBJECT again
    Show {
        subject: String,
        #[arg(long, default_value = "md")]
        format: String,
        #[arg(long)]
        out: Option<String>,
    },
}

#[derive(Subcommand)]
enum VerifyCmd {
    /// Judge a short proof (SPEC §5.2) found in TEXT at SUBJECT's place, against a bundle
    Short {
        text: String,
        #[arg(long)]
        subject: String,
        #[arg(long)]
        bundle: String,
    },
}

fn run(cli: Cli, env: &Env) -> CliResult<Outcome> {
    let done = |r: CliResult<()>| r.map(|()| Outcome::Status(kez_core::Status::Valid));
    match cli.command {
        Command::Key(k) => done(match k {
            KeyCmd::Gen { alg, name } => key::gen(env, &alg, &name),
            KeyCmd::Import { alg, name } => key::import(env, &alg, &name),
            KeyCmd::List => key::list(env),
            KeyCmd::Show { name, secret } => key::show(env, name.as_deref(), secret),
        }),
        Command::Sigchain(s) => match s {
            SigchainCmd::Init { key, no_precommit, sig_server } => done(sigchain::init(env, key.as_deref(), !no_precommit, &sig_server)),
            SigchainCmd::Homes { add, remove } => done(sigchain::homes(env, &add, &remove)),
            SigchainCmd::Add { subject, opts } => done(sigchain::add(env, &subject, &opts.new_claim())),
            SigchainCmd::Revoke { claim, reason, key } => done(sigchain::revoke(env, &claim, reason.as_deref(), key.as_deref())),
            SigchainCmd::Rotate { no_precommit, compromised_since } => {
                done(sigchain::rotate(env, sigchain::Rotation::Ordinary, !no_precommit, compromised_since))
            }
            SigchainCmd::Recover { no_precommit, compromised_since } => {
                done(sigchain::rotate(env, sigchain::Rotation::Recovery, !no_precommit, compromised_since))
            }
            SigchainCmd::AddDevice { keyname, device_name } => done(sigchain::add_device(env, &keyname, device_name.as_deref())),
            SigchainCmd::RevokeDevice { key, compromised_since } => done(sigchain::revoke_device(env, &key, compromised_since)),
            SigchainCmd::RequestDevice { identity, name, key, alg } => {
                done(device::request(env, &identity, name.as_deref(), key.as_deref().unwrap_or("device"), &alg))
            }
            SigchainCmd::ApproveDevice { request } => done(device::approve(env, &request)),
            SigchainCmd::Show { file } => sigchain::show(env, file.as_deref()),
            SigchainCmd::Export { out } => done(sigchain::export(env, out.as_deref())),
            SigchainCmd::Import { file } => done(sigchain::import(env, &file)),
            SigchainCmd::Verify { file } => sigchain::verify(env, &file),
        },
        Command::Claim(c) => match c.verify {
            Some(ClaimSub::Verify { file, chain, subject }) => claim::verify(env, &file, chain.as_deref(), subject.as_deref()),
            Some(ClaimSub::Show { subject, format, out }) => done(claim::show(env, &subject, &format, out.as_deref())),
            None => done(claim::make(
                env,
                &claim::MakeArgs {
                    subject: c.subject.as_deref().unwrap_or_default(),
                    format: &c.format,
                    new: c.opts.new_claim(),
                    out: c.out.as_deref(),
                },
            )),
        },
        Command::Verify(VerifyCmd::Short { text, subject, bundle }) => verify::short(env, &text, &subject, &bundle),
        Command::Bench => unreachable!("handled before the store is opened"),
    }
}

fn main() {
    let wants_json = std::env::args().any(|a| a == "--json");
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                std::process::exit(0);
            }
            if wants_json {
                let msg = e.to_string();
                let first = msg.lines().next().unwrap_or("usage error").trim_start_matches("error: ");
                Output::new(true, true).error(&CliError::usage("usage", first, "run `kez --help`"));
            } else {
                let _ = e.print();
            }
            std::process::exit(Outcome::Usage.exit_code());
        }
    };
    if matches!(cli.command, Command::Bench) {
        std::process::exit(commands::bench::run(cli.global.json));
    }
    // An empty KEZ_HOME counts as unset, as in the TypeScript CLI.
    let home = cli.global.home.clone().filter(|h| !h.as_os_str().is_empty());
    let home = home.unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| ".".into())).join(".kez"));
    let system_now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let now = cli
        .global
        .now
        .unwrap_or_else(|| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0));
    let _ = cli.global.no_color;
    let env = Env { out: Output::new(cli.global.json, cli.global.quiet), store: store::Store::new(home), now, system_now };
    let code = match run(cli, &env) {
        Ok(outcome) => outcome.exit_code(),
        Err(e) => {
            env.out.error(&e);
            e.outcome.exit_code()
        }
    };
    std::process::exit(code);
}
