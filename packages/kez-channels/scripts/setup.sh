#!/usr/bin/env bash
# Peers the kez-channels tests start themselves: Debian's nsd (a real authoritative DNS server),
# GnuPG (real OpenPGP keys for the openpgp channel's Web Key Directory tests), and InspIRCd with
# Atheme services (a real IRC network with NickServ for the irc channel).
set -euo pipefail
need=()
command -v nsd >/dev/null 2>&1 || [ -x /usr/sbin/nsd ] || need+=(nsd)
command -v gpg >/dev/null 2>&1 && command -v gpgconf >/dev/null 2>&1 || need+=(gnupg)
[ -x /usr/sbin/inspircd ] || need+=(inspircd)
[ -x /usr/bin/atheme-services ] || need+=(atheme-services)
[ ${#need[@]} -eq 0 ] && exit 0
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${need[@]}" >/dev/null
# The packages enable system services; the tests run their own instances on free loopback ports.
for s in nsd inspircd atheme-services; do ($SUDO service "$s" stop || true) >/dev/null 2>&1; done
