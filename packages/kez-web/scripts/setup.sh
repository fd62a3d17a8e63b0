#!/usr/bin/env bash
# Installs what the kez-web tests need, idempotently: Debian's Chromium (the profile-page test
# drives it through playwright-core) — the same install as kez-core's browser test — and the
# demo's peers (nsd, from kez-channels' setup).
set -euo pipefail
here="$(dirname "$0")"
bash "$here/../../kez-core/scripts/setup.sh"
bash "$here/../../kez-channels/scripts/setup.sh"
