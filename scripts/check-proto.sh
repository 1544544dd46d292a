#!/usr/bin/env bash
# Fails when proto/generated differs from what scripts/gen-proto.sh makes of
# the current .proto files.
set -euo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bash scripts/gen-proto.sh "$tmp/generated"
if ! diff -r proto/generated "$tmp/generated" >"$tmp/diff"; then
  cat "$tmp/diff" >&2
  echo "proto/generated is out of date with proto/hangar/v1/*.proto: run scripts/gen-proto.sh and commit the result." >&2
  exit 1
fi
echo "proto/generated is up to date."
