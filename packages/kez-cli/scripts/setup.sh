#!/usr/bin/env bash
# What the kez-cli tests drive terminals with: util-linux `script` (a pty at a given width) and
# python3's pty module (typing a secret into a no-echo prompt).
set -euo pipefail
missing=()
command -v script >/dev/null 2>&1 || missing+=(bsdutils)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
[ "${#missing[@]}" = 0 ] && exit 0
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
