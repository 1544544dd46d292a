#!/usr/bin/env bash
# The whole test suite, with its own set-up: installs and starts what the tests
# need (scripts/setup.sh), then type-checks, lints, and runs every test file.
# Ends with one line 'tests: N passed, N failed'.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh || { echo "setup failed" >&2; exit 1; }

export HANGAR_TEST_POSTGRES_URL=${HANGAR_TEST_POSTGRES_URL:-postgres://hangar:hangar@127.0.0.1:5432/postgres}

status=0
echo "== typecheck"
npx tsc --noEmit -p . || status=1
echo "== lint"
npx biome check . || status=1
echo "== tests"
results=$(mktemp)
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=1
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  if (r.numTotalTests === 0) process.exit(1);
' "$results" || status=1
rm -f "$results"
exit $status
