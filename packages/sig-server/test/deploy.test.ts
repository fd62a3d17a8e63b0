// The shipped deployment files agree with the program: the compose file validates, and the
// systemd unit's and Dockerfile's commands name the real entry point with flags it accepts.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { LIMITS } from '../src/limits.js';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const deploy = (f: string) => join(pkg, 'deploy', f);

describe('deployment recipes', () => {
  it('compose.postgres.yml passes docker-compose config: one database, two replicas on it', () => {
    const out = execFileSync('docker-compose', ['-f', deploy('compose.postgres.yml'), 'config'], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/^\s{2}sig-1:$/m);
    expect(out).toMatch(/^\s{2}sig-2:$/m);
    expect(out).toMatch(/^\s{2}db:$/m);
    expect(out.match(/KEZ_SIG_DB: postgres:\/\/kez:change-me@db:5432\/kez/g)).toHaveLength(2);
    // One trusted hop (the load balancer), never "trust every X-Forwarded-For entry".
    expect(out.match(/KEZ_SIG_TRUST_PROXY: '1'/g)).toHaveLength(2);
  });

  it('the systemd unit starts dist/main.js with flags the server accepts', () => {
    const unit = readFileSync(deploy('kez-sig-server.service'), 'utf8');
    const exec = unit.match(/^ExecStart=(\S+) (\S+) (.*)$/m);
    expect(exec?.[2]).toBe('/opt/kez/packages/sig-server/dist/main.js');
    const cfg = loadConfig(exec![3]!.split(/\s+/), {});
    expect(cfg).toMatchObject({
      dataDir: '/var/lib/kez-sig-server',
      host: '127.0.0.1',
      port: 8787,
      trustProxy: 1,
    });
    expect(existsSync(join(pkg, 'dist', 'main.js'))).toBe(true);
  });

  it('the Dockerfile runs the built entry point, configured through the environment', () => {
    const file = readFileSync(deploy('Dockerfile'), 'utf8');
    expect(file).toContain('CMD ["node", "packages/sig-server/dist/main.js"]');
    const env = Object.fromEntries(
      [...file.matchAll(/(KEZ_SIG_\w+)=(\S+)/g)].map((m) => [m[1], m[2]]),
    );
    expect(loadConfig([], env)).toMatchObject({ dataDir: '/data', host: '0.0.0.0', port: 8787 });
  });
});

describe('operator documentation', () => {
  it("the README's limits table is src/limits.ts, and every recipe trusts a proxy hop count", () => {
    const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
    const documented: Record<string, number> = {};
    for (const m of readme.matchAll(/^\| (`\w+`(?: \/ `\w+`)*) \| ([\d /]+) \|/gm)) {
      const names = [...m[1]!.matchAll(/`(\w+)`/g)].map((n) => n[1]!);
      const values = m[2]!.split('/').map((v) => Number(v.trim()));
      names.forEach((n, i) => {
        documented[n] = values[i]!;
      });
    }
    expect(documented).toEqual(LIMITS);
    expect(readme).toContain('KEZ_SIG_TRUST_PROXY=1` (one hop');
    expect(readme).not.toMatch(/--trust-proxy`? (so|to|and)/);
  });
});

describe('configuration', () => {
  it('flags win over the environment, which wins over defaults', () => {
    const cfg = loadConfig(['--port', '9000', '--rate-limit', '0'], {
      KEZ_SIG_PORT: '8000',
      KEZ_SIG_HOST: '::1',
      KEZ_SIG_DB: 'postgres://x/y',
    });
    expect(cfg).toMatchObject({ port: 9000, host: '::1', rateLimitMax: 0, db: 'postgres://x/y' });
    expect(loadConfig([], { KEZ_SIG_CACHE_CLAIMS: '10' })).toMatchObject({ cacheClaims: 10 });
    expect(loadConfig([], {})).toMatchObject({ cacheClaims: LIMITS.headStateClaims });
  });

  it('refuses bad values instead of guessing', () => {
    expect(() => loadConfig(['--port', '80a'], {})).toThrow(/--port/);
    expect(() => loadConfig(['--port', '70000'], {})).toThrow(/65535/);
    expect(() => loadConfig(['--db', 'mysql://x'], {})).toThrow(/postgres/);
    expect(() => loadConfig(['--bogus'], {})).toThrow();
    expect(loadConfig(['--help'], {})).toBe('help');
  });
});
