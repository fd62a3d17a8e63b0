// `kez key import` on a terminal reads the secret at a prompt with echo off, and never prints it.
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, NOW, ok, tempHome } from './cli.js';

// Runs `kez key import` with a pseudo-terminal as stdin, stdout and stderr (Python's pty module),
// types `typed` after the prompt, and returns everything the terminal showed.
const DRIVER = `
import os, pty, sys, time
node, bin, home, now, typed = sys.argv[1:6]
pid, fd = pty.fork()
if pid == 0:
    env = dict(os.environ, KEZ_HOME=home, NO_COLOR='1')
    os.execve(node, [node, bin, '--now', now, 'key', 'import', '--alg', 'nostr', '--name', 'tty'], env)
out = b''
def read_until(pred, limit=20.0):
    global out
    end = time.time() + limit
    while time.time() < end and not pred(out):
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
read_until(lambda o: b'hidden' in o)
os.write(fd, typed.encode() + b'\\r')
read_until(lambda o: False)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode('utf8', 'replace'))
sys.stdout.write('\\nEXIT=%d\\n' % os.waitstatus_to_exitcode(status))
`;

const t = tempHome();
afterAll(() => t.cleanup());

describe('key import on a terminal', () => {
  it('prompts, reads the secret without echo, and never prints it', async () => {
    const secret = `${'a'.repeat(63)}1`;
    const shown = execFileSync(
      'python3',
      ['-c', DRIVER, process.execPath, BIN, t.home, String(NOW), secret],
      { encoding: 'utf8' },
    );
    expect(shown).toContain('EXIT=0');
    expect(shown).toContain('hidden');
    expect(shown).not.toContain(secret);
    expect(shown).not.toContain(secret.slice(0, 16));
    // The same key as when the secret is piped in.
    const other = tempHome();
    try {
      const piped = await ok(['key', 'import', '--alg', 'nostr'], {
        home: other.home,
        input: secret,
      });
      expect(shown).toContain(piped.stdout.split('\n')[0]!);
    } finally {
      other.cleanup();
    }
  });
});
