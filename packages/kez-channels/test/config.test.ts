// The settings schema: every documented key accepted with its type, anything else refused by name.
import { KezError } from '@kez/core';
import { describe, expect, it } from 'vitest';
import { channelsConfig, parseChannelsConfig } from '../src/config.js';

const full = {
  githubApi: 'http://127.0.0.1:8000',
  githubRawHosts: ['gist.example'],
  plcDirectory: 'https://plc.example',
  nostrRelays: ['ws://127.0.0.1:7000'],
  dnsServers: ['127.0.0.1:5353', '::1', '[::1]:53'],
  sigServers: ['https://sig.example/kez'],
  hostMap: { 'social.example': 'http://127.0.0.1:8123' },
  allowLoopback: true,
  allowHttp: true,
  timeouts: { connectMs: 1000, totalMs: 2000, dnsMs: 500 },
  maxBodyBytes: 4096,
  concurrency: 2,
};

function refusal(doc: unknown): KezError {
  try {
    parseChannelsConfig(doc);
  } catch (e) {
    if (e instanceof KezError) return e;
    throw e;
  }
  throw new Error(`accepted ${JSON.stringify(doc)}`);
}

describe('parseChannelsConfig', () => {
  it('accepts every key of the config, and each one reaches the config', () => {
    const config = channelsConfig(parseChannelsConfig(full));
    for (const [key, value] of Object.entries(full))
      expect(config[key as keyof typeof config], key).toEqual(value);
  });

  it.each([
    [{ allowLoopbak: true }, 'allowLoopbak', /unknown key/],
    [{ timeoutMs: 1000 }, 'timeoutMs', /unknown key/],
    [{ allowPrivate: true }, 'allowPrivate', /unknown key/],
    [{ allowLoopback: 'yes' }, 'allowLoopback', /true or false/],
    [{ allowHttp: 1 }, 'allowHttp', /true or false/],
    [{ sigServers: 'https://sig.example' }, 'sigServers', /array/],
    [{ sigServers: ['notaurl'] }, 'sigServers[0]', /not a URL/],
    [{ sigServers: ['ftp://sig.example'] }, 'sigServers[0]', /https: or http:/],
    [{ nostrRelays: ['https://relay.example'] }, 'nostrRelays[0]', /wss: or ws:/],
    [{ hostMap: { 'a.example': 42 } }, 'hostMap.a.example', /URL/],
    [{ hostMap: [] }, 'hostMap', /object/],
    [{ dnsServers: ['dns.example'] }, 'dnsServers[0]', /IP address/],
    [{ timeouts: { totalMs: -1 } }, 'timeouts.totalMs', /whole number/],
    [{ timeouts: { total: 5 } }, 'timeouts.total', /unknown key/],
    [{ maxBodyBytes: 1e12 }, 'maxBodyBytes', /whole number/],
    [{ concurrency: 1.5 }, 'concurrency', /whole number/],
  ])('refuses %j naming %s', (doc, key, why) => {
    const e = refusal(doc);
    expect(e.code).toBe('malformed');
    expect(e.message.startsWith(`${key}: `)).toBe(true);
    expect(e.message).toMatch(why);
    expect(e.evidence).toEqual({ key });
  });

  it.each([[null], [[]], ['{}'], [7]])('refuses a document that is not an object: %j', (doc) => {
    expect(refusal(doc).code).toBe('malformed');
  });

  it('keeps the cause of a URL that does not parse', () => {
    expect(refusal({ githubApi: 'http//x' }).cause).toBeInstanceOf(TypeError);
  });
});
