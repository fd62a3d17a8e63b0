// A newcomer's first commands: the bin links npm makes, and a demo peer missing from the machine.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('installed commands', () => {
  // npm links a bin at install time, before `npm run build`: a target under dist/ is not linked.
  it.each([
    ['kez-cli', 'kez'],
    ['sig-server', 'kez-sig-server'],
    ['chat-server', 'kez-chat-server'],
  ])('%s declares %s as a tracked file that runs the built command', (dir, name) => {
    const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
    expect(pkg.bin[name]).not.toMatch(/dist\//);
    expect(pkg.files).toContain(pkg.bin[name].replace(/^\.\//, '').split('/')[0]);
  });

  it('npm install -g of each package gives a command on PATH that runs', async () => {
    const prefix = mkdtempSync(join(tmpdir(), 'kez-global-'));
    try {
      for (const dir of ['kez-cli', 'sig-server', 'chat-server'])
        await run('npm', ['install', '-g', join(root, 'packages', dir), '--prefix', prefix], {
          env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' },
        });
      const bin = (name: string) => join(prefix, 'bin', name);
      expect((await run(bin('kez'), ['--version'], { cwd: tmpdir() })).stdout.trim()).toMatch(
        /^\d+\.\d+\.\d+$/,
      );
      expect((await run(bin('kez-sig-server'), ['--help'], { cwd: tmpdir() })).stdout).toMatch(
        /^Usage: kez-sig-server/,
      );
      expect((await run(bin('kez-chat-server'), ['--help'], { cwd: tmpdir() })).stdout).toMatch(
        /^kez-chat-server/,
      );
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  }, 60_000);

  it('node_modules/.bin/kez runs the CLI', async () => {
    const { stdout } = await run(join(root, 'node_modules/.bin/kez'), ['--version']);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('npm run demo on a machine without nsd', () => {
  it('names the package and the install command, with no stack trace', async () => {
    const r = await run(process.execPath, [join(root, 'scripts/demo.mjs')], {
      env: { ...process.env, NSD_BIN: '/nonexistent/nsd', NO_COLOR: '1' },
    }).then(
      () => null,
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(r).not.toBeNull();
    expect(r!.code).toBe(1);
    const text = `${r!.stdout}${r!.stderr}`;
    expect(text).toContain('apt-get install nsd');
    expect(text).not.toMatch(/^\s+at /m);
  }, 60_000);
});
