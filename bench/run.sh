#!/usr/bin/env bash
# Runs every benchmark in turn. Each prints its own figures and the ratio
# against a baseline measured in the same run. Set-up first (Docker, NATS,
# local images), as for the tests.
#   bench/run.sh                 all benchmarks
#   bench/run.sh runner-logs     only those whose file name contains the word
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --runtime >/dev/null || exit 1
status=0
for f in bench/*.ts; do
  name=$(basename "$f" .ts)
  if [ $# -gt 0 ] && [[ "$name" != *"$1"* ]]; then continue; fi
  echo "== $name"
  npx tsx "$f" || { echo "!! $name failed"; status=1; }
  echo
done
exit $status
