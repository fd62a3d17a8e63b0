//! The local store shared with the TypeScript CLI: KEZ_HOME (0700), config.json,
//! keys/NAME.json (0600), chains/<64 hex>.jsonl.
use crate::outcome::{CliError, CliResult};
use kez_core::keys::{SecretKey, Suite};
use serde_json::{json, Value};
use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

#[derive(Clone)]
pub struct KeyRecord {
    pub name: String,
    pub suite: Suite,
    pub key: String,
    pub secret: String,
    pub created_at: u64,
}

impl KeyRecord {
    pub fn secret_key(&self) -> CliResult<SecretKey> {
        let bytes = kez_core::textenc::hex_array::<32>(&self.secret)
            .ok_or_else(|| CliError::local("store", format!("key '{}' has a malformed secret", self.name), "fix or remove the key file"))?;
        SecretKey::from_bytes(self.suite, &bytes)
            .map_err(|_| CliError::local("store", format!("key '{}' holds an invalid secret", self.name), "fix or remove the key file"))
    }
}

#[derive(Default, Clone)]
pub struct Config {
    pub default_key: Option<String>,
    pub identity: Option<String>,
    /// The identity's chain sources (SPEC §10, homes), as the shared store records them.
    pub homes: Option<Vec<String>>,
}

pub struct Store {
    pub home: PathBuf,
}

/// Key names become file names: no separators, no leading dot.
pub fn check_key_name(name: &str) -> CliResult<&str> {
    let b = name.as_bytes();
    let ok_char = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-');
    if !b.is_empty() && b.len() <= 100 && (b[0].is_ascii_alphanumeric() || b[0] == b'_') && b.iter().all(|&c| ok_char(c)) {
        Ok(name)
    } else {
        Err(CliError::usage(
            "bad_name",
            format!("'{name}' is not a usable key name"),
            "use letters, digits, \".\", \"_\" and \"-\" (not starting with \".\"), e.g. --name laptop",
        ))
    }
}

fn fs_error(e: std::io::Error, path: &Path, verb: &str) -> CliError {
    CliError::local("store", format!("cannot {verb} {}: {e}", path.display()), "check KEZ_HOME; --home DIR selects another store")
}

fn corrupt(path: &Path) -> CliError {
    CliError::local(
        "store",
        format!("{} is not a valid KEZ store file", path.display()),
        "fix or remove the file, or point --home at another store",
    )
}

pub fn suite_name(s: Suite) -> &'static str {
    s.as_str()
}

fn is_identity(s: &str) -> bool {
    s.strip_prefix("kez:id:").is_some_and(|h| h.len() == 64 && kez_core::textenc::is_lower_hex(h))
}

impl Store {
    pub fn new(home: PathBuf) -> Store {
        Store { home }
    }

    fn keys_dir(&self) -> PathBuf {
        self.home.join("keys")
    }

