#!/usr/bin/env bash
# Every test twice, side by side: on SQLite and on a throwaway PostgreSQL server (tools/pg-test.sh).
#
#   tools/test-both.sh PYTHON [PYTEST ARGS...]
#
# The two runs share nothing but the machine: each its own stores, its own temporary folders
# (--basetemp) and its own range of ports (tests/conftest.py free_port). The PostgreSQL run prints
# as it goes; the SQLite run's output is kept and printed after it, in full. The exit code is the
# first non-zero of the two (both run to the end either way). An interrupt stops both.
set -uo pipefail

py=${1:?"brug: tools/test-both.sh PYTHON [PYTEST ARGS...]"}
shift
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/brugerblik-test.XXXXXX")
chmod 700 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -- -"$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
echo "== PostgreSQL-kørslen (SQLite-kørslen går samtidig; dens udskrift følger bagefter) =="
# each run in its own process group, so an interrupt takes all of it (servers and browsers included)
set -m
bash "$here/pg-test.sh" "$py" -m pytest -q --basetemp="$work/pg" "$@" &
pg_pid=$!
"$py" -m pytest -q --basetemp="$work/sqlite" "$@" >"$work/sqlite.log" 2>&1 &
sqlite_pid=$!
set +m
pids=("$pg_pid" "$sqlite_pid")

wait "$pg_pid"
pg_rc=$?
pids=("$sqlite_pid")
echo "== PostgreSQL-kørslen: exit $pg_rc efter $(( $(date +%s) - start )) s =="

wait "$sqlite_pid"
sqlite_rc=$?
pids=()
echo "== SQLite-kørslen =="
cat "$work/sqlite.log"
echo "== SQLite-kørslen: exit $sqlite_rc; begge færdige efter $(( $(date +%s) - start )) s =="

[ "$pg_rc" -ne 0 ] && exit "$pg_rc"
exit "$sqlite_rc"
