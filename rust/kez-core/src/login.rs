//! Login assertions (SPEC §7).
use crate::chain::ChainResult;
use crate::error::Status;
use crate::error::{err, Code, Result};
use crate::keys::SecretKey;
use crate::object::{self, shape_common, Common, Deferred, Members, KIND_LOGIN};
use serde_json::{Map, Value};

const MEMBERS: &[&str] = &["kez", "type", "key", "created_at", "sig", "identity", "audience", "nonce", "expires_at"];
pub const MAX_LIFETIME: u64 = 300;
pub const LOGIN_SKEW: u64 = 60;

pub struct Login {
    pub object: Map<String, Value>,
    pub common: Common,
    pub identity: String,
    pub audience: String,
    pub nonce: String,
    pub expires_at: u64,
}

impl Login {
    pub fn from_object(object: Map<String, Value>) -> Result<Login> {
        let mut d = Deferred::default();
        let m = Members::closed(&object, "login", MEMBERS, &[])?;
        shape_common(&m, "login", &mut d)?;
        let identity = m.identity("identity")?.to_string();
        let audience = m.str("audience")?.to_string();
        if audience.is_empty() || audience.len() > 256 {
            return Err(err(Code::Malformed, "login: audience must be 1-256 bytes"));
        }
        let nonce = hex::encode(m.hex::<16>("nonce")?);
        let created_at = m.int("created_at")?;
        let expires_at = m.int("expires_at")?;
        if expires_at <= created_at {
            return Err(err(Code::Malformed, "login: expires_at must be after created_at"));
        }
        if expires_at > created_at + MAX_LIFETIME {
            return Err(err(Code::TooLarge, "login lifetime exceeds 300 s"));
        }
        let key = d.check()?[0];
        let common = object::common(&m, key)?;
        Ok(Login { common, identity, audience, nonce, expires_at, object })
    }

    /// §4 verification of the object itself (future skew 60 s for logins).
    pub fn verify(object: Map<String, Value>, now: u64) -> Result<Login> {
        let login = Login::from_object(object)?;
        if !login.common.key.verify(&object::signing_input(KIND_LOGIN, &login.object), &login.common.sig) {
            return Err(err(Code::BadSignature, "signature does not verify"));
        }
        if login.common.created_at > now.saturating_add(LOGIN_SKEW) {
            return Err(err(Code::Future, "login created more than 60 s in the future"));
        }
        Ok(login)
    }

    /// §7 acceptance by the service `audience`, given the identity's chain. Single use of the
    /// nonce is the service's job (it keeps the seen nonces).
    pub fn accept(&self, audience: &str, now: u64, chain: &ChainResult) -> Result<()> {
        if self.audience != audience {
            return Err(err(Code::NotAuthorized, "login is for another service"));
        }
        if now >= self.expires_at {
            return Err(err(Code::Expired, "login has expired"));
        }
        let v = &chain.verification;
        let state = match (&chain.state, v.status) {
            (Some(s), Status::Valid) => s,
            _ => return Err(err(v.code.unwrap_or(Code::NoChain), format!("sigchain: {}", v.reason))),
        };
        if self.identity != state.identity {
            return Err(err(Code::IdentityMismatch, "the chain is of another identity"));
        }
        let key = self.common.key;
        // §7: a key with a retirement on the resolved path or on a superseded branch (a revoked
        // device always has one) gets the retirement's code, strongest first (§6.6 order).
        if let Some(code) = chain.retirement_of(&key, None) {
            return Err(err(code, format!("the login key was retired ({})", code.as_str())));
        }
        if key != state.primary && !state.is_active_device(&key) {
            return Err(err(Code::KeyRotated, "the login key is not the primary or an active device"));
        }
        Ok(())
    }

    pub fn sign(
        secret: &SecretKey,
        identity: &str,
        audience: &str,
        nonce: &[u8; 16],
        created_at: u64,
        expires_at: u64,
        aux: &[u8; 32],
    ) -> Result<Login> {
        let mut o = Map::new();
        o.insert("kez".into(), object::VERSION.as_str().into());
        o.insert("type".into(), "login".into());
        o.insert("key".into(), secret.key_id().to_string().into());
        o.insert("created_at".into(), created_at.into());
        o.insert("identity".into(), identity.into());
        o.insert("audience".into(), audience.into());
        o.insert("nonce".into(), hex::encode(nonce).into());
        o.insert("expires_at".into(), expires_at.into());
        object::sign_into(KIND_LOGIN, &mut o, secret, aux);
        Login::from_object(o)
    }
}
