// A real atproto PDS and PLC directory (@atproto/dev-env TestNetworkNoAppView: SQLite files in
// a temporary directory, no AppView) on loopback, for tests and the demo. Plain ESM JavaScript
// so `node scripts/demo.mjs` can import it too. Handles are `<name>.test`; the PDS answers
// /.well-known/atproto-did for them by Host header.
import { rm } from 'node:fs/promises';
import net from 'node:net';
import { dirname } from 'node:path';

/**
 * dev-env's servers call `listen(port)`, which binds every interface; while they start,
 * a port-only listen() is pinned to 127.0.0.1.
 * @template T @param {() => Promise<T>} start @returns {Promise<T>}
 */
async function onLoopback(start) {
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function (...args) {
    if (typeof args[0] === 'number' && (args.length === 1 || typeof args[1] === 'function'))
      args.splice(1, 0, '127.0.0.1');
    return listen.apply(this, args);
  };
  try {
    return await start();
  } finally {
    net.Server.prototype.listen = listen;
  }
}

export async function startPds() {
  const { TestNetworkNoAppView } = await import('@atproto/dev-env');
  const network = await onLoopback(() => TestNetworkNoAppView.create({}));
  const pdsUrl = network.pds.url;
  return {
    /** http://localhost:<port>, as the DID documents name it */
    pdsUrl,
    plcUrl: network.plc.url,
    network,
    /**
     * Creates an account `<name>.test`; returns its DID, handle, password and access token.
     * @param {string} name
     */
    async createAccount(name) {
      const handle = `${name}.test`;
      const password = `${name}-password`;
      const { data } = await network.pds
        .getClient()
        .createAccount({ email: `${name}@kez.test`, handle, password });
      return { did: data.did, handle: data.handle, password, accessJwt: data.accessJwt };
    },
    /**
     * Writes a record into the repo the token belongs to (any collection, no lexicon check).
     * @param {{ did: string, accessJwt: string }} account @param {string} collection @param {Record<string, unknown>} record
     */
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
      return /** @type {{ uri: string, cid: string }} */ (await res.json());
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
