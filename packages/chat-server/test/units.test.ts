// The small pure parts: subject layout, nonce cache, head memory, permissions, configuration.
import { describe, expect, it } from 'vitest';
import { KezError } from '@kez/core';
import {
  HeadMemory,
  NonceCache,
  identityToken,
  loadConfig,
  parseChatSubject,
  roomSubject,
  userPermissions,
} from '../src/index.js';

const ID = `kez:id:${'a1'.repeat(32)}`;

describe('subjects', () => {
  it('puts the identity hex in the subject and reads it back', () => {
    expect(roomSubject('lobby', ID)).toBe(`chat.lobby.${'a1'.repeat(32)}`);
    expect(parseChatSubject(roomSubject('lobby', ID))).toEqual({ room: 'lobby', identity: ID });
  });
  it('rejects rooms and ids that could break out of their token', () => {
    for (const room of ['a.b', '*', '>', 'Lobby', '', 'a b', '-x'])
      expect(() => roomSubject(room, ID)).toThrow(KezError);
    expect(() => identityToken('kez:id:ABC')).toThrow(KezError);
    expect(() => identityToken(`kez:id:${'A1'.repeat(32)}`)).toThrow(KezError);
    expect(parseChatSubject('chat.lobby.nothex')).toBeNull();
    expect(parseChatSubject(`chat.lobby.${'a1'.repeat(32)}.extra`)).toBeNull();
    expect(parseChatSubject(`other.lobby.${'a1'.repeat(32)}`)).toBeNull();
  });
});

describe('NonceCache', () => {
  it('uses a nonce once within its lifetime and forgets it after', () => {
    const c = new NonceCache();
    expect(c.use('n1', 160, 100)).toBe(true);
    expect(c.use('n1', 160, 120)).toBe(false);
    expect(c.has('n1', 159)).toBe(true);
    expect(c.has('n1', 160)).toBe(false);
    expect(c.use('n1', 300, 200)).toBe(true); // expired entries do not block (the assertion itself has expired)
  });
  it('refuses instead of forgetting live nonces when full', () => {
    const c = new NonceCache(2);
    expect(c.use('a', 200, 100)).toBe(true);
    expect(c.use('b', 200, 100)).toBe(true);
    expect(c.use('c', 200, 100)).toBe(false);
    expect(c.use('a', 200, 150)).toBe(false);
    expect(c.use('c', 300, 250)).toBe(true); // a and b expired and were pruned
    expect(c.size).toBe(1);
  });
});

describe('HeadMemory', () => {
  it('keeps the highest head and a bounded number of identities', () => {
    const m = new HeadMemory(2);
    m.remember('x', { seq: 3, hash: 'h3' });
    m.remember('x', { seq: 1, hash: 'h1' });
    expect(m.get('x')).toEqual({ seq: 3, hash: 'h3' });
    m.remember('y', { seq: 0, hash: 'y0' });
    m.remember('z', { seq: 0, hash: 'z0' });
    expect(m.get('x')).toBeUndefined();
    expect(m.get('z')).toEqual({ seq: 0, hash: 'z0' });
  });
});

describe('userPermissions', () => {
  it('lets an identity publish only under its own token', () => {
    const p = userPermissions(ID, { rooms: '*', maxPayload: 100 });
    expect(p.pub?.allow).toEqual([`chat.*.${'a1'.repeat(32)}`, 'kezchat.history.*']);
    expect(p.sub?.allow).toEqual(['chat.*.*', `_INBOX_${'a1'.repeat(32)}.>`]);
    expect(p.payload).toBe(100);
    const r = userPermissions(ID, { rooms: ['ops'], maxPayload: 100 });
    expect(r.pub?.allow).toEqual([`chat.ops.${'a1'.repeat(32)}`, 'kezchat.history.ops']);
    expect(r.sub?.allow).toEqual(['chat.ops.*', `_INBOX_${'a1'.repeat(32)}.>`]);
  });
});

describe('loadConfig', () => {
  const base = {
    NATS_URL: 'nats://n:4222',
    KEZ_CHAT_AUDIENCE: 'chat.example',
    SIG_SERVER_URL: 'http://sig:8787',
    KEZ_CHAT_ISSUER_SEED: 'SAexample',
    KEZ_CHAT_CALLOUT_PASS: 'p1',
    KEZ_CHAT_APP_PASS: 'p2',
  };
  it('reads defaults', () => {
    const c = loadConfig(base);
    expect(c).toMatchObject({
      account: 'APP',
      calloutUser: 'auth',
      appUser: 'kezchat',
      jwtTtlSec: 900,
      rooms: '*',
      stream: 'KEZCHAT',
    });
    expect(c.xkeySeed).toBeUndefined();
    // The compose deployment (http://sig-server:8787 on a private network) works out of the box;
    // loopback is an explicit opt-in.
    expect(c.sigServerAccess).toEqual({
      allowHttp: true,
      allowPrivate: true,
      allowLoopback: false,
    });
  });
  it('reads the sig-server access switches', () => {
    const c = loadConfig({
      ...base,
      SIG_SERVER_URL: 'https://sig.example',
      KEZ_CHAT_SIG_ALLOW_HTTP: '0',
      KEZ_CHAT_SIG_ALLOW_PRIVATE: 'false',
      KEZ_CHAT_SIG_ALLOW_LOOPBACK: '1',
    });
    expect(c.sigServerAccess).toEqual({
      allowHttp: false,
      allowPrivate: false,
      allowLoopback: true,
    });
    expect(() => loadConfig({ ...base, KEZ_CHAT_SIG_ALLOW_PRIVATE: 'yes please' })).toThrow(
      /KEZ_CHAT_SIG_ALLOW_PRIVATE/,
    );
    expect(() => loadConfig({ ...base, KEZ_CHAT_SIG_ALLOW_HTTP: '0' })).toThrow(
      /SIG_SERVER_URL is http/,
    );
    expect(() => loadConfig({ ...base, SIG_SERVER_URL: 'http://u:pw@sig:8787' })).toThrow(
      /credentials/,
    );
    expect(() => loadConfig({ ...base, SIG_SERVER_URL: 'ftp://sig' })).toThrow(/SIG_SERVER_URL/);
    expect(() => loadConfig({ ...base, SIG_SERVER_URL: 'sig:8787/' })).toThrow(/SIG_SERVER_URL/);
  });
  it('refuses missing or malformed settings with the variable name', () => {
    expect(() => loadConfig({ ...base, NATS_URL: undefined })).toThrow(/NATS_URL/);
    expect(() => loadConfig({ ...base, KEZ_CHAT_ISSUER_SEED: 'SUuser' })).toThrow(/SA/);
    expect(() => loadConfig({ ...base, KEZ_CHAT_XKEY_SEED: 'SAnot-curve' })).toThrow(/SX/);
    expect(() => loadConfig({ ...base, KEZ_CHAT_JWT_TTL: '0' })).toThrow(/KEZ_CHAT_JWT_TTL/);
    expect(() => loadConfig({ ...base, KEZ_CHAT_ROOMS: 'ok,bad.room' })).toThrow(/KEZ_CHAT_ROOMS/);
    expect(loadConfig({ ...base, KEZ_CHAT_ROOMS: 'ops, lobby' }).rooms).toEqual(['ops', 'lobby']);
  });
});
