// irc: an account registered with an IRC network's services (SPEC §10). The proof is the
// account's Atheme NickServ property `KEZ` (`/msg NickServ SET PROPERTY KEZ <short proof>`; only
// the logged-in owner can set it), read by anyone with `TAXONOMY <name>` — the metadata
// Keyoxide reads for IRC, under KEZ's own key. The owner is the account NickServ names in the
// answer's header, which must be the subject's name (ASCII-folded): TAXONOMY of a nick grouped
// to another account answers with that account. Trust: the network's services (irc-client.ts).
import { KezError, isKezError, type Subject } from '@kez/core';
import { proofCandidates } from '../proofs.js';
import type { Candidate, ChannelPlugin, PasteInstructions, PublishRequest } from '../types.js';
import { askNickServ, TLS_PORT } from './irc-client.js';
import { sameAscii, shown } from './irc-message.js';

/** SPEC §10 irc: the NickServ property that holds the proof (Atheme matches keys case-insensitively). */
export const KEZ_PROPERTY = 'KEZ';
/** Atheme's SET PROPERTY refuses longer values (modules/nickserv/set_property.c). */
const MAX_VALUE = 300;

// Atheme's wording (modules/nickserv/taxonomy.c; names in bold, removed before matching).
const NOT_REGISTERED = /^(\S+) is not registered\.$/;
const HEADER = /^Taxonomy for (\S+):$/;
const END = /^End of (\S+) taxonomy\.$/;
/** `"%-32s: %s"`: a key (no spaces; at most 32 characters) padded to 32, then the value. */
const ENTRY = /^(\S{1,32}) *: (.*)$/;
const NO_SUCH_COMMAND = /^Invalid command\./;

const taxonomyEnds = (line: string) =>
  END.test(line) || NOT_REGISTERED.test(line) || NO_SUCH_COMMAND.test(line);

function place(subject: Subject): { name: string; host: string } {
  const at = subject.id.lastIndexOf('@');
  return { name: subject.id.slice(0, at), host: subject.id.slice(at + 1) };
}

function location(host: string, name: string): string {
  return `ircs://${host}:${TLS_PORT} NickServ TAXONOMY ${name}`;
}

export interface Taxonomy {
  /** The account name as NickServ states it. */
  account: string;
  entries: Array<[key: string, value: string]>;
}

/** NickServ's TAXONOMY answer for `name`: the account and its public properties. */
export function readTaxonomy(name: string, host: string, lines: string[]): Taxonomy {
  let account: string | undefined;
  const entries: Taxonomy['entries'] = [];
  for (const line of lines) {
    if (account === undefined) {
      if (NOT_REGISTERED.test(line))
        throw new KezError('no_account', `${name} is not registered with the services of ${host}`, {
          host,
        });
      if (NO_SUCH_COMMAND.test(line))
        throw new KezError(
          'no_proof',
          `the services of ${host} have no TAXONOMY command (Atheme's NickServ reads the proof)`,
          { host },
        );
      account = HEADER.exec(line)?.[1];
      continue;
    }
    const end = END.exec(line);
    if (end) {
      if (end[1] !== account) break;
      return { account, entries };
    }
    const entry = ENTRY.exec(line);
    if (entry) entries.push([entry[1]!, entry[2]!]);
  }
  throw new KezError(
    'malformed',
    `${host}: NickServ's TAXONOMY answer for ${name} is not complete`,
    {
      host,
    },
  );
}

/** The owner rule: the answer is for the account named `name`, not a nick grouped to another. */
function ownedBy(subject: Subject, t: Taxonomy): void {
  const { name, host } = place(subject);
  if (!sameAscii(t.account, name))
    throw new KezError(
      'subject_mismatch',
      `on ${host}, ${name} is a nick of the account ${shown(t.account)}; the proof must be on the account ${name} itself`,
      { host, account: t.account },
    );
}

const kezValues = (t: Taxonomy) =>
  t.entries.filter(([key]) => sameAscii(key, KEZ_PROPERTY)).map(([, value]) => value);

export const ircPlugin: ChannelPlugin = {
  name: 'irc',
  async locate(subject, env) {
    const { name, host } = place(subject);
    env.progress?.(`irc: NickServ TAXONOMY ${name} on ${host}`);
    const answer = await askNickServ(host, env, [`TAXONOMY ${name}`], taxonomyEnds);
    const taxonomy = readTaxonomy(name, host, answer.lines);
    ownedBy(subject, taxonomy);
    const owner = { subject: subject.text };
    return kezValues(taxonomy).flatMap((v): Candidate[] =>
      proofCandidates(v, location(host, name), owner),
    );
  },
  publishToken: {
    env: 'IRC_PASSWORD',
    hint: "the account's NickServ password; kez sends it only to the services' NickServ, over TLS",
  },
  /** IDENTIFY, SET PROPERTY, then TAXONOMY: the property read back is the proof of the write. */
  async publish(p, env) {
    const { name, host } = place(p.subject);
    if (!p.token)
      throw new KezError(
        'not_authorized',
        `publishing to irc needs the NickServ password (IRC_PASSWORD)`,
        {
          subject: p.subject.text,
        },
      );
    // One IRC line per command: a password with a line break would be a second command.
    if (/[\0\r\n]/.test(p.token))
      throw new KezError('malformed', 'IRC_PASSWORD holds a line break or NUL', {
        subject: p.subject.text,
      });
    if (p.short.length > MAX_VALUE)
      throw new KezError(
        'too_large',
        `the short proof is longer than NickServ keeps (${MAX_VALUE})`,
        {
          limit: MAX_VALUE,
        },
      );
    const answer = await askNickServ(
      host,
      env,
      [
        `IDENTIFY ${name} ${p.token}`,
        `SET PROPERTY ${KEZ_PROPERTY} ${p.short}`,
        `TAXONOMY ${name}`,
      ],
      taxonomyEnds,
    );
    if (answer.lines.some((l) => /^Invalid password for /.test(l)))
      throw new KezError('not_authorized', `NickServ on ${host} refused the password for ${name}`, {
        host,
      });
    let taxonomy: Taxonomy;
    try {
      taxonomy = readTaxonomy(name, host, answer.lines);
    } catch (e) {
      if (isKezError(e) && e.code === 'no_account')
        throw new KezError('not_authorized', e.message, { host });
      throw e;
    }
    ownedBy(p.subject, taxonomy);
    if (!kezValues(taxonomy).includes(p.short))
      throw new KezError(
        'network',
        `NickServ on ${host} did not keep the ${KEZ_PROPERTY} property`,
        {
          host,
        },
      );
    return { location: location(host, name) };
  },
  paste: (p: PublishRequest): PasteInstructions => {
    const { name, host } = place(p.subject);
    return {
      url: `ircs://${host}:${TLS_PORT}`,
      field: `a NickServ property of your account (connect, /msg NickServ IDENTIFY ${name} <password>, then send this line)`,
      text: `/msg NickServ SET PROPERTY ${KEZ_PROPERTY} ${p.short}`,
    };
  },
};
