#!/usr/bin/env bash
# Fetches the Rust crates (Cargo.lock pinned) so `cargo test --release --locked` runs offline.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fetch --locked
