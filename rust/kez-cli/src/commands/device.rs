//! kez sigchain request-device (on the new device) | approve-device (on the primary): SPEC §6.9,
//! so a device's secret never leaves it.
use crate::env::{generate, parse_alg, random32, read_input, Env, CLAIM_INPUT_LIMIT};
use crate::local_chain as lc;
use crate::outcome::{CliError, CliResult};
use kez_core::device_request::DeviceRequest;
use kez_core::encoding::{compact, Encoding};
use kez_core::signed::{decode_and_verify, encode, Signed};
use serde_json::{json, Map, Value};

pub fn request(env: &Env, identity: &str, name: Option<&str>, key_name: &str, alg: &str) -> CliResult<()> {
    if !identity.strip_prefix("kez:id:").is_some_and(|h| h.len() == 64 && kez_core::textenc::is_lower_hex(h)) {
        return Err(CliError::usage(
            "bad_identity",
            format!("'{identity}' is not an identity id"),
            "an identity id looks like kez:id:<64 hex>",
        ));
    }
    let rec = if env.store.has_key(key_name) {
        env.store.read_key(key_name)?
    } else {
        let rec = generate(parse_alg(alg)?, key_name, env.now);
        env.store.write_key(&rec)?;
        rec
    };
    let req = DeviceRequest::sign(&rec.secret_key()?, identity, name, lc::signing_time(env)?, &random32()).map_err(|e| {
        CliError::usage(e.code.as_str(), format!("cannot make the request: {}", e.reason), "a device name is at most 64 bytes")
    })?;
    let text = encode(&req.object, Encoding::Compact);
    if env.out.json {
        env.out.result(json!({ "request": text, "key": rec.key, "identity": identity }), String::new);
    } else {
        env.out.raw(&format!("{text}\n"));
    }
    Ok(())
}

/// REQUEST: the compact text itself, `-` for stdin, or a file holding it (any encoding).
fn read_request(env: &Env, spec: &str) -> CliResult<DeviceRequest> {
    let bytes = if spec.trim_start().starts_with(compact::PREFIX) {
        spec.as_bytes().to_vec()
    } else {
        read_input(spec, CLAIM_INPUT_LIMIT)?
            .ok_or_else(|| CliError::usage("too_large", "the request is larger than 1 MiB", "give the compact text kez:z1:…"))?
    };
    match decode_and_verify(&bytes, env.now).1 {
        Ok(Signed::DeviceRequest(r)) => Ok(r),
        Ok(other) => {
            let kind = other.object().get("type").and_then(Value::as_str).unwrap_or("object").to_string();
            Err(CliError::usage(
                "not_a_request",
                format!("this is a KEZ {kind}, not a device request"),
                "run `kez sigchain request-device` on the new device",
            ))
        }
        Err(e) => Err(CliError::kez(&e, format!("the device request does not verify: {}", e.reason), "ask the device for a fresh request")),
    }
}

pub fn approve(env: &Env, spec: &str) -> CliResult<()> {
    let req = read_request(env, spec)?;
    let mut chain = lc::load(env)?;
    let primary = lc::primary_record(env, &chain)?;
    let device = req.common.key.to_string();
    let mut body = Map::new();
    body.insert("device".into(), device.clone().into());
    if let Some(n) = &req.name {
        body.insert("name".into(), n.clone().into());
    }
    body.insert("request".into(), Value::Object(req.object.clone()));
    let event = lc::draft(&chain, lc::signing_time(env)?, "add_device", body)
        .sign(&primary.secret_key()?, None, &random32())
        .map_err(|e| CliError::usage(e.code.as_str(), format!("cannot add the device: {}", e.reason), ""))?;
    let seq = event.seq;
    lc::append(env, &mut chain, event)?;
    env.out.result(json!({ "device": device, "name": req.name, "seq": seq }), || device.clone());
    Ok(())
}
