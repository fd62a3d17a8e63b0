// A real atproto PDS and PLC directory (@atproto/dev-env TestNetworkNoAppView: SQLite files in
// a temporary directory, no AppView) on loopback, for the tests and the demo. Handles are
// `<name>.test`; the PDS answers /.well-known/atproto-did for them by Host header.
import { rm } from 'node:fs/promises';
import net from 'node:net';
import { dirname } from 'node:path';
import type { TestNetworkNoAppView } from '@atproto/dev-env';

export interface PdsAccount {
  did: string;
  handle: string;
  password: string;
  accessJwt: string;
}

export interface RunningPds {
  /** http://localhost:<port>, as the DID documents name it */
  pdsUrl: string;
  plcUrl: string;
  network: TestNetworkNoAppView;
  /** Creates `<name>.test`; returns its DID, handle, password and access token. */
  createAccount(name: string): Promise<PdsAccount>;
  /** Writes a record into the account's repo (createRecord, or putRecord with `rkey`). */
  putRecord(
    account: PdsAccount,
    collection: string,
    record: Record<string, unknown>,
    rkey?: string,
  ): Promise<{ uri: string; cid: string }>;
  stop(): Promise<void>;
}

/**
 * dev-env's servers call `listen(port)`, which binds every interface; while they start,
 * a port-only listen() is pinned to 127.0.0.1.
 */
async function onLoopback<T>(start: () => Promise<T>): Promise<T> {
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    if (typeof args[0] === 'number' && (args.length === 1 || typeof args[1] === 'function'))
      args.splice(1, 0, '127.0.0.1');
    return (listen as (...a: unknown[]) => net.Server).apply(this, args);
  } as typeof listen;
  try {
    return await start();
  } finally {
    net.Server.prototype.listen = listen;
  }
}

export async function startPds(): Promise<RunningPds> {
  // Loaded on first use: dev-env is large and only the atproto tests need it.
  const { TestNetworkNoAppView } = await import('@atproto/dev-env');
  const network = await onLoopback(() => TestNetworkNoAppView.create({}));
  const pdsUrl = network.pds.url;
  return {
    pdsUrl,
    plcUrl: network.plc.url,
    network,
    async createAccount(name) {
      const handle = `${name}.test`;
      const password = `${name}-password`;
      const { data } = await network.pds
        .getClient()
        .createAccount({ email: `${name}@kez.test`, handle, password });
      return { did: data.did, handle: data.handle, password, accessJwt: data.accessJwt };
    },
    async putRecord(account, collection, record, rkey) {
      const res = await fetch(
        `${pdsUrl}/xrpc/com.atproto.repo.${rkey ? 'putRecord' : 'createRecord'}`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${account.accessJwt}`,
          },
          body: JSON.stringify({
            repo: account.did,
            collection,
            record,
            ...(rkey ? { rkey } : {}),
          }),
        },
      );
      if (!res.ok) throw new Error(`createRecord: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as { uri: string; cid: string };
    },
    async stop() {
      const { db, blobstore } = network.pds.ctx.cfg;
      await network.close();
      // dev-env keeps the PDS's SQLite files and blobs in fresh directories under the tmpdir.
      for (const dir of [
        dirname(db.accountDbLoc),
        blobstore.provider === 'disk' ? blobstore.location : null,
      ]) {
        if (dir) await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
