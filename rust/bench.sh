#!/usr/bin/env bash
# The Rust benchmark for `npm run bench` (scripts/bench.mjs runs this file): builds the release
# CLI and runs its hidden `kez bench` — a table, then one JSON line.
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release --locked -q
exec ./target/release/kez bench
