// The contracts every channel plugin, chain transport and caller codes against.
// Keep stable: the nostr and bluesky plugins are written against these.
import type { ChainEvent, Claim, Code, KezError, Subject } from '@kez/core';

/** The account that owns the place a proof was found, taken from the service's own metadata. */
export interface Owner {
  /** Canonical subject text, e.g. 'github:jason' (SPEC §2.2). */
  subject: string;
  /** Stable id beside the handle, e.g. 'github-id:583231', a DID, an actor URI. */
  stableId?: string;
}

/** A short proof (SPEC §5.2) as found at a place: one identity, its homes from every link merged. */
export interface ShortPointer {
  identity: string;
  homes: string[];
}

/**
 * One proof found at an account's place. `text` is any KEZ encoding (SPEC §8), or, when
 * `short` is set, the text a short proof was read from; `short` is a KezError when that text
 * held a malformed link (SPEC §5.2 rule 2).
 */
export interface Candidate {
  location: string;
  text: string;
  owner: Owner;
  short?: ShortPointer | KezError;
  /** Set when the place's text is refused as it stands, with the reason the owner is told. */
  refused?: KezError;
}

/** Per-request policy for the safe fetcher. Defaults are strict (see safe-fetch.ts). */
export interface FetchPolicy {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT';
  headers?: Record<string, string>;
  body?: string;
  /** Maximum redirects followed (default 3; 0 refuses any redirect). */
  maxRedirects?: number;
  /**
   * Where a redirect may go: 'same-origin' (default), an explicit list of host names (https),
   * or 'any-https' (any https URL, e.g. WebFinger, RFC 7033 §4.2; every hop's address is still
   * checked). The caller's headers are not sent on to another origin.
   */
  redirectHosts?: 'same-origin' | 'any-https' | string[];
  /** Response-size cap in bytes, enforced while streaming (default config.maxBodyBytes). */
  maxBytes?: number;
  /**
   * For line-based bodies (bundles): each LF-terminated line is passed to `check` while the
   * body streams (a throw rejects the body at once), and a line over `maxBytes` is too_large.
   */
  lines?: { maxBytes: number; check(line: Uint8Array): void };
  /** Accepted media types (prefix match on the Content-Type essence); absent = any. */
  contentTypes?: string[];
  /** Statuses returned to the caller instead of being mapped to a KezError (e.g. [404, 409]). */
  passStatuses?: number[];
  /** Overrides config.timeouts.totalMs for this request. */
  timeoutMs?: number;
  /** Aborts the request (e.g. a caller's overall deadline): reported as `timeout`. */
  signal?: AbortSignal;
}

export interface SafeResponse {
  /** The final URL (after redirects), in its logical form (before any hostMap rewrite). */
  url: string;
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
  text(): string;
  /** Parses JSON; a parse failure is KezError 'malformed'. */
  json(): unknown;
}

/** The one safe fetcher (safe-fetch.ts). Every failure is a KezError with a SPEC §9 code. */
export type SafeFetch = (url: string, policy?: FetchPolicy) => Promise<SafeResponse>;

export interface ChannelsConfig {
  /** GitHub REST API base, default https://api.github.com */
  githubApi: string;
  /** Hosts a gist raw_url may point to (and redirect within). */
  githubRawHosts: string[];
  /** did:plc directory, default https://plc.directory */
  plcDirectory: string;
  /** Nostr relays searched for proofs and chains (wss://…). */
  nostrRelays: string[];
  /** DNS servers ('ip' or 'ip:port'); empty = the system's resolvers. */
  dnsServers: string[];
  /** Sig-servers consulted for sigchains (besides a claim's own locators). */
  sigServers: string[];
  /** Like curl --resolve: logical host → base URL actually contacted ('social.example' → 'http://127.0.0.1:8123'). */
  hostMap: Record<string, string>;
  /** Permit loopback targets (tests, the local demo). Never on by default. */
  allowLoopback: boolean;
  /** Permit plain http:// (tests, the local demo). Never on by default. */
  allowHttp: boolean;
  /**
   * Permit private-network targets (RFC 1918, IPv6 unique-local) — only for a fetcher whose
   * URLs the operator configured, e.g. chat-server's SIG_SERVER_URL on a compose network.
   * Link-local and cloud-metadata addresses stay refused. Off unless set.
   */
  allowPrivate?: boolean;
  timeouts: { connectMs: number; totalMs: number; dnsMs: number };
  /** Default response-size cap. */
  maxBodyBytes: number;
  /** Concurrency bound for verifying a graph's accounts. */
  concurrency: number;
  /** HTTP requests in flight at once per fetcher, whatever asked for them (default 8). */
  maxConcurrentFetches?: number;
  /**
   * PEM certificates trusted for stream TLS (dialStream) besides Node's bundled roots — a
   * self-signed server on loopback in tests, a private XMPP server. None by default.
   */
  tlsCa?: string[];
}

/**
 * Stored answers for conditional requests (ETag / If-None-Match), keyed by URL. The caller
 * owns where they live (the CLI: a small file in KEZ_HOME) and bounds them.
 */
export interface HttpCache {
  get(url: string): { etag: string; body: string } | undefined;
  set(url: string, entry: { etag: string; body: string }): void;
}

