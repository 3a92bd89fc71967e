#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests and the benchmarks (Debian's `postgresql`).
#
#   tools/pg-test.sh COMMAND [ARGS...]   start a server, run COMMAND with BRUGERBLIK_TEST_DB set to
#                                        its URL, stop the server, exit with COMMAND's exit code
#   tools/pg-test.sh                     start a server, print its URL, keep it until Ctrl-C
#
# The cluster lives in a new temporary directory (initdb, owned by the `postgres` user when run as
# root — PostgreSQL refuses to run as root — or by the calling user otherwise), listens on
# 127.0.0.1 only on a free port with a random password, its socket in the temporary directory,
# and is stopped and deleted afterwards, also when COMMAND fails or is interrupted.
# Anything that goes wrong starting it is an error (exit 3) with the server log: never a skip.
#
# PGTEST_DURABLE=1 keeps fsync on (the benchmarks); the tests run with fsync off, which only
# matters if the machine itself crashes (the crash tests kill the client, not the server).
# PGTEST_EXTRA_OPTS adds server options (e.g. "-c log_min_duration_statement=100").
set -euo pipefail

die() { echo "pg-test: $*" >&2; exit 3; }

bindir=""
if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/pg_ctl" ]; then
  bindir=$(pg_config --bindir)
fi
if [ -z "$bindir" ]; then
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
[ -n "$bindir" ] && [ -x "$bindir/initdb" ] && [ -x "$bindir/pg_ctl" ] \
  || die "PostgreSQL er ikke installeret (initdb/pg_ctl mangler). Kør: bash tools/system-deps.sh"

runas=()
owner=$(id -un)
if [ "$(id -u)" = "0" ]; then
  id postgres >/dev/null 2>&1 || die "brugeren 'postgres' findes ikke (installér Debians postgresql-pakke)"
  runas=(runuser -u postgres --)
  owner=postgres
fi

tmproot="${TMPDIR:-/tmp}"
[ "$owner" = "postgres" ] && [ "$(id -un)" != "postgres" ] && tmproot=/tmp  # postgres must reach the directory
base=$(mktemp -d "$tmproot/brugerblik-pg.XXXXXX")
chmod 700 "$base"
mkdir -p "$base/sock"
pwfile="$base/pw"
python3 -c 'import secrets; print(secrets.token_hex(16))' > "$pwfile"
pw=$(cat "$pwfile")
[ "$owner" != "$(id -un)" ] && chown -R "$owner" "$base"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
user=brugerblik
db=brugerblik_test
started=0

cleanup() {
  if [ "$started" = "1" ]; then
    "${runas[@]}" "$bindir/pg_ctl" -D "$base/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$base"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! "${runas[@]}" "$bindir/initdb" -D "$base/data" -U "$user" --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >"$base/initdb.log" 2>&1; then
  cat "$base/initdb.log" >&2
  die "initdb fejlede"
fi

opts="-c listen_addresses=127.0.0.1 -p $port -k $base/sock -c max_connections=200 -c shared_buffers=128MB"
if [ "${PGTEST_DURABLE:-0}" != "1" ]; then
  opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
fi
opts="$opts ${PGTEST_EXTRA_OPTS:-}"
if ! "${runas[@]}" "$bindir/pg_ctl" -D "$base/data" -l "$base/server.log" -o "$opts" -w -t 60 start >/dev/null; then
  tail -n 30 "$base/server.log" >&2 || true
  die "PostgreSQL kunne ikke startes"
fi
started=1
"${runas[@]}" "$bindir/createdb" -h "$base/sock" -p "$port" -U "$user" "$db" \
  || { tail -n 30 "$base/server.log" >&2; die "createdb fejlede"; }

url="postgresql+psycopg://$user:$pw@127.0.0.1:$port/$db"
export BRUGERBLIK_TEST_DB="$url"
echo "pg-test: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') på 127.0.0.1:$port (database $db)" >&2

if [ $# -eq 0 ]; then
  echo "$url"
  echo "pg-test: kører, til du trykker Ctrl-C" >&2
  while true; do sleep 3600; done
fi

rc=0
"$@" || rc=$?
exit $rc
