#!/usr/bin/env bash
# Installs everything the tests need, idempotently: npm packages, then each package's own
# peers (packages/*/scripts/setup.sh: Debian packages, nats-server, …) and the Rust toolchain's crates.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
for s in packages/*/scripts/setup.sh rust/scripts/setup.sh; do
  [ -f "$s" ] || continue
  echo "== setup: $s"
  bash "$s"
done
