# Sourced by .ci/run: start a throwaway local PostgreSQL for the store's tests
# and export CANVASS_TEST_POSTGRES_URL. Idempotent: every run makes a fresh
# cluster in a new temporary directory on a free port and removes it on exit.
#
# - CANVASS_SKIP_POSTGRES=1: do nothing (the Postgres tests then skip).
# - CANVASS_TEST_POSTGRES_URL already set: use that server as it is.
# - Otherwise: Debian's PostgreSQL (installed with apt-get when missing and
#   running as root), initdb as a non-root user (`postgres`, created when
#   missing) into a temporary directory, a server on 127.0.0.1 from port
#   54320 upward (the first free one), database `canvass_test`, user
#   `canvass`, trust authentication on loopback only.
#
# Defines canvass_pg_stop, which .ci/run calls from its EXIT trap.

canvass_pg_dir=""
canvass_pg_bin=""
canvass_pg_user=""

canvass_pg_as_user() {
  if [[ -n "$canvass_pg_user" ]]; then
    runuser -u "$canvass_pg_user" -- "$@"
  else
    "$@"
  fi
}

canvass_pg_stop() {
  if [[ -n "$canvass_pg_dir" && -d "$canvass_pg_dir" ]]; then
    canvass_pg_as_user "$canvass_pg_bin/pg_ctl" -D "$canvass_pg_dir/data" -m fast -w stop \
      > /dev/null 2>&1 || true
    rm -rf "$canvass_pg_dir"
    canvass_pg_dir=""
  fi
}

canvass_pg_find_bin() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1)"
  if [[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" ]]; then
    echo "$d"
  fi
}

canvass_pg_start() {
  if [[ "${CANVASS_SKIP_POSTGRES:-0}" == "1" ]]; then
    echo "postgres: skipped (CANVASS_SKIP_POSTGRES=1)"
    return 0
  fi
  if [[ -n "${CANVASS_TEST_POSTGRES_URL:-}" ]]; then
    echo "postgres: using the server in CANVASS_TEST_POSTGRES_URL"
    return 0
  fi
  canvass_pg_bin="$(canvass_pg_find_bin)"
  if [[ -z "$canvass_pg_bin" ]]; then
    if [[ "$(id -u)" != "0" ]] || ! command -v apt-get > /dev/null; then
      echo "postgres: not installed and cannot apt-get install it (need root on Debian);" \
        "install Debian's 'postgresql' or set CANVASS_SKIP_POSTGRES=1" >&2
      return 1
    fi
    echo "postgres: installing Debian's postgresql"
    # The package's own cluster is not used (and need not start in a container).
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq > /dev/null
    apt-get install -y -qq --no-install-recommends postgresql > /dev/null
    canvass_pg_bin="$(canvass_pg_find_bin)"
    if [[ -z "$canvass_pg_bin" ]]; then
      echo "postgres: apt-get installed postgresql but no initdb under /usr/lib/postgresql" >&2
      return 1
    fi
  fi
  # initdb and postgres refuse to run as root: use an ordinary user.
  if [[ "$(id -u)" == "0" ]]; then
    canvass_pg_user=postgres
    if ! id -u "$canvass_pg_user" > /dev/null 2>&1; then
      useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin "$canvass_pg_user"
    fi
  fi
  canvass_pg_dir="$(mktemp -d "${TMPDIR:-/tmp}/canvass-pg.XXXXXX")"
  chmod 755 "$canvass_pg_dir"
  if [[ -n "$canvass_pg_user" ]]; then
    chown "$canvass_pg_user" "$canvass_pg_dir"
  fi
  local port=54320
  while (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; do
    port=$((port + 1))
    if ((port > 54400)); then
      echo "postgres: no free port in 54320..54400" >&2
      return 1
    fi
  done
  canvass_pg_as_user "$canvass_pg_bin/initdb" -D "$canvass_pg_dir/data" -U canvass \
    --auth=trust -E UTF8 --no-locale > "$canvass_pg_dir/initdb.log" 2>&1 || {
    cat "$canvass_pg_dir/initdb.log" >&2
    return 1
  }
  canvass_pg_as_user "$canvass_pg_bin/pg_ctl" -D "$canvass_pg_dir/data" -w -t 60 \
    -l "$canvass_pg_dir/server.log" \
    -o "-p $port -k $canvass_pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start > /dev/null || {
    cat "$canvass_pg_dir/server.log" >&2
    return 1
  }
  canvass_pg_as_user "$canvass_pg_bin/createdb" -h 127.0.0.1 -p "$port" -U canvass canvass_test
  export CANVASS_TEST_POSTGRES_URL="postgresql://canvass@127.0.0.1:$port/canvass_test"
  echo "postgres: $("$canvass_pg_bin/postgres" --version) on 127.0.0.1:$port ($canvass_pg_dir)"
}
