// IRC framing and parsing (RFC 1459 §2.3.1, RFC 2812 §2.3): lines split anywhere across reads,
// the 512-byte bound, prefixes, trailing parameters, tags skipped, formatting removed.
import { describe, expect, it } from 'vitest';
import { isKezError } from '@kez/core';
import {
  LineReader,
  MAX_LINE_BYTES,
  parseMessage,
  sameAscii,
  shown,
  stripFormatting,
} from '../src/channels/irc-message.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('LineReader', () => {
  it('joins lines split across reads, CR LF or a lone LF, UTF-8 split mid-character', () => {
    const r = new LineReader('irc.example');
    const all = bytes(':a NOTICE b :héllo\r\n:a NOTICE b :two\n');
    const got: string[] = [];
    for (let i = 0; i < all.length; i += 3) got.push(...r.push(all.subarray(i, i + 3)));
    expect(got).toEqual([':a NOTICE b :héllo', ':a NOTICE b :two']);
  });

  it('a line of 512 bytes with CR LF passes; 513 is too_large, also before its end arrives', () => {
    const ok = `:a NOTICE b :${'x'.repeat(MAX_LINE_BYTES - 15)}\r\n`;
    expect(bytes(ok).length).toBe(MAX_LINE_BYTES);
    expect(new LineReader('h').push(bytes(ok))).toHaveLength(1);
    const long = `:a NOTICE b :${'x'.repeat(MAX_LINE_BYTES - 14)}\r\n`;
    for (const input of [long, 'y'.repeat(MAX_LINE_BYTES + 1)]) {
      let err: unknown;
      try {
        new LineReader('h').push(bytes(input));
      } catch (e) {
        err = e;
      }
      expect(isKezError(err) && err.code).toBe('too_large');
    }
  });
});

describe('parseMessage', () => {
  it('prefix nick!user@host, command, middle and trailing parameters', () => {
    expect(parseMessage(':NickServ!NickServ@services.example NOTICE guest :a : b')).toEqual({
      prefix: { name: 'NickServ', user: 'NickServ', host: 'services.example' },
      command: 'NOTICE',
      params: ['guest', 'a : b'],
    });
  });

  it('a server prefix has no user or host; tags are skipped; numerics kept', () => {
    expect(parseMessage('@time=x :irc.example 311 me NickServ NS services.example * :NS')).toEqual({
      prefix: { name: 'irc.example' },
      command: '311',
      params: ['me', 'NickServ', 'NS', 'services.example', '*', 'NS'],
    });
    expect(parseMessage('PING :token')).toEqual({ command: 'PING', params: ['token'] });
  });

  it('a line without a command is no message', () => {
    expect(parseMessage('')).toBeUndefined();
    expect(parseMessage(':only.prefix')).toBeUndefined();
    expect(parseMessage(':p N0T1CE x')).toBeUndefined();
  });
});

describe('text helpers', () => {
  it('formatting codes are removed (bold, colours, reset, italic, underline)', () => {
    expect(stripFormatting('\x02Alice\x02 \x0304,12red\x03 \x1ditalic\x1d\x0f')).toBe(
      'Alice red italic',
    );
  });

  it('a name from the server shown in a message has no controls and a bounded length', () => {
    expect(shown('evil\x1b[2K\r\u202eserver.example')).toBe('evil?[2K??server.example');
    expect(shown('x'.repeat(500))).toHaveLength(64);
  });

  it('ASCII case-insensitive, nothing more (rfc1459 [ and { differ)', () => {
    expect(sameAscii('NickServ', 'nickserv')).toBe(true);
    expect(sameAscii('a[b', 'a{b')).toBe(false);
  });
});
