#!/usr/bin/env bash
# Peers the kez-channels tests start themselves: Debian's nsd (a real authoritative DNS server),
# GnuPG (real OpenPGP keys for the openpgp channel's Web Key Directory tests) and prosody (a
# real XMPP server for the xmpp channel; OpenSSL makes its throwaway certificate).
set -euo pipefail
need=()
command -v nsd >/dev/null 2>&1 || [ -x /usr/sbin/nsd ] || need+=(nsd)
command -v gpg >/dev/null 2>&1 && command -v gpgconf >/dev/null 2>&1 || need+=(gnupg)
[ -x /usr/bin/prosody ] && [ -x /usr/bin/prosodyctl ] || need+=(prosody)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
[ ${#need[@]} -eq 0 ] && exit 0
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${need[@]}" >/dev/null
# The package enables a system service; the tests run their own instance on a free loopback port.
($SUDO service nsd stop || true) >/dev/null 2>&1
($SUDO service prosody stop || true) >/dev/null 2>&1
