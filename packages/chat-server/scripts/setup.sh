#!/usr/bin/env bash
# Installs what the chat-server tests need, idempotently:
# - nats-server with auth callout (Debian's 2.9 has none; callout landed in 2.10), built from the
#   Go module registry into <repo>/.cache/bin (the Go module cache in ~/go makes re-runs fast);
# - Debian's docker-compose, used only to validate docs/docker-compose.yml (`config`).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
NATS_VERSION="${NATS_SERVER_VERSION:-v2.12.15}"
BIN_DIR="$ROOT/.cache/bin"
BIN="$BIN_DIR/nats-server"

if [ -x "$BIN" ] && [ "$("$BIN" --version 2>/dev/null)" = "nats-server: $NATS_VERSION" ]; then
  echo "nats-server $NATS_VERSION already at $BIN"
else
  command -v go >/dev/null || { echo "setup: Go (1.25+) is needed to build nats-server $NATS_VERSION" >&2; exit 1; }
  mkdir -p "$BIN_DIR"
  echo "building nats-server $NATS_VERSION into $BIN_DIR"
  GOBIN="$BIN_DIR" go install "github.com/nats-io/nats-server/v2@$NATS_VERSION"
  "$BIN" --version
fi

if ! command -v docker-compose >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
fi
docker-compose version --short
