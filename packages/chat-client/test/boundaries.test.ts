// The client is what `kez chat` and any member's program load: it must pull in no server code.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packages = join(dirname(fileURLToPath(import.meta.url)), '../..');
const deps = (pkg: string) =>
  Object.keys(
    (
      JSON.parse(readFileSync(join(packages, pkg, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
      }
    ).dependencies ?? {},
  );

describe('package boundaries', () => {
  it('@kez/chat-client depends on core and the NATS client only', () => {
    expect(deps('chat-client').sort()).toEqual(['@kez/core', '@nats-io/transport-node']);
  });
  it('@kez/cli depends on no server package', () => {
    expect(deps('kez-cli')).toContain('@kez/chat-client');
    expect(deps('kez-cli').filter((d) => /server/.test(d))).toEqual([]);
  });
});
