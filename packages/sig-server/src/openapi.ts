import { IDENTITY_ID_RE } from '@kez/core';

/** The OpenAPI 3.1 description served at GET /v1/openapi.json. */
import { LIMITS } from './limits.js';

const identityParam = {
  name: 'identity',
  in: 'path',
  required: true,
  description: 'Identity id (SPEC §2.4). May be percent-encoded.',
  schema: { type: 'string', pattern: IDENTITY_ID_RE.source },
};

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const ndjson = {
  'application/x-ndjson': {
    schema: {
      type: 'string',
      description: 'SPEC §6.5 bundle: one JCS event per line, LF-terminated',
    },
  },
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'KEZ sig-server',
    version: '0.2.0',
    description:
      'A sigchain store. No accounts: an append is authorized by its own signature, checked ' +
      "against the chain's current keys (SPEC §6). The server can withhold or serve stale data, never forge it.",
    license: { name: 'MIT OR Apache-2.0', identifier: 'MIT OR Apache-2.0' },
  },
  paths: {
    '/v1/chains/{identity}': {
      get: {
        operationId: 'getChain',
        summary: 'Read a chain (main events only) as a JSONL bundle',
        parameters: [
          identityParam,
          {
            name: 'since',
            in: 'query',
            required: false,
            description: 'Only events with seq ≥ since.',
            schema: { type: 'integer', minimum: 0, maximum: 9007199254740991 },
          },
          { name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' } },
        ],
        responses: {
          200: {
            description:
              "The bundle. At most the server's per-response event limit; when cut short, " +
              '`Kez-Next-Since` says where to continue and no ETag is sent.',
            headers: {
              ETag: { description: 'Strong; the quoted head hash', schema: { type: 'string' } },
              'Kez-Fork': {
                description: '"true" when fork evidence exists for this chain',
                schema: { type: 'string', enum: ['true'] },
              },
              'Kez-Next-Since': {
                description: 'Present when the response was truncated',
                schema: { type: 'integer' },
              },
            },
            content: ndjson,
          },
          304: { description: 'If-None-Match equals the current head' },
          400: error('Bad identity or since'),
          404: error('Unknown chain (code no_chain)'),
          429: error('Rate limited'),
          503: error(
            'Database unreachable, disk full, locked or out of connections, or the server is shutting down (code unavailable, Retry-After)',
          ),
        },
      },
    },
    '/v1/chains/{identity}/head': {
      get: {
        operationId: 'getHead',
        parameters: [identityParam],
        responses: {
          200: {
            description: 'The chain head',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Head' } } },
          },
          400: error('Bad identity'),
          404: error('Unknown chain'),
          429: error('Rate limited'),
        },
      },
    },
    '/v1/chains/{identity}/events': {
      post: {
        operationId: 'appendEvent',
        summary: 'Append one signed event',
        description:
          'Body: one event in the SPEC §8.1 JSON encoding (exact JCS bytes, optionally one LF). ' +
          'For seq 0 the identity must be kez:id:H(genesis). Accepted if @kez/core verifies it against the ' +
          'chain state, seq = head + 1 and prev = head hash. A valid rival for a stored seq that wins by ' +
          'SPEC §6.8 (a recovery or ordinary rotation, the primary against a device, a revocation of ' +
          "the rival's signer) becomes the main event and head; the former main events from that seq " +
          'become fork evidence.',
        parameters: [identityParam],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Event' } } },
        },
        responses: {
          201: {
            description:
              'Appended; with `superseded` (SPEC §6.8 evidence) when it won its seq from the main line',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Appended' } } },
          },
          200: {
            description: 'The same event was already stored (idempotent)',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Appended' } } },
          },
          400: error('Not canonical, malformed, trailing data, wrong object type, bad identity'),
          409: error(
            'code fork: a different valid event holds this seq (error.evidence: "stored" as fork evidence, or "dropped" — only counted — once the per-position or per-chain bound is reached); code bad_link: seq > head + 1 or unknown chain',
          ),
          413: error('Body over 64 KiB (code too_large)'),
          415: error('Content type is not application/json (code content_type)'),
          422: error(
            'Fails verification: bad_signature, not_authorized, bad_link, bad_claim, identity_mismatch, …',
          ),
          429: error('Rate limited'),
          503: error(
            'Database unreachable, disk full, locked or out of connections, or the server is shutting down (code unavailable, Retry-After)',
          ),
        },
      },
    },
    '/v1/chains/{identity}/forks': {
      get: {
        operationId: 'getForks',
        summary:
          'Fork evidence: events that validly contradict the main chain, ordered by (seq, hash)',
        parameters: [
          identityParam,
          {
            name: 'cursor',
            in: 'query',
            required: false,
            description: 'Continue after this fork event: the `Kez-Next-Cursor` of the last page.',
            schema: { type: 'string', pattern: '^(0|[1-9][0-9]{0,15}):[0-9a-f]{64}$' },
          },
        ],
        responses: {
          200: {
            description: `JSONL, possibly empty; at most ${LIMITS.forksPage} events a page`,
            content: ndjson,
            headers: {
              'Kez-Next-Cursor': {
                description: 'Present when more evidence follows: pass it as `cursor`',
                schema: { type: 'string' },
              },
              'Kez-Forks-Stored': {
                description: `Fork evidence events stored for this chain (at most ${LIMITS.forksPerChain}, ${LIMITS.forksPerPosition} a position)`,
                schema: { type: 'string' },
              },
              'Kez-Forks-Dropped': {
                description: 'Valid rivals refused storage by those bounds (submissions counted)',
                schema: { type: 'string' },
              },
            },
          },
          400: error('Bad identity or cursor'),
          404: error('Unknown chain'),
        },
      },
    },
    '/healthz': {
      get: { operationId: 'health', responses: { 200: { description: 'The process is up' } } },
    },
    '/readyz': {
      get: {
        operationId: 'ready',
        responses: {
          200: { description: 'The database answers and can take writes' },
          503: error('Database unreachable or out of connections, or the disk is full'),
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        responses: {
          200: {
            description:
              'Prometheus text format 0.0.4; totals from write-path counters, no table scan',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          429: error('Rate limited (scrapes count against the per-IP limit)'),
        },
      },
    },
    '/v1/openapi.json': {
      get: { operationId: 'openapi', responses: { 200: { description: 'This document' } } },
    },
  },
  components: {
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: {
                type: 'string',
                description:
                  'A SPEC §9 code, or bad_request, not_found, method, internal, unavailable',
              },
              message: { type: 'string' },
            },
          },
        },
      },
      Head: {
        type: 'object',
        required: ['identity', 'seq', 'hash', 'fork'],
        properties: {
          identity: { type: 'string' },
          seq: { type: 'integer' },
          hash: { type: 'string' },
          fork: { type: 'boolean' },
        },
      },
      Appended: {
        type: 'object',
        required: ['seq', 'hash'],
        properties: {
          seq: { type: 'integer' },
          hash: { type: 'string' },
          superseded: {
            type: 'array',
            items: {
              type: 'object',
              required: ['seq', 'winner', 'hash', 'head'],
              properties: {
                seq: { type: 'integer' },
                winner: { type: 'string', description: 'this event' },
                hash: { type: 'string', description: 'the former main event at seq' },
                head: { type: 'string', description: 'the former head' },
              },
            },
          },
        },
      },
      Event: { type: 'object', description: 'A SPEC §6.1 sigchain event' },
    },
  },
} as const;
