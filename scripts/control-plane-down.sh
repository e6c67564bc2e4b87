#!/usr/bin/env bash
# Stops what control-plane-up.sh (and drone-up.sh) started: services and drones, the demo source,
# then Postgres and NATS if they were started under .data/. Servers that were already running
# elsewhere are never touched. `--purge` also deletes .data/ (database, logs, JetStream data).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

DATA_DIR=$ROOT/.data
PID_DIR=$DATA_DIR/pids
PG_DATA=$DATA_DIR/pg/data
STOP_TIMEOUT=20

purge=no
problems=no
for arg in "$@"; do
  case $arg in
    --purge) purge=yes ;;
    -h | --help)
      echo "Usage: scripts/control-plane-down.sh [--purge]"
      echo "Stops everything control-plane-up.sh started; --purge also deletes .data/."
      exit 0
      ;;
    *) echo "error: unknown argument: $arg (try --help)" >&2; exit 1 ;;
  esac
done

is_root() { [[ $(id -u) -eq 0 ]]; }

proc_cmdline() {
  if [[ -r /proc/$1/cmdline ]]; then tr '\0' ' ' <"/proc/$1/cmdline"; else ps -o args= -p "$1" 2>/dev/null || true; fi
}

# What the command line of each kind of process contains; a pid file whose process no longer
# matches is stale (the pid was reused) and that process is left alone.
signature() {
  case $1 in
    drone-*) echo "drone/dist/main.js" ;;
    demo-source) echo "demo-source.mjs" ;;
    nats) echo "nats-server" ;;
    *) echo "services/$1/dist/main.js" ;;
  esac
}

# Prints the pid from .data/pids/<name>.pid if that process is alive and is what we started.
live_pid() {
  local pidfile=$PID_DIR/$1.pid pid
  [[ -s $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && [[ $(proc_cmdline "$pid") == *"$(signature "$1")"* ]] && echo "$pid"
}

# SIGTERM to every named process, up to STOP_TIMEOUT seconds to exit, then SIGKILL.
stop_group() {
  local name pid names=() pids=() waited=0 left
  for name in "$@"; do
    if pid=$(live_pid "$name"); then
      kill -TERM "$pid" 2>/dev/null || true
      names+=("$name")
      pids+=("$pid")
      echo "    $(printf '%-12s' "$name") stopping (pid $pid)"
    elif [[ -e $PID_DIR/$name.pid ]]; then
      echo "    $(printf '%-12s' "$name") not running (stale pid file removed)"
      rm -f "$PID_DIR/$name.pid"
    fi
  done
  if ((${#pids[@]} == 0)); then
    echo "    nothing started here is running"
    return 0
  fi
  while :; do
    left=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && left=$((left + 1)); done
    ((left == 0 || waited >= STOP_TIMEOUT * 2)) && break
    sleep 0.5
    waited=$((waited + 1))
  done
  for i in "${!pids[@]}"; do
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      echo "    ${names[$i]} did not exit within ${STOP_TIMEOUT}s; sending SIGKILL"
      kill -KILL "${pids[$i]}" 2>/dev/null || true
    fi
    rm -f "$PID_DIR/${names[$i]}.pid"
  done
  echo "    stopped: ${names[*]}"
}

if [[ ! -d $DATA_DIR ]]; then
  echo "Nothing to stop: there is no .data/ directory (control-plane-up.sh has not run here)."
  exit 0
fi

echo "==> Services and drones"
drones=()
for pidfile in "$PID_DIR"/drone-*.pid; do
  [[ -e $pidfile ]] || continue
  name=${pidfile##*/}
  drones+=("${name%.pid}")
done
stop_group gateway registry coordinator aggregator reporter "${drones[@]}"

echo "==> Demo source"
stop_group demo-source

echo "==> Postgres"
if [[ -f $PG_DATA/postmaster.pid ]]; then
  version=$(cat "$PG_DATA/PG_VERSION" 2>/dev/null || true)
  pg_ctl=/usr/lib/postgresql/$version/bin/pg_ctl
  [[ -x $pg_ctl ]] || pg_ctl=$(command -v pg_ctl || true)
  if [[ -z $pg_ctl ]]; then
    echo "    cannot find pg_ctl for Postgres $version; stop it by hand (pid $(head -n 1 "$PG_DATA/postmaster.pid"))" >&2
    problems=yes
  else
    as=()
    if is_root; then as=(runuser -u postgres --); fi
    if ! (cd / && "${as[@]}" "$pg_ctl" -D "$PG_DATA" status) >/dev/null 2>&1; then
      echo "    the cluster in .data/pg/data is not running"
    elif (cd / && "${as[@]}" "$pg_ctl" -D "$PG_DATA" stop -m fast -w -t 60) >/dev/null; then
      echo "    stopped the cluster in .data/pg/data"
    else
      echo "    pg_ctl stop failed; see .data/logs/postgres.log" >&2
      problems=yes
    fi
  fi
else
  echo "    not started by control-plane-up.sh (or already stopped); leaving it alone"
fi
rm -f "$PID_DIR/postgres.pid"

echo "==> NATS"
if live_pid nats >/dev/null; then
  stop_group nats
else
  rm -f "$PID_DIR/nats.pid"
  echo "    not started by control-plane-up.sh (or already stopped); leaving it alone"
fi

if [[ $problems == yes ]]; then
  [[ $purge == yes ]] && echo "Not deleting .data/ while Postgres may still be running from it." >&2
  exit 1
fi
if [[ $purge == yes ]]; then
  echo "==> Purge"
  rm -rf "$DATA_DIR"
  echo "    deleted .data/"
fi
echo "Done."
