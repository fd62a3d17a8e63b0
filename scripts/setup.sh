#!/usr/bin/env bash
# Installs everything the tests and the demo need, idempotently and fast when already done:
# npm packages (skipped when node_modules matches package-lock.json), then each package's
# own peers (packages/*/scripts/setup.sh: Debian packages, nats-server, …) and the crates
# (rust/scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.kez-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
for s in packages/*/scripts/setup.sh rust/scripts/setup.sh; do
  [ -f "$s" ] || continue
  echo "== setup: $s"
  bash "$s"
done
