// Node's stream dialer (XMPP, IRC): TCP, optionally TLS from the first byte or upgraded in
// place (STARTTLS), under the one address policy (address-policy.ts) — hostMap applied, the
// resolved and the connected address both checked — with a connect timeout, one deadline over
// the whole connection (config.timeouts.totalMs and env.signal) and a cap on the bytes read.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, rootCertificates, type TLSSocket } from 'node:tls';
import { KezError } from '@kez/core';
import { addressPolicy, blockedIn, blockedReason, guardedLookup } from './address-policy.js';
import type { ChannelsConfig, StreamDialer, StreamSocket } from './types.js';

const HOST =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * The host and port actually dialled for a logical host:port: a config.hostMap entry for the
 * host gives its address, and its port when the entry names one. Throws blocked_address for
 * an IP literal the policy refuses, malformed for anything that is not a host name.
 */
export function streamTarget(
  host: string,
  port: number,
  config: ChannelsConfig,
): { host: string; port: number } {
  const where = `${host}:${port}`;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new KezError('malformed', `${where}: not a port`, { host });
  const mapped = config.hostMap[host];
  let target = { host, port };
  if (mapped) {
    const u = new URL(mapped);
    target = { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : port };
  }
  if (blockedReason(target.host) === 'not an IP address') {
    if (!HOST.test(target.host))
      throw new KezError('malformed', `${where}: not a host name`, { host });
  } else {
    const why = blockedReason(target.host, addressPolicy(config));
    if (why)
      throw new KezError('blocked_address', `${where}: ${target.host} is ${why}`, {
        host,
        address: target.host,
      });
  }
  return target;
}

function failure(e: unknown, where: string, what: string): KezError {
  const blocked = blockedIn(e);
  const error = blocked
    ? new KezError('blocked_address', `${where}: ${blocked.message}`, {
        host: where,
        address: blocked.address,
      })
    : new KezError(
        'network',
        `${where}: ${what} (${(e as { code?: string })?.code ?? (e as Error)?.message ?? String(e)})`,
        { host: where },
      );
  Object.defineProperty(error, 'cause', { value: e });
  return error;
}

const timedOut = (where: string, what: string) =>
  new KezError('timeout', `${where}: ${what}`, { host: where });

/** Upgrades `socket` to TLS, the certificate checked for `servername` against the trusted roots. */
function secure(socket: Socket, servername: string, config: ChannelsConfig): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const t = tlsConnect({
      socket,
      servername,
      ca: config.tlsCa?.length ? [...rootCertificates, ...config.tlsCa] : undefined,
    });
    t.once('secureConnect', () => {
      t.removeAllListeners('error');
      resolve(t);
    });
    t.once('error', reject);
  });
}

export const dialStreamNode: StreamDialer = async (host, port, opts, env) => {
  const { config } = env;
  const where = `${host}:${port}`;
  const target = streamTarget(host, port, config);
  const policy = addressPolicy(config);

  return new Promise<StreamSocket>((resolve, reject) => {
    let current: Socket = netConnect({
      host: target.host,
      port: target.port,
      lookup: guardedLookup(policy),
    });
    let opened = false;
    let ended: KezError | undefined;
    let read = 0;
    let onData: ((chunk: Uint8Array) => void) | undefined;
    // What arrived before the caller listened (within the cap, so bounded).
    const early: Uint8Array[] = [];
    let onEnd: ((e: KezError) => void) | undefined;
    let upgrading: ((e: KezError) => void) | undefined;

    // Ends the connection once, whatever ended it: before it opened, the dial rejects.
    const end = (e: KezError) => {
      if (ended) return;
      ended = e;
      clearTimeout(connectTimer);
      clearTimeout(deadline);
      env.signal?.removeEventListener('abort', onAbort);
      current.removeAllListeners('data');
      current.on('error', () => {
        /* late errors of a socket we gave up on */
      });
      current.destroy();
      if (!opened) reject(e);
      upgrading?.(e);
      onEnd?.(e);
    };
    const onAbort = () => end(timedOut(where, 'aborted'));
    const connectTimer = setTimeout(
      () => end(timedOut(where, `not connected within ${config.timeouts.connectMs} ms`)),
      config.timeouts.connectMs,
    );
    const deadline = setTimeout(
      () => end(timedOut(where, `the connection's ${config.timeouts.totalMs} ms deadline passed`)),
      config.timeouts.totalMs,
    );
    if (env.signal?.aborted) {
      end(timedOut(where, 'aborted'));
      return;
    }
    env.signal?.addEventListener('abort', onAbort, { once: true });

    // Reads of the socket in use, counted against the cap (what the caller sees, after TLS).
    const attach = (s: Socket) => {
      s.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > opts.maxBytes)
          return end(
            new KezError('too_large', `${where}: more than ${opts.maxBytes} bytes read`, {
              host: where,
              limit: opts.maxBytes,
            }),
          );
        const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
        if (onData) onData(bytes);
        else early.push(bytes);
      });
      s.on('error', (e) => end(failure(e, where, 'connection failed')));
      s.on('close', () =>
        end(new KezError('network', `${where}: closed the connection`, { host: where })),
      );
    };
    const detach = (s: Socket) => {
      s.removeAllListeners('data').removeAllListeners('error').removeAllListeners('close');
    };

    const upgrade = async (servername: string): Promise<void> => {
      if (ended) throw ended;
      const raw = current;
      detach(raw);
      raw.on('error', () => {
        /* reported by the TLS socket */
      });
      const failed = new Promise<never>((_, rej) => {
        upgrading = rej;
      });
      try {
        current = await Promise.race([secure(raw, servername, config), failed]);
      } catch (e) {
        const error = ended ?? failure(e, where, `TLS with ${servername} failed`);
        end(error);
        throw error;
      } finally {
        upgrading = undefined;
      }
      if (ended) {
        current.destroy();
        throw ended;
      }
      attach(current);
    };

    const socket: StreamSocket = {
      write(data) {
        if (!ended) current.write(data);
      },
      startTls: upgrade,
      listen(data, endFn) {
        onData = data;
        onEnd = endFn;
        for (const chunk of early.splice(0)) data(chunk);
        if (ended) endFn(ended);
      },
      close() {
        end(new KezError('network', `${where}: closed by us`, { host: where }));
      },
    };

    current.once('error', (e) => end(failure(e, where, 'connection failed')));
    current.once('connect', () => {
      // The address actually connected to, whatever resolved it.
      const remote = current.remoteAddress ?? '';
      const why = blockedReason(remote, policy);
      if (why) {
        end(
          new KezError('blocked_address', `${where}: refused to talk to ${remote} (${why})`, {
            host: where,
            address: remote,
          }),
        );
        return;
      }
      current.removeAllListeners('error');
      const ready = () => {
        clearTimeout(connectTimer);
        opened = true;
        attach(current);
        resolve(socket);
      };
      if (!opts.tls) {
        ready();
        return;
      }
      current.on('error', () => {
        /* reported by the TLS socket */
      });
      secure(current, host, config).then(
        (t) => {
          if (ended) t.destroy();
          else {
            current = t;
            ready();
          }
        },
        (e) => end(failure(e, where, `TLS with ${host} failed`)),
      );
    });
  });
};
