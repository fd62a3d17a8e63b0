// Real OpenPGP keys made by Debian's GnuPG in a throwaway home (no passphrase, batch mode), for
// the openpgp channel's WKD tests: key generation with a notation on the self-signature, a
// third-party certification, export, and gpg's own WKD hash to check ours against.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GPG = process.env.GPG_BIN ?? 'gpg';

export interface GpgHome {
  dir: string;
  /** Runs gpg in this home; resolves stdout (bytes), rejects with stderr. */
  run(args: string[], input?: Uint8Array): Promise<Buffer>;
  /** A new Ed25519 certify-only key for `uid`; `notations` go on its self-signature. Returns its fingerprint. */
  genKey(uid: string, notations?: string[]): Promise<string>;
  /** The binary transferable public key(s) of `who` (fingerprint or address), as WKD serves them. */
  exportKey(who: string): Promise<Uint8Array>;
  importKey(bytes: Uint8Array): Promise<void>;
  /** gpg's WKD hash of the address's local part (`--with-wkd-hash`). */
  wkdHash(fpr: string): Promise<string>;
  close(): Promise<void>;
}

export async function gpgHome(): Promise<GpgHome> {
  const dir = await mkdtemp(join(tmpdir(), 'kez-gpg-'));
  const env = { ...process.env, GNUPGHOME: dir };
  const base = ['--batch', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', ''];
  const run = (args: string[], input?: Uint8Array) =>
    new Promise<Buffer>((resolve, reject) => {
      const child = execFile(
        GPG,
        [...base, ...args],
        { env, encoding: 'buffer', maxBuffer: 4 << 20, timeout: 30_000 },
        (err, stdout, stderr) =>
          err ? reject(new Error(`gpg ${args[0]}: ${stderr.toString()}`)) : resolve(stdout),
      );
      child.stdin?.end(input);
    });
  const fingerprint = async (who: string) => {
    const out = (await run(['--with-colons', '--list-keys', who])).toString();
    const fpr = /^fpr:(?:[^:]*:){8}([0-9A-F]{40}):/m.exec(out)?.[1];
    if (!fpr) throw new Error(`gpg: no fingerprint for ${who}`);
    return fpr;
  };
  return {
    dir,
    run,
    async genKey(uid, notations = []) {
      await run([
        ...notations.flatMap((n) => ['--cert-notation', n]),
        '--quick-gen-key',
        uid,
        'ed25519',
        'cert',
        'never',
      ]);
      return fingerprint(uid.replace(/^.*<|>.*$/g, ''));
    },
    async exportKey(who) {
      return new Uint8Array(await run(['--export', who]));
    },
    async importKey(bytes) {
      await run(['--import'], bytes);
    },
    async wkdHash(fpr) {
      const out = (await run(['--with-wkd-hash', '--list-keys', fpr])).toString();
      const hash = /^\s+([a-z0-9]{32})@/m.exec(out)?.[1];
      if (!hash) throw new Error('gpg printed no WKD hash');
      return hash;
    },
    async close() {
      await new Promise<void>((resolve) =>
        execFile('gpgconf', ['--kill', 'gpg-agent'], { env }, () => resolve()),
      );
      await rm(dir, { recursive: true, force: true });
    },
  };
}
