#!/usr/bin/env bash
# Installs what the sig-server tests need beyond npm: Debian's PostgreSQL server binaries
# (initdb/pg_ctl; the tests start their own throwaway cluster) and docker-compose (to
# validate the shipped compose file). Idempotent and quick when already installed.
set -euo pipefail

have_pg() { compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; }

if ! have_pg; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends postgresql
fi
have_pg || { echo "sig-server setup: PostgreSQL binaries still missing" >&2; exit 1; }

# docker-compose validates deploy/compose.postgres.yml in the tests (no Docker engine needed).
if ! command -v docker-compose >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends docker-compose
fi
echo "sig-server setup: PostgreSQL $(ls /usr/lib/postgresql | sort -V | tail -1), $(docker-compose version --short) available"
