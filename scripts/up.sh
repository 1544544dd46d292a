#!/usr/bin/env bash
# `npm run up`: installs and starts what `hangar server` needs on this
# machine (scripts/setup.sh --runtime), then runs Hangar in the foreground:
# coordinator, one runner and a local NATS, with its data in ./.hangar
# (HANGAR_DATA_DIR). Stop it with Ctrl-C; running jobs get HANGAR_RUNNER_GRACE.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --runtime
exec node bin/hangar.js server "$@"