    fn ensure_dir(&self, dir: &Path) -> CliResult<()> {
        if dir.is_dir() {
            return Ok(());
        }
        fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| fs_error(e, dir, "create"))
    }

    fn key_path(&self, name: &str) -> CliResult<PathBuf> {
        Ok(self.keys_dir().join(format!("{}.json", check_key_name(name)?)))
    }

    /// The key file's path as the TS CLI shows it: absolute (TS `resolve(home)`).
    pub fn key_path_shown(&self, name: &str) -> CliResult<String> {
        let p = self.key_path(name)?;
        Ok(std::path::absolute(&p).unwrap_or(p).display().to_string())
    }

    pub fn has_key(&self, name: &str) -> bool {
        self.key_path(name).is_ok_and(|p| p.exists())
    }

    pub fn assert_key_free(&self, name: &str) -> CliResult<()> {
        if self.has_key(name) {
            return Err(key_exists(name));
        }
        Ok(())
    }

    pub fn read_key(&self, name: &str) -> CliResult<KeyRecord> {
        let path = self.key_path(name)?;
        let meta = match fs::metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(CliError::local(
                    "no_key",
                    format!("no key named '{name}'"),
                    format!("run `kez key gen --name {name}` or `kez key import --name {name}`; `kez key list` shows the keys you have"),
                ));
            }
            Err(e) => return Err(fs_error(e, &path, "read")),
        };
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(CliError::local(
                "bad_permissions",
                format!("refusing to read key file {}: it is readable by other users", path.display()),
                format!("run `chmod 600 {}`", path.display()),
            ));
        }
        let text = fs::read(&path).map_err(|e| fs_error(e, &path, "read"))?;
        let v: Value = serde_json::from_slice(&text).map_err(|_| corrupt(&path))?;
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let suite = match v.get("suite").and_then(Value::as_str) {
            Some("ed25519") => Suite::Ed25519,
            Some("bip340") => Suite::Bip340,
            _ => return Err(corrupt(&path)),
        };
        let (Some(rec_name), Some(key), Some(secret), Some(created_at)) =
            (s("name"), s("key"), s("secret"), v.get("created_at").and_then(Value::as_u64))
        else {
            return Err(corrupt(&path));
        };
        if rec_name != name || kez_core::textenc::hex_array::<32>(&secret).is_none() {
            return Err(corrupt(&path));
        }
        Ok(KeyRecord { name: rec_name, suite, key, secret, created_at })
    }

    /// Stores a new key (0600); refuses to replace an existing one.
    pub fn write_key(&self, rec: &KeyRecord) -> CliResult<()> {
        self.ensure_dir(&self.home)?;
        self.ensure_dir(&self.keys_dir())?;
        let path = self.key_path(&rec.name)?;
        let doc =
            json!({ "name": rec.name, "suite": suite_name(rec.suite), "key": rec.key, "secret": rec.secret, "created_at": rec.created_at });
        let body = format!("{}\n", serde_json::to_string_pretty(&doc).expect("json"));
        let mut file = fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                key_exists(&rec.name)
            } else {
                fs_error(e, &path, "write")
            }
        })?;
        file.write_all(body.as_bytes()).and_then(|_| file.sync_all()).map_err(|e| fs_error(e, &path, "write"))
    }

    pub fn delete_key(&self, name: &str) -> CliResult<()> {
        let path = self.key_path(name)?;
        fs::remove_file(&path).map_err(|e| fs_error(e, &path, "remove"))
    }

    /// Gives a stored key a new name (the record's `name` member follows).
    pub fn rename_key(&self, from: &str, to: &str) -> CliResult<()> {
        let mut rec = self.read_key(from)?;
        rec.name = to.to_string();
        self.write_key(&rec)?;
        self.delete_key(from)
    }

    pub fn key_names(&self) -> CliResult<Vec<String>> {
        let dir = self.keys_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(fs_error(e, &dir, "list")),
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().and_then(|f| f.strip_suffix(".json")).map(str::to_string))
            .filter(|n| check_key_name(n).is_ok())
            .collect();
        names.sort();
        Ok(names)
    }

    pub fn list_keys(&self) -> CliResult<Vec<KeyRecord>> {
        self.key_names()?.iter().map(|n| self.read_key(n)).collect()
    }

    pub fn find_key_by_id(&self, key: &str) -> CliResult<Option<KeyRecord>> {
        Ok(self.list_keys()?.into_iter().find(|k| k.key == key))
    }

    pub fn read_config(&self) -> CliResult<Config> {
        let path = self.home.join("config.json");
        let text = match fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(fs_error(e, &path, "read")),
        };
        let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(&text) else { return Err(corrupt(&path)) };
        let get = |k: &str| -> CliResult<Option<String>> {
            match m.get(k) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(corrupt(&path)),
            }
        };
        let homes = match m.get("homes") {
            None => None,
            Some(Value::Array(items)) => {
                Some(items.iter().map(|h| h.as_str().map(str::to_string).ok_or_else(|| corrupt(&path))).collect::<CliResult<Vec<_>>>()?)
            }
            Some(_) => return Err(corrupt(&path)),
        };
        let config = Config { default_key: get("default_key")?, identity: get("identity")?, homes };
        if config.identity.as_deref().is_some_and(|i| !is_identity(i)) {
            return Err(corrupt(&path));
        }
        Ok(config)
    }

    /// config.json as the TS CLI writes it: `JSON.stringify(doc, null, 2)` with the members in
    /// the order default_key, identity, homes, and a final LF.
    pub fn write_config(&self, config: &Config) -> CliResult<()> {
        self.ensure_dir(&self.home)?;
        let mut members: Vec<(&str, Value)> = Vec::new();
        if let Some(k) = &config.default_key {
            members.push(("default_key", k.clone().into()));
        }
        if let Some(i) = &config.identity {
            members.push(("identity", i.clone().into()));
        }
        if let Some(h) = &config.homes {
            members.push(("homes", h.iter().cloned().map(Value::String).collect()));
        }
        let body = if members.is_empty() {
            "{}\n".to_string()
        } else {
            let pretty = |v: &Value| serde_json::to_string_pretty(v).expect("json").replace('\n', "\n  ");
            let lines: Vec<String> = members.iter().map(|(k, v)| format!("  {}: {}", Value::String(k.to_string()), pretty(v))).collect();
            format!("{{\n{}\n}}\n", lines.join(",\n"))
        };
        write_atomic(&self.home.join("config.json"), body.as_bytes())
    }

    fn chain_path(&self, identity: &str) -> CliResult<PathBuf> {
        match identity.strip_prefix("kez:id:") {
            Some(h) if is_identity(identity) => Ok(self.home.join("chains").join(format!("{h}.jsonl"))),
            _ => Err(CliError::usage(
                "bad_identity",
                format!("'{identity}' is not an identity id"),
                "an identity id looks like kez:id:<64 hex>",
            )),
        }
    }

    pub fn read_chain(&self, identity: &str) -> CliResult<Option<Vec<u8>>> {
        let path = self.chain_path(identity)?;
        match fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(fs_error(e, &path, "read")),
        }
    }

    pub fn write_chain(&self, identity: &str, bundle: &str) -> CliResult<()> {
        self.ensure_dir(&self.home.join("chains"))?;
        write_atomic(&self.chain_path(identity)?, bundle.as_bytes())
    }
}

/// Writes via a temporary file and a rename, so a crash never leaves half a file.
fn write_atomic(path: &Path, bytes: &[u8]) -> CliResult<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut f =
        fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp).map_err(|e| fs_error(e, &tmp, "write"))?;
    f.write_all(bytes).and_then(|_| f.sync_all()).map_err(|e| fs_error(e, &tmp, "write"))?;
    fs::rename(&tmp, path).map_err(|e| fs_error(e, path, "write"))
}

fn key_exists(name: &str) -> CliError {
    CliError::local(
        "key_exists",
        format!("a key named '{name}' already exists"),
        format!("choose another name with --name, or inspect it with `kez key show {name}`"),
    )
}
