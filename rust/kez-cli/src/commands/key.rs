//! kez key gen | import | list | show
use crate::env::{generate, parse_alg, record, Env};
use crate::outcome::{CliError, CliResult};
use crate::store::{check_key_name, suite_name, KeyRecord};
use kez_core::keys::{SecretKey, Suite};
use serde_json::json;
use std::io::{IsTerminal, Read};

pub fn gen(env: &Env, alg: &str, name: &str) -> CliResult<()> {
    let suite = parse_alg(alg)?;
    check_key_name(name)?;
    env.store.assert_key_free(name)?;
    save_new(env, &generate(suite, name, env.now))
}

pub fn import(env: &Env, alg: &str, name: &str) -> CliResult<()> {
    let suite = parse_alg(alg)?;
    check_key_name(name)?;
    env.store.assert_key_free(name)?;
    let hint = match suite {
        Suite::Bip340 => "a nostr secret is nsec1… or 64 hex digits (a scalar 1 ≤ d < n)",
        Suite::Ed25519 => "an ed25519 secret is the 32-byte seed as 64 hex digits",
    };
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(CliError::usage(
            "no_secret",
            "the secret is read from stdin, which is a terminal",
            "pipe it in, e.g. `kez key import --alg nostr < secret.txt` (never put secrets in argv)",
        ));
    }
    let mut buf = Vec::new();
    stdin.lock().take(4097).read_to_end(&mut buf).map_err(|e| CliError::local("file", format!("cannot read stdin: {e}"), ""))?;
    if buf.len() > 4096 {
        return Err(CliError::usage(
            "bad_secret",
            "stdin holds more than a secret key",
            "pipe in only the secret (nsec1… or 64 hex digits)",
        ));
    }
    let text = String::from_utf8(buf).unwrap_or_default();
    if text.trim().is_empty() {
        return Err(CliError::usage(
            "no_secret",
            "no secret on stdin",
            "pipe the secret in, e.g. `kez key import --alg nostr < secret.txt`",
        ));
    }
    // Never echo the input: it is a secret.
    let sk = SecretKey::parse_input(suite, &text)
        .map_err(|_| CliError::usage("bad_secret", format!("stdin does not hold a {alg} secret key"), hint))?;
    save_new(env, &record(&sk, name, env.now))
}

fn save_new(env: &Env, rec: &KeyRecord) -> CliResult<()> {
    env.store.write_key(rec)?;
    let mut config = env.store.read_config()?;
    let is_default = config.default_key.is_none();
    if is_default {
        config.default_key = Some(rec.name.clone());
        env.store.write_config(&config)?;
    }
    env.out.result(json!({ "name": rec.name, "suite": suite_name(rec.suite), "key": rec.key, "default": is_default }), || rec.key.clone());
    Ok(())
}

pub fn list(env: &Env) -> CliResult<()> {
    let def = env.store.read_config()?.default_key;
    let keys = env.store.list_keys()?;
    let doc: Vec<_> = keys
        .iter()
        .map(|k| json!({ "name": k.name, "suite": suite_name(k.suite), "key": k.key, "default": Some(&k.name) == def.as_ref(), "created_at": k.created_at }))
        .collect();
    env.out.result(json!({ "keys": doc }), || {
        if keys.is_empty() {
            return "no keys yet: run `kez key gen`".into();
        }
        let width = keys.iter().map(|k| k.name.len()).max().unwrap_or(0);
        keys.iter()
            .map(|k| {
                let mark = if Some(&k.name) == def.as_ref() { '*' } else { ' ' };
                format!("{mark} {:width$}  {:7}  {}", k.name, suite_name(k.suite), k.key)
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

pub fn show(env: &Env, name: Option<&str>, secret: bool) -> CliResult<()> {
    let config = env.store.read_config()?;
    let name = name.map(str::to_string).or(config.default_key.clone()).ok_or_else(|| {
        CliError::local("no_key", "no default key in this store", "run `kez key gen` to make one, or name a key: `kez key show NAME`")
    })?;
    let rec = env.store.read_key(&name)?;
    let is_default = config.default_key.as_deref() == Some(rec.name.as_str());
    let mut doc =
        json!({ "name": rec.name, "suite": suite_name(rec.suite), "key": rec.key, "default": is_default, "created_at": rec.created_at });
    let mut lines = vec![
        format!("name     {}{}", rec.name, if is_default { " (default)" } else { "" }),
        format!("suite    {}", suite_name(rec.suite)),
        format!("key      {}", rec.key),
        format!("created  {}", rec.created_at),
    ];
    if secret {
        doc["secret"] = rec.secret.clone().into();
        lines.push(format!("secret   {}", rec.secret));
        if rec.suite == Suite::Bip340 {
            let bytes = kez_core::textenc::hex_array::<32>(&rec.secret).expect("checked on read");
            let nsec = kez_core::keys::nsec_encode(&bytes);
            lines.push(format!("nsec     {nsec}"));
            doc["nsec"] = nsec.into();
        }
    }
    env.out.result(doc, || lines.join("\n"));
    Ok(())
}
