// xmpp: short proofs in the account's own vCard (SPEC §10), as Keyoxide reads them: the
// vCard4 published over PEP (XEP-0292, `note` and `url`) and the vcard-temp vCard (XEP-0054,
// `DESC` and `URL`). Only the account writes either. A verifier asks through its own logged-in
// account (credentials.xmpp); the answer counts only when its `from` is exactly the bare JID
// asked — the address the user's server stamps and the verifier's server checks on the way in.
// Messages, presence and other accounts' nodes are never read.
import { KezError, isKezError, parseSubject, type Subject } from '@kez/core';
import { textWithProof } from '../profile-channel.js';
import { shortCandidates } from '../proofs.js';
import type { Candidate, ChannelEnv, ChannelPlugin, PublishRequest } from '../types.js';
import { NS_CLIENT, openSession, type XmppAccount, type XmppSession } from './xmpp-client.js';
import { child, children, element, textOf, type XmlElement } from './xmpp-xml.js';

const NS_VCARD_TEMP = 'vcard-temp';
const NS_VCARD4 = 'urn:ietf:params:xml:ns:vcard-4.0';
const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';
const NODE_VCARD4 = 'urn:xmpp:vcard4';
const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

/** KEZ's own bound on the DESC it writes (XEP-0054 sets none; a server's stanza limit is far above). */
export const XMPP_DESC_LIMIT = 2_000;

export const XMPP_CREDENTIALS_HINT =
  'reading XMPP vCards needs an XMPP account to ask with: set KEZ_XMPP_JID and KEZ_XMPP_PASSWORD (any account on any server)';

/** The bare JID of `xmpp:name@host`, as the grammar folds it. */
const bareJid = (subject: Subject) => subject.id;

/** The canonical subject of a JID a server names, or undefined when it is no bare JID of the grammar. */
function subjectOfJid(jid: string | undefined): string | undefined {
  if (jid === undefined || jid.includes('/')) return undefined;
  try {
    return parseSubject(`xmpp:${jid}`).text;
  } catch (e) {
    if (!isKezError(e)) throw e;
    return undefined;
  }
}

/**
 * The IQ answer for `subject`: its `from` MUST be the subject's bare JID (RFC 6120 §8.1.2.1);
 * an answer from anyone else is another account's document.
 */
function ownAnswer(answer: XmlElement, subject: Subject, session: XmppSession): XmlElement {
  const from = answer.attrs.from;
  // A server answers for the account itself with no `from` (RFC 6120 §8.1.2.1, §10.3.3).
  const self = from === undefined && subjectOfJid(session.jid.split('/')[0]) === subject.text;
  if (!self && subjectOfJid(from) !== subject.text)
    throw new KezError(
      'subject_mismatch',
      `the answer for ${subject.text} came from '${from ?? '(none)'}', not that bare JID`,
      { subject: subject.text, from: from ?? null },
    );
  return answer;
}

/** The defined condition of an IQ error (RFC 6120 §8.3.3). */
const errorCondition = (iq: XmlElement) =>
  child(iq, 'error')?.children.find(
    (c): c is XmlElement => typeof c !== 'string' && c.ns === NS_STANZAS && c.name !== 'text',
  )?.name ?? 'undefined-condition';

/**
 * Conditions that mean the place is empty rather than unreadable: no such node or vCard, a
 * node the account keeps from strangers, a server without the feature. Servers do not say
 * whether an account exists (Prosody answers any name with an empty vCard).
 */
const EMPTY = new Set([
  'item-not-found',
  'forbidden',
  'service-unavailable',
  'feature-not-implemented',
]);

interface VcardText {
  location: string;
  texts: string[];
}

/** The texts of an answer, [] for an empty place, or why it could not be read. */
function answered(
  answer: XmlElement,
  subject: Subject,
  location: string,
  texts: (answer: XmlElement) => string[],
): VcardText | KezError {
  if (answer.attrs.type !== 'error') return { location, texts: texts(answer) };
  const cond = errorCondition(answer);
  if (EMPTY.has(cond)) return { location, texts: [] };
  return new KezError('network', `${subject.text}: ${location} could not be read (${cond})`, {
    location,
    condition: cond,
  });
}

/** The vcard-temp vCard (XEP-0054): DESC, NOTE (where a server maps vCard4's note) and URL. */
async function vcardTemp(session: XmppSession, subject: Subject): Promise<VcardText | KezError> {
  const answer = ownAnswer(
    await session.iq(
      element('iq', NS_CLIENT, { type: 'get', to: bareJid(subject) }, [
        element('vCard', NS_VCARD_TEMP),
      ]),
    ),
    subject,
    session,
  );
  return answered(answer, subject, `xmpp:${bareJid(subject)}?vcard`, (a) => {
    const card = child(a, 'vCard', NS_VCARD_TEMP);
    return ['DESC', 'NOTE', 'URL'].flatMap((n) => children(card, n).map(textOf));
  });
}

