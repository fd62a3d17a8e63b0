#!/usr/bin/env bash
# Peers the kez-channels tests start themselves: Debian's nsd (a real authoritative DNS server).
set -euo pipefail
if command -v nsd >/dev/null 2>&1 || [ -x /usr/sbin/nsd ]; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq nsd >/dev/null
# The package enables a system service; the tests run their own instance on a free loopback port.
($SUDO service nsd stop || true) >/dev/null 2>&1
