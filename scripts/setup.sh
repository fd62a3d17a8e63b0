#!/usr/bin/env bash
# Installs everything the tests and the demo need, idempotently and fast when already done:
# npm packages (skipped when node_modules matches package-lock.json), then each package's
# own peers (packages/*/scripts/setup.sh: Debian packages, nats-server, …) and the crates
# (rust/scripts/setup.sh). `setup.sh demo` installs only what `npm run demo` needs: the npm
# packages and Debian's nsd (the relay and the PDS ship as npm packages).
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.kez-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "== npm ci"
  # Node 20 is supported: a dependency declaring a newer engine is a bug here (pinned in the root
  # package.json's overrides), so an EBADENGINE warning fails the setup.
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
  npm ci --no-audit --no-fund 2>&1 | tee "$log"
  if grep -q EBADENGINE "$log"; then
    echo "setup: npm ci warned EBADENGINE (above): pin a version that supports Node 20 in package.json overrides" >&2
    exit 1
  fi
  echo "$want" > "$stamp"
fi
if [ "${1:-}" = demo ]; then
  scripts=(packages/kez-channels/scripts/setup.sh)
else
  scripts=(packages/*/scripts/setup.sh rust/scripts/setup.sh)
fi
for s in "${scripts[@]}"; do
  [ -f "$s" ] || continue
  echo "== setup: $s"
  bash "$s" ${1:+"$1"}
done
