#!/usr/bin/env bash
# The README's test command (`npm test`): set up (idempotent; skipped when .ci/run already did it),
# the gates (Biome lint + format, tsc over sources and tests, package boundaries, rustfmt,
# clippy), vitest (every package; real peers started by each package's global setup), Rust
# tests, then crosstest.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${KEZ_SETUP_DONE:-}" = 1 ] || bash scripts/setup.sh
echo "== gates: biome (lint + format)"
npm run --silent lint
echo "== build"
npm run --silent build
echo "== gates: type-check every package's tests"
npm run --silent typecheck
echo "== gates: package boundaries"
node scripts/check-boundaries.mjs
if [ -f rust/Cargo.toml ]; then
  echo "== gates: cargo fmt --check, cargo clippy -D warnings"
  (cd rust && cargo fmt --check && cargo clippy --release --all-targets --locked -- -D warnings)
fi
echo "== vitest"
# A worker whose event loop is blocked never reaches vitest's own timeouts (seen once: sig-server
# api.test.ts, 0% CPU, under investigation). Bound the run; on that timeout only, say so loudly
# and run once more, so one hang cannot hold CI past its limit. Test failures are not retried.
set +e
timeout --kill-after=30 1800 npx vitest run
rc=$?
set -e
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
  echo "== vitest: TIMED OUT after 30 min (a hung worker); running it once more" >&2
  timeout --kill-after=30 1800 npx vitest run
elif [ "$rc" != 0 ]; then
  exit "$rc"
fi
if [ -f rust/Cargo.toml ]; then
  (cd rust && cargo test --release --locked)
fi
if [ -x crosstest.sh ]; then
  ./crosstest.sh
fi
