// `kez-chat-server gen-keys DIR`: the issuer account key and the optional xkey, written as
// 0600 seed files; only the public keys (what the operator pastes into nats.conf) are printed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAccount, createCurve } from '@nats-io/nkeys';

export function generateKeys(dir: string): { issuer: string; xkey: string; files: string[] } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const issuer = createAccount();
  const xkey = createCurve();
  const files = [join(dir, 'issuer.seed'), join(dir, 'xkey.seed')];
  const td = new TextDecoder();
  writeFileSync(files[0]!, `${td.decode(issuer.getSeed())}\n`, { mode: 0o600, flag: 'wx' });
  writeFileSync(files[1]!, `${td.decode(xkey.getSeed())}\n`, { mode: 0o600, flag: 'wx' });
  return { issuer: issuer.getPublicKey(), xkey: xkey.getPublicKey(), files };
}
