// The subject layout: identities and rooms in subject tokens, and the checks that keep a
// member's requests and replies inside their own subjects.
import { describe, expect, it } from 'vitest';
import { KezError } from '@kez/core';
import {
  historySubject,
  identityToken,
  inboxPrefix,
  isInboxOf,
  parseChatSubject,
  parseHistorySubject,
  roomSubject,
} from '../src/index.js';

const HEX = 'a1'.repeat(32);
const ID = `kez:id:${HEX}`;
const OTHER = `kez:id:${'b2'.repeat(32)}`;

describe('subjects', () => {
  it('puts the identity hex in the subject and reads it back', () => {
    expect(roomSubject('lobby', ID)).toBe(`chat.lobby.${HEX}`);
    expect(parseChatSubject(roomSubject('lobby', ID))).toEqual({ room: 'lobby', identity: ID });
  });
  it('rejects rooms and ids that could break out of their token', () => {
    for (const room of ['a.b', '*', '>', 'Lobby', '', 'a b', '-x'])
      expect(() => roomSubject(room, ID)).toThrow(KezError);
    expect(() => identityToken('kez:id:ABC')).toThrow(KezError);
    expect(() => identityToken(`kez:id:${'A1'.repeat(32)}`)).toThrow(KezError);
    expect(parseChatSubject('chat.lobby.nothex')).toBeNull();
    expect(parseChatSubject(`chat.lobby.${HEX}.extra`)).toBeNull();
    expect(parseChatSubject(`other.lobby.${HEX}`)).toBeNull();
  });
});

describe('history requests and inboxes', () => {
  it('names the requester in the history subject and reads it back', () => {
    expect(historySubject('lobby', ID)).toBe(`kezchat.history.lobby.${HEX}`);
    expect(historySubject('*', ID)).toBe(`kezchat.history.*.${HEX}`);
    expect(parseHistorySubject(historySubject('lobby', ID))).toEqual({
      room: 'lobby',
      identity: ID,
    });
    expect(parseHistorySubject('kezchat.history.lobby')).toBeNull();
    expect(parseHistorySubject(`kezchat.history.lobby.${HEX}.x`)).toBeNull();
    expect(parseHistorySubject(roomSubject('lobby', ID))).toBeNull();
  });
  it("accepts only the requester's own inbox as a reply subject", () => {
    expect(isInboxOf(`${inboxPrefix(ID)}.abc`, ID)).toBe(true);
    expect(isInboxOf(`${inboxPrefix(OTHER)}.abc`, ID)).toBe(false);
    expect(isInboxOf(`${inboxPrefix(ID)}`, ID)).toBe(false);
    expect(isInboxOf(`${inboxPrefix(ID)}.*`, ID)).toBe(false);
    expect(isInboxOf(`${inboxPrefix(ID)}x.abc`, ID)).toBe(false);
    expect(isInboxOf(roomSubject('lobby', ID), ID)).toBe(false);
  });
});
