#!/usr/bin/env bash
# Installs what the kez-core tests need, idempotently: Debian's Chromium, which
# test/browser/browser.test.ts drives through playwright-core to prove @kez/core runs in a
# real browser (playwright's own browser download is never used).
set -euo pipefail
if command -v chromium >/dev/null; then
  echo "chromium already installed: $(command -v chromium)"
else
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
