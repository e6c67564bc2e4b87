#!/usr/bin/env bash
# Starts Chartly drones (the workers that fetch data sources) in the background on this machine.
# By default they take jobs over NATS; --control-plane makes them talk HTTP to a gateway instead
# (edge drones). Drones already running are left alone. Stop them with `npm run down`.
# shellcheck disable=SC2016  # Node and bash -c snippets are single-quoted on purpose
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

usage() {
  cat <<'EOF'
Usage: scripts/drone-up.sh [--control-plane URL] [--count N] [--pool NAME] [--allow-networks LIST]

Starts N drones in the background (node drone/dist/main.js, built first if missing).

  --control-plane URL  talk to the control plane over HTTP at URL (edge drones); passes
                       CONTROL_PLANE=URL and CHARTLY_API_KEY (a key with the drone role) as
                       CONTROL_PLANE_API_KEY; drone i keeps its outbox in .data/outbox/<id>
  --count N            how many drones to run (default 1); drone i logs to .data/logs/drone-<i>.log
                       and keeps its pid in .data/pids/drone-<i>.pid
  --pool NAME          the pool the drones join (default: $DRONE_POOL or "default")
  --allow-networks LIST  non-public destinations sources may reach, as host names, *.domains, addresses and
                       CIDR blocks (127.0.0.1/32,localhost,10.0.0.0/8); default $DRONE_ALLOW_NETWORKS
                       or none: only public addresses
  -h, --help           show this help

Environment: NATS_URL (default nats://127.0.0.1:4222), DRONE_ID (used when --count is 1;
otherwise drone i is drone-<host name>-<i>), DRONE_POOL, DRONE_ALLOW_NETWORKS, CHARTLY_API_KEY,
LOG_LEVEL (default info).
EOF
}

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

control_plane=${CONTROL_PLANE:-}
count=1
pool=${DRONE_POOL:-default}
allow=${DRONE_ALLOW_NETWORKS:-}
while (($# > 0)); do
  case $1 in
    --control-plane) (($# >= 2)) || die "--control-plane needs a URL"; control_plane=$2; shift 2 ;;
    --control-plane=*) control_plane=${1#*=}; shift ;;
    --count) (($# >= 2)) || die "--count needs a number"; count=$2; shift 2 ;;
    --count=*) count=${1#*=}; shift ;;
    --pool) (($# >= 2)) || die "--pool needs a name"; pool=$2; shift 2 ;;
    --pool=*) pool=${1#*=}; shift ;;
    --allow-networks) (($# >= 2)) || die "--allow-networks needs a list"; allow=$2; shift 2 ;;
    --allow-networks=*) allow=${1#*=}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[[ $count =~ ^[1-9][0-9]*$ ]] || die "--count must be a positive whole number, got '$count'"
[[ -n $pool ]] || die "--pool must not be empty"
if [[ -n $control_plane && ! $control_plane =~ ^https?:// ]]; then
  die "--control-plane must be an http(s) URL, got '$control_plane'"
fi

NATS_URL=${NATS_URL:-nats://127.0.0.1:4222}
LOG_LEVEL=${LOG_LEVEL:-info}
LOG_DIR=$ROOT/.data/logs
PID_DIR=$ROOT/.data/pids
MAIN=drone/dist/main.js
HOST=${HOSTNAME:-$(uname -n)}
HOST=${HOST%%.*}

command -v node >/dev/null 2>&1 || die "node is not installed; install Node.js >= 20.19"
mkdir -p "$LOG_DIR" "$PID_DIR"

proc_cmdline() {
  if [[ -r /proc/$1/cmdline ]]; then tr '\0' ' ' <"/proc/$1/cmdline"; else ps -o args= -p "$1" 2>/dev/null || true; fi
}

# True when the pid file names a live drone process.
running_pid() {
  local pid
  [[ -s $1 ]] || return 1
  pid=$(<"$1")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && [[ $(proc_cmdline "$pid") == *"$MAIN"* ]] && echo "$pid"
}

if [[ ! -d node_modules ]]; then
  echo "node_modules missing; running npm ci"
  npm ci --no-audit --no-fund || die "npm ci failed"
fi
if [[ ! -f $MAIN ]]; then
  # Through turbo so the packages the drone imports are built too.
  echo "building the drone (log .data/logs/build-drone.log)"
  if ! npm run build -- --filter=@chartly/drone >>"$LOG_DIR/build-drone.log" 2>&1; then
    tail -n 30 "$LOG_DIR/build-drone.log" >&2
    die "building the drone failed; full output in .data/logs/build-drone.log"
  fi
  [[ -f $MAIN ]] || die "$MAIN is still missing after the build"
fi

if [[ -n ${DRONE_ID:-} && $count -gt 1 ]]; then
  echo "note: DRONE_ID is ignored with --count $count; drones are named drone-$HOST-<i>"
fi
if [[ -n $control_plane ]]; then
  mode="HTTP via $control_plane"
  [[ -n ${CHARTLY_API_KEY:-} ]] || echo "note: CHARTLY_API_KEY is not set; the control plane may refuse the drone"
else
  mode="NATS at $NATS_URL"
fi

detach=()
command -v setsid >/dev/null 2>&1 && detach=(setsid)

for ((i = 1; i <= count; i++)); do
  pidfile=$PID_DIR/drone-$i.pid
  log=$LOG_DIR/drone-$i.log
  if pid=$(running_pid "$pidfile"); then
    echo "drone $i already running (pid $pid, log .data/logs/drone-$i.log)"
    continue
  fi
  if [[ -n ${DRONE_ID:-} && $count -eq 1 ]]; then id=$DRONE_ID; else id=drone-$HOST-$i; fi
  vars=(DRONE_ID="$id" DRONE_POOL="$pool" HTTP_PORT=0 NATS_URL="$NATS_URL" LOG_LEVEL="$LOG_LEVEL")
  vars+=(DRONE_ALLOW_NETWORKS="$allow")
  if [[ -n $control_plane ]]; then
    vars+=(CONTROL_PLANE="$control_plane" DRONE_OUTBOX_DIR="$ROOT/.data/outbox/$id")
    [[ -n ${CHARTLY_API_KEY:-} ]] && vars+=(CONTROL_PLANE_API_KEY="$CHARTLY_API_KEY")
  fi
  rm -f "$pidfile"
  printf '\n--- %s starting %s (pool %s, %s)\n' "$(date '+%Y-%m-%dT%H:%M:%S%z')" "$id" "$pool" "$mode" >>"$log"
  # The wrapper writes its own pid and then becomes the drone, so the pid file is exact.
  "${detach[@]}" env "${vars[@]}" \
    bash -c 'echo "$$" >"$0" && exec "$@"' "$pidfile" node "$MAIN" >>"$log" 2>&1 </dev/null &
  for _ in {1..50}; do
    [[ -s $pidfile ]] && break
    sleep 0.1
  done
  [[ -s $pidfile ]] || die "drone $i did not start; see .data/logs/drone-$i.log"
  echo "drone $i started: $id, pool $pool, $mode (pid $(<"$pidfile"), log .data/logs/drone-$i.log)"
done
