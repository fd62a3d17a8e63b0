// Device requests (SPEC §6.9): a new device signs its own request to join an identity, so no
// secret is copied; the primary approves it with an add_device carrying it (sigchain.ts).
import { fail, type Code } from './errors.js';
import type { Signer } from './keys.js';
import type { DeviceRequest } from './objects.js';
import { signValid, verifySignedObject } from './signing.js';
import { valid, verdictFrom, type Verdict } from './verdict.js';
import { DEVICE_REQUEST_LIFETIME } from './limits.js';

export function createDeviceRequest(
  p: { identity: string; name?: string; created_at: number },
  deviceSigner: Signer,
): DeviceRequest {
  return signValid<DeviceRequest>(
    {
      kez: '0.3',
      type: 'device_request',
      identity: p.identity,
      key: deviceSigner.keyId,
      ...(p.name === undefined ? {} : { name: p.name }),
      created_at: p.created_at,
    },
    deviceSigner,
  );
}

/**
 * SPEC §6.3: why `request` cannot make `device` (named `name`) a device of `identity` by an
 * add_device signed at `at`; null when it can. The chain reports every such failure as
 * bad_reverse; the code here is the precise one, for tools (approveDevice, the CLI).
 */
export function requestMismatch(
  request: DeviceRequest,
  p: { identity: string; device: string; name: string | undefined; at: number },
): { code: Code; reason: string } | null {
  if (request.key !== p.device)
    return { code: 'bad_key', reason: `the request is by ${request.key}, not ${p.device}` };
  if (request.identity !== p.identity)
    return { code: 'identity_mismatch', reason: `the request asks to join ${request.identity}` };
  if (request.name !== p.name)
    return { code: 'malformed', reason: 'the request names the device differently' };
  if (p.at < request.created_at)
    return { code: 'future', reason: 'the approval is older than the request' };
  if (p.at > request.created_at + DEVICE_REQUEST_LIFETIME)
    return {
      code: 'expired',
      reason: `the request expired at ${request.created_at + DEVICE_REQUEST_LIFETIME}`,
    };
  return null;
}

/**
 * A device request from any encoding (or a parsed object), verified (SPEC §4) and not expired
 * at `now` (SPEC §6.9). Throws KezError.
 */
export function readDeviceRequest(
  value: unknown,
  opts: { now: number },
): { request: DeviceRequest; hash: string } {
  const { object, hash } = verifySignedObject(value, opts.now);
  if (object.type !== 'device_request')
    fail('malformed', `expected a device request, got ${object.type}`);
  const expires = object.created_at + DEVICE_REQUEST_LIFETIME;
  if (opts.now > expires)
    fail('expired', `the device request expired at ${expires}`, { hash, expires_at: expires });
  return { request: object, hash };
}

/** readDeviceRequest as a verdict; evidence names the hash, identity, key, name and expiry. */
export function verifyDeviceRequest(value: unknown, opts: { now: number }): Verdict {
  return verdictFrom(() => {
    const { request, hash } = readDeviceRequest(value, opts);
    return valid(`${request.key} asks to join ${request.identity}`, {
      hash,
      identity: request.identity,
      key: request.key,
      ...(request.name === undefined ? {} : { name: request.name }),
      expires_at: request.created_at + DEVICE_REQUEST_LIFETIME,
    });
  });
}
