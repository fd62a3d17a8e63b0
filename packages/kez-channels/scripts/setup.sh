#!/usr/bin/env bash
# Peers the kez-channels tests start themselves: Debian's nsd (a real authoritative DNS server),
# GnuPG (real OpenPGP keys for the openpgp channel's Web Key Directory tests), prosody (a real
# XMPP server for the xmpp channel; OpenSSL makes its throwaway certificate), InspIRCd with
# Atheme services (a real IRC network with NickServ for the irc channel) and Synapse (a real
# Matrix homeserver for the matrix channel, from PyPI into a venv under the cache dir; the test
# kit's synapse.ts finds it there). `setup.sh demo` skips the IRC network and Synapse (the demo
# does not use them).
set -euo pipefail
need=()
command -v nsd >/dev/null 2>&1 || [ -x /usr/sbin/nsd ] || need+=(nsd)
command -v gpg >/dev/null 2>&1 && command -v gpgconf >/dev/null 2>&1 || need+=(gnupg)
[ -x /usr/bin/prosody ] && [ -x /usr/bin/prosodyctl ] || need+=(prosody)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ "${1:-}" != demo ]; then
  [ -x /usr/sbin/inspircd ] || need+=(inspircd)
  [ -x /usr/bin/atheme-services ] || need+=(atheme-services)
fi
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  # The packages enable system services; the tests run their own instances on free loopback ports.
  for s in nsd prosody inspircd atheme-services; do ($SUDO service "$s" stop || true) >/dev/null 2>&1; done
fi
[ "${1:-}" = demo ] && exit 0

# Synapse: re-created when the pinned version changes (the stamp names it). Keep the version in
# step with packages/test-kit/src/synapse.ts (SYNAPSE_VERSION).
SYNAPSE_VERSION=1.163.2
venv="${XDG_CACHE_HOME:-$HOME/.cache}/kez/synapse-venv"
if [ "$(cat "$venv/.kez-synapse-version" 2>/dev/null)" != "$SYNAPSE_VERSION" ]; then
  python=""
  for p in python3.13 python3.12 python3.11 python3.10 python3; do
    if command -v "$p" >/dev/null 2>&1 &&
      "$p" -c 'import sys, venv; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
      python=$p
      break
    fi
  done
  [ -n "$python" ] || { echo "setup: Synapse needs Python >= 3.10 with venv" >&2; exit 1; }
  echo "== synapse $SYNAPSE_VERSION into $venv ($python)"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "matrix-synapse==$SYNAPSE_VERSION"
  echo "$SYNAPSE_VERSION" > "$venv/.kez-synapse-version"
fi
