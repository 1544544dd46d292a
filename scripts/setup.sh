#!/usr/bin/env bash
# Installs and starts, idempotently, everything Hangar and its tests need on a
# Debian machine: npm dependencies, the Docker engine, nats-server, PostgreSQL,
# and the local images the tests and examples use.
#
#   scripts/setup.sh            everything
#   scripts/setup.sh --runtime  only what `hangar server` needs (no PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=${1:-all}
STATE=${HANGAR_STATE_DIR:-/var/lib/hangar-dev}
mkdir -p "$STATE"

log() { printf '[setup] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# --- Debian packages -------------------------------------------------------
PKGS=(docker.io nats-server busybox-static git iproute2 procps ca-certificates)
if [ "$MODE" != --runtime ]; then
  PKGS+=(postgresql)
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- npm dependencies ------------------------------------------------------
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

# --- Docker engine ---------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  as_root sh -c "nohup setsid dockerd >'$STATE/dockerd.log' 2>&1 &"
  for _ in $(seq 1 120); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { log "dockerd did not answer; see $STATE/dockerd.log"; tail -20 "$STATE/dockerd.log" >&2; exit 1; }
fi

# --- Local images (no registry is reachable) -------------------------------
bash scripts/build-images.sh

# --- PostgreSQL ------------------------------------------------------------
if [ "$MODE" != --runtime ]; then
  ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
  if ! pg_lsclusters -h 2>/dev/null | grep -q online; then
    log "starting PostgreSQL $ver"
    pg_lsclusters -h | grep -q . || as_root pg_createcluster "$ver" main >/dev/null
    as_root pg_ctlcluster "$ver" main start
  fi
  for _ in $(seq 1 60); do
    as_root su postgres -c "psql -qAtc 'select 1'" >/dev/null 2>&1 && break
    sleep 0.5
  done
  as_root su postgres -c "psql -qAtc \"select 1 from pg_roles where rolname='hangar'\"" | grep -q 1 ||
    as_root su postgres -c "psql -qc \"create role hangar login superuser password 'hangar'\""
fi

# --- The bundle bin/hangar.js runs (dist/) -----------------------------------
log "bundling hangar into dist/"
bash scripts/build.sh

log "ready"
