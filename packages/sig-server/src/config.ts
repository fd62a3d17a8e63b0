import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { LIMITS } from './limits.js';

export interface ServerConfig {
  host: string;
  port: number;
  /** SQLite data directory (ignored with a PostgreSQL `db`). */
  dataDir: string;
  /** `postgres://…` selects the PostgreSQL backend. */
  db?: string;
  /** Request body cap: the SPEC §11 JSON limit (64 KiB) plus its optional LF. */
  bodyLimit: number;
  /** Requests per client IP per window; 0 disables rate limiting. */
  rateLimitMax: number;
  rateLimitWindowMs: number;
  /** Idle socket timeout and whole-request timeout: slow clients are cut off. */
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Most events one chain read returns; longer reads continue with `?since`. */
  maxEventsPerResponse: number;
  /** Claims the cached head states may hold in all: the cache's memory budget. */
  cacheClaims: number;
  /**
   * Which X-Forwarded-For hops to believe: false (none, the socket address is the client), a
   * number of proxy hops in front of the server, or the proxies' addresses/CIDRs. Never "all":
   * a proxy that appends the client address would let a client forge the left-most entry.
   */
  trustProxy: false | number | string[];
  logLevel: string;
}

export const DEFAULTS: ServerConfig = {
  host: '127.0.0.1',
  port: 8787,
  dataDir: './kez-sig-data',
  bodyLimit: 65_536 + 1,
  rateLimitMax: 600,
  rateLimitWindowMs: 60_000,
  connectionTimeoutMs: 30_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxEventsPerResponse: 10_000,
  cacheClaims: LIMITS.headStateClaims,
  trustProxy: false,
  logLevel: 'info',
};

export const USAGE = `Usage: kez-sig-server [options]
  --data DIR            SQLite data directory (env KEZ_SIG_DATA, default ${DEFAULTS.dataDir})
  --db URL              postgres://… to use PostgreSQL instead (env KEZ_SIG_DB)
  --port N              listen port (env KEZ_SIG_PORT, default ${DEFAULTS.port}; 0 = any free port)
  --host ADDR           listen address (env KEZ_SIG_HOST, default ${DEFAULTS.host})
  --rate-limit N        requests per client IP per window, 0 = off (env KEZ_SIG_RATE_LIMIT, default ${DEFAULTS.rateLimitMax})
  --rate-window MS      rate-limit window (env KEZ_SIG_RATE_WINDOW_MS, default ${DEFAULTS.rateLimitWindowMs})
  --request-timeout MS  whole-request timeout (env KEZ_SIG_REQUEST_TIMEOUT_MS, default ${DEFAULTS.requestTimeoutMs})
  --max-events N        events per chain read (env KEZ_SIG_MAX_EVENTS, default ${DEFAULTS.maxEventsPerResponse})
  --cache-claims N      claims the chain-state cache may hold, ~2 KiB each (env KEZ_SIG_CACHE_CLAIMS, default ${DEFAULTS.cacheClaims})
  --trust-proxy HOPS|ADDRS  trust X-Forwarded-For from HOPS proxies in front (e.g. 1), or only from
                        these proxy addresses/CIDRs (comma-separated) (env KEZ_SIG_TRUST_PROXY)
  --log-level LEVEL     pino level (env KEZ_SIG_LOG_LEVEL, default ${DEFAULTS.logLevel})
  --help`;

function int(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  if (!/^\d{1,15}$/.test(text))
    throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** The integer settings: each a flag, its environment variable and its default. */
const INT_SETTINGS = {
  rateLimitMax: ['rate-limit', 'KEZ_SIG_RATE_LIMIT'],
  rateLimitWindowMs: ['rate-window', 'KEZ_SIG_RATE_WINDOW_MS'],
  requestTimeoutMs: ['request-timeout', 'KEZ_SIG_REQUEST_TIMEOUT_MS'],
  maxEventsPerResponse: ['max-events', 'KEZ_SIG_MAX_EVENTS'],
  cacheClaims: ['cache-claims', 'KEZ_SIG_CACHE_CLAIMS'],
} as const satisfies Partial<Record<keyof ServerConfig, readonly [string, string]>>;

function intSettings(
  values: Record<string, string | boolean | undefined>,
  env: Record<string, string | undefined>,
): { -readonly [K in keyof typeof INT_SETTINGS]: number } {
  const out = {} as { -readonly [K in keyof typeof INT_SETTINGS]: number };
  for (const [key, [flag, variable]] of Object.entries(INT_SETTINGS)) {
    const k = key as keyof typeof INT_SETTINGS;
    const given = values[flag];
    out[k] = int(`--${flag}`, typeof given === 'string' ? given : env[variable], DEFAULTS[k]);
  }
  // A response holds at least one event.
  out.maxEventsPerResponse = Math.max(1, out.maxEventsPerResponse);
  return out;
}

const ADDRESS_RE = /^([0-9.]+|[0-9a-f:.]*:[0-9a-f:.]*)(\/\d{1,3})?$/i;

/** `--trust-proxy`: a hop count (0 = off) or a comma-separated list of addresses/CIDRs. */
function trustProxy(text: string | undefined): ServerConfig['trustProxy'] {
  if (text === undefined || text === '') return false;
  if (/^\d{1,2}$/.test(text)) return Number(text) === 0 ? false : Number(text);
  const addrs = text.split(',').map((a) => a.trim());
  if (addrs.length && addrs.every((a) => ADDRESS_RE.test(a) && isIP(a.split('/')[0]!)))
    return addrs;
  throw new Error(
    `--trust-proxy takes a number of proxy hops or proxy addresses, got ${JSON.stringify(text)}`,
  );
}

/** Flags win over environment variables, which win over defaults. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): ServerConfig | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      data: { type: 'string' },
      db: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'rate-limit': { type: 'string' },
      'rate-window': { type: 'string' },
      'request-timeout': { type: 'string' },
      'max-events': { type: 'string' },
      'cache-claims': { type: 'string' },
      'trust-proxy': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return 'help';
  const db = values.db ?? env.KEZ_SIG_DB;
  if (db !== undefined && db !== '' && !/^postgres(ql)?:\/\//.test(db)) {
    throw new Error(
      '--db must be a postgres:// or postgresql:// URL (SQLite is selected with --data)',
    );
  }
  const port = int('--port', values.port ?? env.KEZ_SIG_PORT, DEFAULTS.port);
  if (port > 65535) throw new Error('--port must be at most 65535');
  return {
    ...DEFAULTS,
    host: values.host ?? env.KEZ_SIG_HOST ?? DEFAULTS.host,
    port,
    dataDir: values.data ?? env.KEZ_SIG_DATA ?? DEFAULTS.dataDir,
    ...(db ? { db } : {}),
    ...intSettings(values, env),
    trustProxy: trustProxy(values['trust-proxy'] ?? env.KEZ_SIG_TRUST_PROXY),
    logLevel: values['log-level'] ?? env.KEZ_SIG_LOG_LEVEL ?? DEFAULTS.logLevel,
  };
}
