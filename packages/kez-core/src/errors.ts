// Typed failures: every bad input ends as a KezError carrying a SPEC §9 code.

/** The verification statuses of SPEC §9, in one list that others check against. */
export const STATUSES = [
  'valid',
  'revoked',
  'expired',
  'unreachable',
  'fork',
  'invalid',
  'not_found',
] as const;
export type Status = (typeof STATUSES)[number];
export type Code =
  | 'malformed'
  | 'non_canonical'
  | 'trailing_data'
  | 'bad_encoding'
  | 'too_large'
  | 'unsupported_version'
  | 'bad_key'
  | 'bad_subject'
  | 'bad_signature'
  | 'future'
  | 'bad_link'
  | 'not_authorized'
  | 'bad_claim'
  | 'bad_reverse'
  | 'precommit_mismatch'
  | 'identity_mismatch'
  | 'not_in_chain'
  | 'ambiguous'
  | 'subject_mismatch'
  | 'blocked_address'
  | 'redirect'
  | 'content_type'
  | 'revoked'
  | 'key_rotated'
  | 'device_revoked'
  | 'key_compromised'
  | 'expired'
  | 'timeout'
  | 'network'
  | 'rate_limited'
  | 'http_status'
  | 'rollback'
  | 'fork'
  | 'no_proof'
  | 'no_account'
  | 'chain_behind'
  | 'no_chain'
  | 'not_claimed';

// SPEC §9 table.
const STATUS_OF: Record<Code, Status> = {
  revoked: 'revoked',
  key_rotated: 'revoked',
  device_revoked: 'revoked',
  key_compromised: 'revoked',
  expired: 'expired',
  timeout: 'unreachable',
  network: 'unreachable',
  rate_limited: 'unreachable',
  http_status: 'unreachable',
  rollback: 'unreachable',
  fork: 'fork',
  no_proof: 'not_found',
  no_account: 'not_found',
  chain_behind: 'not_found',
  no_chain: 'not_found',
  // SPEC §5.2: a short proof names an identity whose chain claims no account here.
  not_claimed: 'not_found',
  malformed: 'invalid',
  non_canonical: 'invalid',
  trailing_data: 'invalid',
  bad_encoding: 'invalid',
  too_large: 'invalid',
  unsupported_version: 'invalid',
  bad_key: 'invalid',
  bad_subject: 'invalid',
  bad_signature: 'invalid',
  future: 'invalid',
  bad_link: 'invalid',
  not_authorized: 'invalid',
  bad_claim: 'invalid',
  bad_reverse: 'invalid',
  precommit_mismatch: 'invalid',
  identity_mismatch: 'invalid',
  not_in_chain: 'invalid',
  ambiguous: 'invalid',
  subject_mismatch: 'invalid',
  blocked_address: 'invalid',
  redirect: 'invalid',
  content_type: 'invalid',
};

export const CODES = Object.keys(STATUS_OF) as Code[];

export function statusOf(code: Code): Status {
  return STATUS_OF[code];
}

// Brand shared by every copy of this package (Symbol.for is one registry per realm), so a
// second copy or a lazily loaded caller can recognise a KezError without instanceof or a name.
const BRAND = Symbol.for('kez.error');

export class KezError extends Error {
  readonly code: Code;
  readonly status: Status;
  readonly evidence: Record<string, unknown>;
  constructor(
    code: Code,
    message: string,
    evidence: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KezError';
    this.code = code;
    this.status = statusOf(code);
    this.evidence = evidence;
  }
  static {
    Object.defineProperty(KezError.prototype, BRAND, { value: true });
  }
}

/** True for a KezError from any copy of @kez/core (brand check; a look-alike plain object is not one). */
export function isKezError(x: unknown): x is KezError {
  return (
    x instanceof Error &&
    (x as unknown as Record<symbol, unknown>)[BRAND] === true &&
    typeof (x as { code?: unknown }).code === 'string' &&
    typeof (x as { status?: unknown }).status === 'string'
  );
}

/** Throws a KezError; `cause` is the error it wraps, kept for whoever debugs it. */
export function fail(
  code: Code,
  message: string,
  evidence?: Record<string, unknown>,
  cause?: unknown,
): never {
  throw new KezError(code, message, evidence, cause === undefined ? undefined : { cause });
}
