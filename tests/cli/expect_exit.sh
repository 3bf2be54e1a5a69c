#!/usr/bin/env bash
# expect_exit.sh CODE PATTERN -- COMMAND…: runs COMMAND and passes only when it
# exits with CODE and its output (stdout and stderr) matches the regex PATTERN.
set -uo pipefail
want=$1 pattern=$2
shift 3
out=$("$@" 2>&1)
got=$?
printf '%s\n' "$out"
if [[ $got -ne $want ]]; then
  echo "expected exit code $want, got $got" >&2
  exit 1
fi
if ! grep -qE -- "$pattern" <<<"$out"; then
  echo "expected the output to match: $pattern" >&2
  exit 1
fi