/** Read credentials a verifier may hold: sent only to their service's API. */
export interface ReadCredentials {
  /** A GitHub token (any; none needs a scope to read public data): 5,000 requests/hour, not 60. */
  github?: string;
}

/** An open WebSocket to a relay: text frames in and out; `onEnd` fires once, with why. */
export interface RelaySocket {
  send(text: string): void;
  listen(onMessage: (text: string) => void, onEnd: (e: KezError) => void): void;
  close(): void;
}

/** Opens a relay socket (the URL before config.hostMap); every failure a KezError. */
export type RelayDialer = (url: string, env: ChannelEnv) => Promise<RelaySocket>;

/** An open TCP (or TLS) byte stream; `onEnd` fires once, with why. */
export interface StreamSocket {
  write(data: string | Uint8Array): void;
  /** Upgrades the connection to TLS in place (STARTTLS), verifying the certificate for `servername`. */
  startTls(servername: string): Promise<void>;
  listen(onData: (chunk: Uint8Array) => void, onEnd: (e: KezError) => void): void;
  close(): void;
}

export interface StreamDialOptions {
  /** TLS from the first byte (e.g. XMPP direct TLS 5223, IRC 6697). */
  tls?: boolean;
  /** Total bytes this connection may read before it ends with `too_large`. */
  maxBytes: number;
}

/** Opens a stream to host:port (before config.hostMap); every failure a KezError. */
export type StreamDialer = (
  host: string,
  port: number,
  opts: StreamDialOptions,
  env: ChannelEnv,
) => Promise<StreamSocket>;

export interface ChannelEnv {
  fetch: SafeFetch;
  /** Opens nostr relay connections (Node: ws under the address policy; a browser: WebSocket). */
  dialRelay?: RelayDialer;
  /** Opens TCP/TLS streams (XMPP, IRC); Node only (stream-dial.ts), absent in a browser. */
  dialStream?: StreamDialer;
  credentials?: ReadCredentials;
  httpCache?: HttpCache;
  /** TXT lookup via the configured DNS servers: records, each a list of character-strings. [] when none. */
  resolveTxt(name: string): Promise<string[][]>;
  config: ChannelsConfig;
  signal?: AbortSignal;
  progress?(msg: string): void;
}

/** One place a publish went to (a relay), and what it answered. */
export interface PublishAttempt {
  relay: string;
  accepted: boolean;
  /** The SPEC §9 code of a refusal or failure. */
  code?: Code;
  /** The place's own words (an OK message, a NIP-11 limit, a network error). */
  reason: string;
}

export interface PublishResult {
  location: string;
  /** Where a channel publishes to several places (nostr relays): each one's outcome. */
  attempts?: PublishAttempt[];
}

export interface PublishRequest {
  subject: Subject;
  claim: Claim;
  compact: string;
  markdown: string;
  /** The short proof (SPEC §5.2), for places that keep too little for a compact claim. */
  short: string;
  token?: string;
  /** The caller's clock (Unix seconds), for the timestamp a service record carries. */
  now: number;
}

/** What `kez publish` prints where kez cannot write the proof itself. */
export interface PasteInstructions {
  /** The settings page where the user pastes it. */
  url: string;
  /** The field's name on that page. */
  field: string;
  /** The exact text to paste. */
  text: string;
  /** Characters the field keeps, when the service documents it. */
  limit?: number;
  /** Another place that serves as well (e.g. a website's page head instead of its file). */
  alternative?: { url: string; field: string; text: string };
}

export interface ChannelPlugin {
  /** The channel name of the subjects it checks (SPEC §2.2). */
  name: string;
  /**
   * The redirect policy and size cap of its reads, for plugins whose every read uses one
   * policy (the contract test holds each fetch to it).
   */
  fetchPolicy?: FetchPolicy;
  /** Candidate proofs at the account's own place. Throws KezError (unreachable / not_found / invalid codes). */
  locate(subject: Subject, env: ChannelEnv): Promise<Candidate[]>;
  /** Publishes a proof; returns where it now lives. Absent when the service cannot be written to by kez. */
  publish?(p: PublishRequest, env: ChannelEnv): Promise<PublishResult>;
  /** The environment variable holding the user's token for `publish`, and what it must allow. */
  publishToken?: { env: string; hint: string };
  /** Where and what to paste by hand (for services kez cannot write to, or without a token). */
  paste?(p: PublishRequest): PasteInstructions;
}

/** Fetches (and optionally stores) a sigchain at a locator of the schemes it handles (http(s) sig-servers, ws(s) relays). */
export interface ChainTransport {
  name: string;
  schemes: string[];
  /**
   * The events it holds for the identity, in any order; [] when it has none. Throws KezError
   * when unreachable. `now` is the caller's clock, for transports that must fold to filter.
   */
  fetchChain(
    locator: string,
    identity: string,
    env: ChannelEnv,
    now: number,
  ): Promise<ChainEvent[]>;
  /** Stores the events the locator is missing; returns how many were added. */
  publishEvents?(
    locator: string,
    identity: string,
    events: ChainEvent[],
    env: ChannelEnv,
  ): Promise<{ added: number }>;
}
