#!/usr/bin/env bash
# The README's test command (`npm test`): set up (idempotent), build, TypeScript tests
# (vitest, every package; real peers started by each package's global setup), Rust tests,
# then crosstest.sh between the two implementations.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build
npx vitest run
if [ -f rust/Cargo.toml ]; then
  (cd rust && cargo test --release --locked)
fi
if [ -x crosstest.sh ]; then
  ./crosstest.sh
fi