/** The vCard4 item of the account's PEP node urn:xmpp:vcard4 (XEP-0292): note/text and url/uri. */
async function vcard4(session: XmppSession, subject: Subject): Promise<VcardText | KezError> {
  const answer = ownAnswer(
    await session.iq(
      element('iq', NS_CLIENT, { type: 'get', to: bareJid(subject) }, [
        element('pubsub', NS_PUBSUB, {}, [
          element('items', NS_PUBSUB, { node: NODE_VCARD4, max_items: '1' }),
        ]),
      ]),
    ),
    subject,
    session,
  );
  const location = `xmpp:${bareJid(subject)}?pubsub;action=retrieve;node=${NODE_VCARD4}`;
  return answered(answer, subject, location, (a) => {
    const items = child(child(a, 'pubsub', NS_PUBSUB), 'items', NS_PUBSUB);
    // Only the node asked for: another node's items are not the profile.
    if (items?.attrs.node !== NODE_VCARD4) return [];
    return children(items, 'item').flatMap((item) => {
      const card = child(item, 'vcard', NS_VCARD4);
      return [
        ...children(card, 'note').map((n) => textOf(child(n, 'text'))),
        ...children(card, 'url').map((u) => textOf(child(u, 'uri'))),
      ];
    });
  });
}

/** The verifier's account from credentials.xmpp, its JID checked by the grammar. */
function verifierAccount(env: ChannelEnv): XmppAccount {
  const creds = env.credentials?.xmpp;
  if (!creds?.jid || !creds.password)
    throw new KezError('network', `xmpp: ${XMPP_CREDENTIALS_HINT}`, {
      needs: 'KEZ_XMPP_JID, KEZ_XMPP_PASSWORD',
    });
  const subject = subjectOfJid(creds.jid);
  if (!subject)
    throw new KezError('malformed', `KEZ_XMPP_JID '${creds.jid}' is not a bare JID name@host`);
  return { jid: subject.slice('xmpp:'.length), password: creds.password, server: creds.server };
}

async function locate(subject: Subject, env: ChannelEnv): Promise<Candidate[]> {
  const account = verifierAccount(env);
  env.progress?.(`xmpp: the vCards of ${subject.id}, asked as ${account.jid}`);
  const session = await openSession(account, env, 'network');
  try {
    const places = await Promise.all([vcard4(session, subject), vcardTemp(session, subject)]);
    const owner = { subject: subject.text };
    const found = places.flatMap((p) =>
      p instanceof KezError ? [] : p.texts.flatMap((t) => shortCandidates(t, p.location, owner)),
    );
    // A place that failed only decides the result when the other one found nothing.
    const failed = places.find((p): p is KezError => p instanceof KezError);
    if (found.length === 0 && failed) throw failed;
    return found;
  } finally {
    session.close();
  }
}

/**
 * Writes the short proof into the user's own vcard-temp vCard, keeping every other field: into
 * DESC, or NOTE where the server keeps the description there (Prosody maps vCard4's note to
 * NOTE), replacing a line that holds an older short proof.
 */
async function publish(p: PublishRequest, env: ChannelEnv) {
  if (!p.token)
    throw new KezError(
      'not_authorized',
      'publishing to xmpp needs the account password (XMPP_PASSWORD)',
      {
        subject: p.subject.text,
      },
    );
  const session = await openSession(
    { jid: bareJid(p.subject), password: p.token },
    env,
    'not_authorized',
  );
  try {
    const got = await session.iq(
      element('iq', NS_CLIENT, { type: 'get' }, [element('vCard', NS_VCARD_TEMP)]),
    );
    // No vCard yet is an empty one (item-not-found on servers that store none).
    if (got.attrs.type === 'error' && errorCondition(got) !== 'item-not-found')
      throw new KezError('network', `reading your vCard failed (${errorCondition(got)})`);
    const card = child(got, 'vCard', NS_VCARD_TEMP) ?? element('vCard', NS_VCARD_TEMP);
    const field = child(card, 'DESC') ?? child(card, 'NOTE');
    const text = textWithProof(textOf(field), p.short, XMPP_DESC_LIMIT);
    const kids = field
      ? card.children.map((c) => (c === field ? { ...field, children: [text] } : c))
      : [...card.children, element('DESC', NS_VCARD_TEMP, {}, [text])];
    const set = await session.iq(
      element('iq', NS_CLIENT, { type: 'set' }, [
        element('vCard', NS_VCARD_TEMP, card.attrs, kids),
      ]),
    );
    if (set.attrs.type !== 'result')
      throw new KezError(
        errorCondition(set) === 'not-allowed' || errorCondition(set) === 'forbidden'
          ? 'not_authorized'
          : 'network',
        `the server did not store the vCard (${errorCondition(set)})`,
        { condition: errorCondition(set) },
      );
    return { location: `xmpp:${bareJid(p.subject)}?vcard` };
  } finally {
    session.close();
  }
}

export const xmppPlugin: ChannelPlugin = {
  name: 'xmpp',
  locate,
  publish,
  publishToken: {
    env: 'XMPP_PASSWORD',
    hint: "the account's own password: kez logs in and adds the short proof to the vCard's description",
  },
  paste: (p) => ({
    url: `xmpp:${bareJid(p.subject)}?vcard`,
    field:
      'your profile\'s "About" / description (Gajim: Profile → About; Psi, Pidgin and others: the vCard\'s "About" or "Description")',
    text: p.short,
    limit: XMPP_DESC_LIMIT,
  }),
};
