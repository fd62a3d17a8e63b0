// SPEC §6.9 device requests and §6.3 add_device with a request.
import { describe, expect, it } from 'vitest';
import {
  approveDevice,
  commitment,
  createGenesis,
  createDeviceRequest,
  decode,
  encodeCompact,
  objectHash,
  readDeviceRequest,
  signObject,
  verifyChain,
  verifyDeviceRequest,
  verifyObject,
  DEVICE_REQUEST_LIFETIME,
  type ChainEvent,
  type DeviceRequest,
} from '../src/index.js';
import { D, N, NOW, P, rawEvent, stateOf, X } from './trees.js';
import { codeOf } from './probes.js';

const now = { now: NOW };
// Old enough that the whole 7-day window of a request made just after it lies before NOW.
const g = [createGenesis({ created_at: NOW - 800_000, next: commitment(N.keyId) }, P)];
const s = stateOf(g);
const T = NOW - 700_000;
const request = (p: Partial<{ identity: string; name: string; created_at: number }> = {}) =>
  createDeviceRequest({ identity: s.identity, name: 'phone', created_at: T, ...p }, D);
/** An add_device carrying `req`, signed by P at `at`, with body members as given. */
const carrying = (req: unknown, at: number, body: Record<string, unknown> = {}) =>
  rawEvent(g, 'add_device', { device: D.keyId, name: 'phone', request: req, ...body }, P, {
    created_at: at,
  });
const chainCode = (e: ChainEvent) => verifyChain([...g, e], now).code ?? 'valid';

describe('device requests (SPEC §6.9)', () => {
  it('verify in every encoding, for 7 days', async () => {
    const r = request();
    const compact = await encodeCompact(r);
    expect(decode(compact).object).toEqual(r);
    expect(verifyObject(compact, now).status).toBe('valid');
    expect(verifyDeviceRequest(compact, { now: T + DEVICE_REQUEST_LIFETIME })).toMatchObject({
      status: 'valid',
      evidence: { hash: objectHash(r), key: D.keyId, name: 'phone', identity: s.identity },
    });
    expect(verifyDeviceRequest(r, { now: T + DEVICE_REQUEST_LIFETIME + 1 }).code).toBe('expired');
    expect(codeOf(() => readDeviceRequest(g[0], now))).toBe('malformed');
  });
  it('are v0.3 only: kez "0.2" is malformed', () => {
    const { sig: _s, ...u } = request();
    const old = signObject<DeviceRequest>({ ...u, kez: '0.2' } as never, D);
    expect(verifyObject(old, now).code).toBe('malformed');
  });
});

describe('add_device with a request (SPEC §6.3)', () => {
  it('approveDevice makes an add_device that verifies, up to 7 days after the request', () => {
    const at = T + DEVICE_REQUEST_LIFETIME;
    const e = approveDevice(s, { request: request(), created_at: at }, P);
    expect(e.body).toEqual({ device: D.keyId, name: 'phone', request: request() });
    const r = verifyChain([...g, e], now);
    expect(r.status).toBe('valid');
    expect(r.state!.devices.get(D.keyId)).toEqual({ name: 'phone', seq: 1, addedBy: P.keyId });
  });
  it('approveDevice refuses with precise codes', () => {
    const at = T + 10;
    expect(
      codeOf(() =>
        approveDevice(s, { request: request(), created_at: T + DEVICE_REQUEST_LIFETIME + 1 }, P),
      ),
    ).toBe('expired');
    expect(codeOf(() => approveDevice(s, { request: request(), created_at: T - 1 }, P))).toBe(
      'future',
    );
    expect(
      codeOf(() =>
        approveDevice(
          s,
          { request: request({ identity: `kez:id:${'ab'.repeat(32)}` }), created_at: at },
          P,
        ),
      ),
    ).toBe('identity_mismatch');
    expect(
      codeOf(() =>
        approveDevice(s, { request: { ...request(), name: 'tablet' }, created_at: at }, P),
      ),
    ).toBe('bad_signature');
    const own = createDeviceRequest({ identity: s.identity, created_at: T }, P);
    expect(codeOf(() => approveDevice(s, { request: own, created_at: at }, P))).toBe('bad_key');
  });
  it('the chain refuses every request that does not fit with bad_reverse', () => {
    const at = T + 10;
    expect(chainCode(carrying(request(), at))).toBe('valid');
    // 7 days + 1 s after the request; before the request.
    expect(chainCode(carrying(request(), T + DEVICE_REQUEST_LIFETIME + 1))).toBe('bad_reverse');
    expect(chainCode(carrying(request(), T - 1))).toBe('bad_reverse');
    // The name differs, or only one side names the device.
    expect(chainCode(carrying(request(), at, { name: 'tablet' }))).toBe('bad_reverse');
    const nameless = rawEvent(g, 'add_device', { device: D.keyId, request: request() }, P, {
      created_at: at,
    });
    expect(chainCode(nameless)).toBe('bad_reverse');
    const unnamed = createDeviceRequest({ identity: s.identity, created_at: T }, D);
    expect(chainCode(carrying(unnamed, at))).toBe('bad_reverse');
    // Another identity; another key than body.device; a bad signature; a future request.
    expect(chainCode(carrying(request({ identity: `kez:id:${'ab'.repeat(32)}` }), at))).toBe(
      'bad_reverse',
    );
    expect(chainCode(carrying(request(), at, { device: X.keyId }))).toBe('bad_reverse');
    expect(chainCode(carrying({ ...request(), created_at: T + 1 }, at))).toBe('bad_reverse');
    const late = request({ created_at: NOW + 601 });
    expect(chainCode(carrying(late, NOW + 601))).toBe('future');
  });
  it('structure failures of the request are the event own codes', () => {
    const at = T + 10;
    expect(chainCode(carrying({ ...request(), zz: 1 }, at))).toBe('malformed');
    expect(chainCode(carrying({ ...request(), kez: '0.4' }, at))).toBe('unsupported_version');
    expect(chainCode(carrying({ ...request(), key: 'ed25519:00' }, at))).toBe('bad_key');
    expect(chainCode(carrying('not an object', at))).toBe('malformed');
  });
  it('carries exactly one of reverse and request; request is v0.3 only', () => {
    const at = T + 10;
    expect(chainCode(carrying(request(), at, { reverse: 'ab'.repeat(64) }))).toBe('malformed');
    expect(chainCode(rawEvent(g, 'add_device', { device: D.keyId }, P))).toBe('malformed');
    expect(
      chainCode(
        rawEvent(g, 'add_device', { device: D.keyId, name: 'phone', request: request() }, P, {
          version: '0.2',
          created_at: at,
        }),
      ),
    ).toBe('malformed');
  });
  it('a device key is never added twice, even one that was the primary', () => {
    const e = rawEvent(g, 'add_device', { device: P.keyId }, P, { grantee: P });
    expect(chainCode(e)).toBe('bad_key');
    expect(chainCode(rawEvent(g, 'add_device', { device: N.keyId }, P, { grantee: N }))).toBe(
      'valid',
    );
  });
});
