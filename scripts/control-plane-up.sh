#!/usr/bin/env bash
# Brings the whole Chartly stack up in the background on this machine: NATS (JetStream) and
# Postgres (reused when they already answer, otherwise started under .data/), build, migrations,
# a demo data source, the five control-plane services and one drone. Safe to re-run: anything
# already running is left alone. Logs: .data/logs/. Stop with `npm run down`.
#
# Environment: NATS_URL, DATABASE_URL, GATEWAY_PORT, DEMO_SOURCE_PORT, PROFILES_DIR, LOG_LEVEL.
# The gateway requires a credential: a demo admin key is created in .data/api-keys.json (kept
# across runs) and printed at the end.
# shellcheck disable=SC2016  # Node and bash -c snippets are single-quoted on purpose
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

NATS_URL=${NATS_URL:-nats://127.0.0.1:4222}
DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/chartly}
GATEWAY_PORT=${GATEWAY_PORT:-8090}
DEMO_SOURCE_PORT=${DEMO_SOURCE_PORT:-8099}
PROFILES_DIR=${PROFILES_DIR:-profiles/demo}
LOG_LEVEL=${LOG_LEVEL:-info}
HEALTH_TIMEOUT=90

DATA_DIR=$ROOT/.data
LOG_DIR=$DATA_DIR/logs
PID_DIR=$DATA_DIR/pids
PG_ROOT=$DATA_DIR/pg
PG_DATA=$PG_ROOT/data
PG_SOCKET_DIR=$PG_ROOT/run
PG_LOG=$LOG_DIR/postgres.log

# name  directory  port
SERVICES=(
  "gateway     services/gateway     $GATEWAY_PORT"
  "registry    services/registry    8091"
  "coordinator services/coordinator 8092"
  "aggregator  services/aggregator  8093"
  "reporter    services/reporter    8094"
)

# --- output -------------------------------------------------------------------------------------

if [[ -t 1 ]]; then BOLD=$'\e[1m' RED=$'\e[31m' YELLOW=$'\e[33m' RESET=$'\e[0m'; else BOLD="" RED="" YELLOW="" RESET=""; fi
step() { printf '\n%s==> %s%s\n' "$BOLD" "$*" "$RESET"; }
info() { printf '    %s\n' "$*"; }
warn() { printf '    %swarning:%s %s\n' "$YELLOW" "$RESET" "$*"; }
die() {
  printf '\n%serror:%s %s\n' "$RED" "$RESET" "$*" >&2
  exit 1
}
trap 'printf "\n%serror:%s control-plane-up stopped at line %s; logs are in .data/logs/\n" "$RED" "$RESET" "$LINENO" >&2' ERR

# --- helpers ------------------------------------------------------------------------------------

is_root() { [[ $(id -u) -eq 0 ]]; }

# Prints "host port" of the first URL in a comma-separated list (default port $2).
url_host_port() {
  node -e '
    let text = process.argv[1].split(",")[0].trim();
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `nats://${text}`;
    const u = new URL(text);
    console.log(u.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1", u.port || process.argv[2]);
  ' "$1" "$2"
}

is_local_host() { [[ $1 == 127.* || $1 == localhost || $1 == ::1 ]]; }

tcp_open() { timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null; }

# A NATS server greets every new connection with an INFO line.
nats_answers() {
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" && IFS= read -r -t 2 line <&3 && [[ $line == INFO* ]]' \
    "$NATS_HOST" "$NATS_PORT" 2>/dev/null
}

pg_answers() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 3
  else
    # Any reply from the server (even "database does not exist") means it answers.
    timeout 10 node --input-type=module -e '
      import postgres from "postgres";
      const sql = postgres(process.argv[1], { max: 1, connect_timeout: 3, onnotice: () => {} });
      try { await sql`select 1`; } catch (e) { if (!/^[0-9A-Z]{5}$/.test(e.code ?? "")) process.exitCode = 1; }
      finally { await sql.end({ timeout: 1 }); }
    ' "$DATABASE_URL" 2>/dev/null
  fi
}

# Command line of a process, or nothing when it is gone.
proc_cmdline() {
  if [[ -r /proc/$1/cmdline ]]; then tr '\0' ' ' <"/proc/$1/cmdline"; else ps -o args= -p "$1" 2>/dev/null || true; fi
}

# True when .data/pids/<name>.pid names a live process whose command line contains $2.
is_running() {
  local pidfile=$PID_DIR/$1.pid pid
  [[ -s $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && [[ $(proc_cmdline "$pid") == *"$2"* ]]
}

pid_of() { cat "$PID_DIR/$1.pid"; }

# Starts a command detached from this terminal; pid in .data/pids/<name>.pid, output in .data/logs/<name>.log.
start_bg() {
  local name=$1 pidfile=$PID_DIR/$1.pid log=$LOG_DIR/$1.log
  shift
  rm -f "$pidfile"
  printf '\n--- %s starting: %s\n' "$(date '+%Y-%m-%dT%H:%M:%S%z')" "$*" >>"$log"
  local detach=()
  command -v setsid >/dev/null 2>&1 && detach=(setsid)
  "${detach[@]}" bash -c 'echo "$$" >"$0" && exec "$@"' "$pidfile" "$@" >>"$log" 2>&1 </dev/null &
  local _
  for _ in {1..50}; do
    [[ -s $pidfile ]] && return 0
    sleep 0.1
  done
  die "$name did not start; see $log"
}

# Polls "$@" every 0.5 s for up to $1 seconds.
wait_for() {
  local seconds=$1 i
  shift
  for ((i = 0; i < seconds * 2; i++)); do
    "$@" && return 0
    sleep 0.5
  done
  return 1
}

# Prints the body of the answer from URL; fails unless it is 2xx (with "any": unless there is none).
# Uses curl, or Node when curl is missing.
http_get() {
  if command -v curl >/dev/null 2>&1; then
    if [[ ${2:-} == any ]]; then curl -sS -m 3 "$1"; else curl -fsS -m 3 "$1"; fi
  else
    node -e '
      fetch(process.argv[1], { signal: AbortSignal.timeout(3000) })
        .then(async (r) => { process.stdout.write(await r.text()); if (!r.ok && process.argv[2] !== "any") process.exitCode = 1; })
        .catch((e) => { console.error(e.cause?.message ?? e.message); process.exitCode = 1; });
    ' "$1" "${2:-}"
  fi
}

apt_install() {
  info "installing $* with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y "$@" || { apt-get update && apt-get install -y "$@"; } || die "apt-get install $* failed"
}

show_log_tail() {
  [[ -f $1 ]] || return 0
  printf '\n    --- last lines of %s ---\n' "${1#"$ROOT"/}"
  tail -n "${2:-20}" "$1" | sed 's/^/    | /'
}

# Runs "$@" with output in .data/logs/$1.log; on failure shows the tail of that log.
run_logged() {
  local name=$1 log=$LOG_DIR/$1.log
  shift
  printf '\n--- %s: %s\n' "$(date '+%Y-%m-%dT%H:%M:%S%z')" "$*" >>"$log"
  if ! "$@" >>"$log" 2>&1; then
    show_log_tail "$log" 40
    die "'$*' failed; full output in ${log#"$ROOT"/}"
  fi
}

# --- preflight ----------------------------------------------------------------------------------

command -v node >/dev/null 2>&1 || die "node is not installed; install Node.js >= 20.19 (https://nodejs.org)"
command -v npm >/dev/null 2>&1 || die "npm is not installed; it comes with Node.js"
mkdir -p "$LOG_DIR" "$PID_DIR"

if ! parts=$(url_host_port "$NATS_URL" 4222); then die "NATS_URL is not a valid URL: $NATS_URL"; fi
read -r NATS_HOST NATS_PORT <<<"$parts"
if ! parts=$(url_host_port "$DATABASE_URL" 5432); then die "DATABASE_URL is not a valid URL"; fi
read -r PG_HOST PG_PORT <<<"$parts"
DB_NAME=$(node -e 'console.log(decodeURIComponent(new URL(process.argv[1]).pathname.slice(1)) || "postgres")' "$DATABASE_URL")

printf '%sChartly control plane%s (repository: %s)\n' "$BOLD" "$RESET" "$ROOT"

# --- dependencies -------------------------------------------------------------------------------

step "Node dependencies"
if [[ -d node_modules ]]; then
  info "node_modules present"
else
  info "node_modules missing; running npm ci"
  npm ci --no-audit --no-fund || die "npm ci failed"
fi

# --- NATS ---------------------------------------------------------------------------------------

step "NATS at $NATS_URL"
nats_here="nats-server -a $NATS_HOST -p $NATS_PORT "
if nats_answers; then
  if is_running nats "$nats_here"; then
    info "running (started here, pid $(pid_of nats))"
  else
    info "answers; using it"
  fi
else
  is_local_host "$NATS_HOST" ||
    die "NATS does not answer at $NATS_URL and that is not this machine; start it there or unset NATS_URL"
  if is_running nats "$nats_here"; then
    info "nats-server (pid $(pid_of nats)) is running but not answering yet"
  elif is_running nats nats-server; then
    die "the nats-server started here (pid $(pid_of nats)) listens elsewhere than $NATS_URL; run npm run down first"
  else
    if ! command -v nats-server >/dev/null 2>&1; then
      is_root || die "nats-server is not installed; install it (sudo apt-get install nats-server, or https://docs.nats.io) and re-run"
      apt_install nats-server
    fi
    mkdir -p "$DATA_DIR/nats"
    start_bg nats nats-server -a "$NATS_HOST" -p "$NATS_PORT" -js -sd "$DATA_DIR/nats"
    info "started nats-server with JetStream (pid $(pid_of nats), data in .data/nats, log .data/logs/nats.log)"
  fi
  if ! wait_for 15 nats_answers; then
    show_log_tail "$LOG_DIR/nats.log"
    die "NATS does not answer at $NATS_HOST:$NATS_PORT"
  fi
  info "NATS answers"
fi

# --- Postgres -----------------------------------------------------------------------------------

# Postgres binaries: those of an existing cluster's version, else PG_BIN, else the newest installed.
find_pg_bin() {
  local dir version
  if [[ -f $PG_DATA/PG_VERSION ]]; then
    version=$(<"$PG_DATA/PG_VERSION")
    [[ -x /usr/lib/postgresql/$version/bin/pg_ctl ]] && { echo "/usr/lib/postgresql/$version/bin"; return 0; }
  fi
  if [[ -n ${PG_BIN:-} && -x ${PG_BIN}/initdb ]]; then echo "$PG_BIN"; return 0; fi
  dir=""
  while read -r version; do
    if [[ -x $version/initdb ]]; then dir=$version; fi
  done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V)
  if [[ -z $dir ]] && command -v initdb >/dev/null 2>&1; then dir=$(dirname "$(command -v initdb)"); fi
  [[ -n $dir ]] && echo "$dir"
}

# Postgres refuses to run as root, so as root the cluster belongs to the postgres user.
as_pg() {
  if is_root; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

start_local_postgres() {
  local bin listen=$PG_HOST socket_dir=$PG_SOCKET_DIR pid
  if [[ -f $PG_DATA/postmaster.pid ]]; then
    pid=$(sed -n 1p "$PG_DATA/postmaster.pid")
    if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && [[ $(proc_cmdline "$pid") == *postgres* ]]; then
      die "the Postgres started here (pid $pid) listens on port $(sed -n 4p "$PG_DATA/postmaster.pid"), not $PG_PORT; run npm run down first"
    fi
  fi
  if ! bin=$(find_pg_bin); then
    is_root || die "Postgres is not installed; install it (sudo apt-get install postgresql) or set DATABASE_URL to a server you have, then re-run"
    apt_install postgresql
    bin=$(find_pg_bin) || die "Postgres binaries still not found under /usr/lib/postgresql after installing"
    if pg_answers; then
      info "installing postgresql started a server on port $PG_PORT; using it"
      return 0
    fi
  fi
  info "using $bin"
  [[ $listen == localhost || $listen == ::1 ]] || listen=127.0.0.1
  # A Unix socket path may not exceed 107 bytes.
  ((${#socket_dir} + 20 <= 107)) || socket_dir=/tmp

  mkdir -p "$PG_ROOT" "$PG_SOCKET_DIR"
  touch "$PG_LOG"
  if is_root; then
    id -u postgres >/dev/null 2>&1 || die "there is no 'postgres' user to run Postgres as (Postgres refuses to run as root); create one (useradd -r postgres) or run as a normal user"
    chown -R postgres:postgres "$PG_ROOT"
    chown postgres:postgres "$PG_LOG"
    runuser -u postgres -- test -w "$PG_ROOT" ||
      die "the postgres user cannot reach $PG_ROOT (a parent directory is private, e.g. /root); move the repository or chmod o+x its parent directories"
  fi
  if [[ ! -f $PG_DATA/PG_VERSION ]]; then
    info "creating a cluster in .data/pg/data (superuser postgres, trust authentication)"
    run_logged postgres as_pg "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C
  fi
  info "starting Postgres on $listen:$PG_PORT (log .data/logs/postgres.log)"
  if ! as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" \
    -o "-p $PG_PORT -k '$socket_dir' -c listen_addresses=$listen" start -w -t 60 >/dev/null; then
    show_log_tail "$PG_LOG"
    die "Postgres did not start"
  fi
  head -n 1 "$PG_DATA/postmaster.pid" >"$PID_DIR/postgres.pid"
  info "started (pid $(pid_of postgres), data in .data/pg/data)"
}

# Creates the database named in DATABASE_URL when it is missing. On a cluster started here, also
# creates the URL's role (connecting as the postgres superuser).
ensure_database() {
  node --input-type=module - "$DATABASE_URL" "$1" <<'JS'
import postgres from "postgres";
const [url, ours] = process.argv.slice(2);
const target = new URL(url);
const name = decodeURIComponent(target.pathname.slice(1)) || "postgres";
const user = decodeURIComponent(target.username) || "postgres";
const admin = new URL(target);
admin.pathname = "/postgres";
if (ours === "yes") {
  admin.username = "postgres";
  admin.password = "";
}
const ident = (id) => `"${id.replaceAll('"', '""')}"`;
const literal = (text) => `'${text.replaceAll("'", "''")}'`;
const open = (u) => postgres(u.toString(), { max: 1, connect_timeout: 5, onnotice: () => {} });
process.on("uncaughtException", (error) => {
  console.error(`${error.code ? `${error.code}: ` : ""}${error.message}`);
  process.exit(1);
});
let sql = open(target);
try {
  await sql`select 1`;
  console.log(`database "${name}" exists`);
} catch (error) {
  await sql.end({ timeout: 1 });
  // 3D000: no such database; 28000: no such role (only fixed on a cluster started here).
  const createRole = error.code === "28000" && ours === "yes" && user !== "postgres";
  if (error.code !== "3D000" && !createRole) throw error;
  sql = open(admin);
  if (createRole) {
    const password = decodeURIComponent(target.password);
    await sql.unsafe(`create role ${ident(user)} login${password ? ` password ${literal(password)}` : ""}`);
    console.log(`created role "${user}"`);
  }
  const rows = await sql`select 1 from pg_database where datname = ${name}`;
  if (rows.length > 0) {
    console.log(`database "${name}" exists`);
  } else {
    try {
      await sql.unsafe(`create database ${ident(name)}${createRole ? ` owner ${ident(user)}` : ""}`);
      console.log(`created database "${name}"`);
    } catch (e) {
      if (e.code !== "42P04") throw e;
      console.log(`database "${name}" exists`);
    }
  }
} finally {
  await sql.end({ timeout: 1 });
}
JS
}

# True when the cluster under .data/pg is running and is the server DATABASE_URL points at
# (postmaster.pid: line 1 is the pid, line 4 the port).
own_pg_running() {
  local pid port
  [[ -f $PG_DATA/postmaster.pid ]] && is_local_host "$PG_HOST" || return 1
  pid=$(sed -n 1p "$PG_DATA/postmaster.pid")
  port=$(sed -n 4p "$PG_DATA/postmaster.pid")
  [[ $port == "$PG_PORT" && $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && [[ $(proc_cmdline "$pid") == *postgres* ]]
}

step "Postgres at $PG_HOST:$PG_PORT, database $DB_NAME"
started_pg=no
if pg_answers; then
  if own_pg_running; then
    info "running (started here, data in .data/pg/data)"
    started_pg=yes
  else
    info "answers; using it"
  fi
else
  is_local_host "$PG_HOST" ||
    die "Postgres does not answer at $PG_HOST:$PG_PORT and that is not this machine; start it there or fix DATABASE_URL"
  start_local_postgres
  own_pg_running && started_pg=yes
  wait_for 15 pg_answers || die "Postgres does not answer at $PG_HOST:$PG_PORT; see .data/logs/postgres.log"
fi
if ! msg=$(ensure_database "$started_pg" 2>&1); then
  printf '%s\n' "$msg" | sed 's/^/    | /'
  die "cannot connect to or create database \"$DB_NAME\"; check DATABASE_URL (user, password, host, port)"
fi
printf '%s\n' "$msg" | sed 's/^/    /'

# --- build and migrate --------------------------------------------------------------------------

step "Build (turbo; log .data/logs/build.log)"
run_logged build npm run build
info "all workspaces built"

step "Migrations (log .data/logs/migrate.log)"
run_logged migrate env DATABASE_URL="$DATABASE_URL" npm run migrate
info "database schema is up to date"

# --- demo source --------------------------------------------------------------------------------

step "Demo data source on 127.0.0.1:$DEMO_SOURCE_PORT"
demo_health() { http_get "http://127.0.0.1:$DEMO_SOURCE_PORT/health" >/dev/null 2>&1; }
if is_running demo-source demo-source.mjs; then
  info "already running (pid $(pid_of demo-source))"
elif [[ $(http_get "http://127.0.0.1:$DEMO_SOURCE_PORT/health" 2>/dev/null || true) == *'"demo-source"'* ]]; then
  info "a demo source started elsewhere already answers on port $DEMO_SOURCE_PORT; using it"
elif tcp_open 127.0.0.1 "$DEMO_SOURCE_PORT"; then
  warn "port $DEMO_SOURCE_PORT is taken by another process; not starting the demo source (set DEMO_SOURCE_PORT to move it; the demo profiles expect 8099)"
else
  start_bg demo-source env DEMO_SOURCE_PORT="$DEMO_SOURCE_PORT" node scripts/demo-source.mjs
  if ! wait_for 10 demo_health; then
    show_log_tail "$LOG_DIR/demo-source.log"
    die "the demo source did not come up"
  fi
  info "started (pid $(pid_of demo-source)); files from profiles/demo/data/"
fi

# --- API keys -----------------------------------------------------------------------------------

step "API keys (.data/api-keys.json)"
KEYS_FILE=$DATA_DIR/api-keys.json
if [[ -s $KEYS_FILE ]]; then
  info "keeping the keys already there"
else
  (umask 077 && node -e '
    const key = `demo_${require("node:crypto").randomBytes(24).toString("base64url")}`;
    const drone = `drone_${require("node:crypto").randomBytes(24).toString("base64url")}`;
    const file = {
      keys: [
        { id: "demo-admin", key, tenants: ["default"], roles: ["admin"] },
        { id: "demo-edge-drone", key: drone, tenants: ["default"], roles: ["drone"] },
      ],
    };
    process.stdout.write(`${JSON.stringify(file, null, 2)}\n`);
  ' >"$KEYS_FILE")
  info "created a demo admin key for tenant default, and a key for edge drones (role drone)"
fi
# Signs the leases of edge drones; every gateway replica must have the same one.
LEASE_SECRET_FILE=$DATA_DIR/drone-lease-secret
if [[ ! -s $LEASE_SECRET_FILE ]]; then
  (umask 077 && node -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("base64url"))' >"$LEASE_SECRET_FILE")
fi
DEMO_KEY=$(node -e 'process.stdout.write(require(process.argv[1]).keys[0]?.key ?? "")' "$KEYS_FILE") ||
  die "cannot read .data/api-keys.json; fix or delete it and re-run"

# --- services -----------------------------------------------------------------------------------

step "Services"
for entry in "${SERVICES[@]}"; do
  read -r name dir port <<<"$entry"
  main=$dir/dist/main.js
  if is_running "$name" "$main"; then
    info "$(printf '%-12s' "$name") already running (pid $(pid_of "$name")); npm run down first to restart it"
    continue
  fi
  [[ -f $main ]] || die "$main is missing after the build; check .data/logs/build.log"
  if tcp_open 127.0.0.1 "$port"; then
    warn "port $port is already taken by another process; $name will likely fail to start"
  fi
  extra=()
  [[ $name == registry ]] && extra=(PROFILES_DIR="$PROFILES_DIR")
  [[ $name == gateway ]] && extra=(AUTH_API_KEYS_FILE="$KEYS_FILE" DRONE_LEASE_SECRET_FILE="$LEASE_SECRET_FILE")
  start_bg "$name" env NATS_URL="$NATS_URL" DATABASE_URL="$DATABASE_URL" LOG_LEVEL="$LOG_LEVEL" \
    HTTP_PORT="$port" "${extra[@]}" node "$main"
  info "$(printf '%-12s' "$name") started (pid $(pid_of "$name"), port $port, log .data/logs/$name.log)"
done

# --- drone --------------------------------------------------------------------------------------

step "Drone"
# The demo source is on 127.0.0.1, which drones reach only when their allowlist opens it.
DRONE_ALLOW_NETWORKS=${DRONE_ALLOW_NETWORKS:-127.0.0.1} NATS_URL=$NATS_URL LOG_LEVEL=$LOG_LEVEL \
  bash scripts/drone-up.sh --count 1 | sed 's/^/    /'

# --- wait for health ----------------------------------------------------------------------------

gateway_status() {
  http_get "http://127.0.0.1:$GATEWAY_PORT/health" 2>/dev/null |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      try { process.stdout.write(String(JSON.parse(s).status ?? "")); } catch {} })'
}

step "Waiting up to ${HEALTH_TIMEOUT}s for http://127.0.0.1:$GATEWAY_PORT/health to say healthy"
printf '    '
status=""
start=$SECONDS
while ((SECONDS - start < HEALTH_TIMEOUT)); do
  status=$(gateway_status || true)
  [[ $status == healthy ]] && break
  for entry in "${SERVICES[@]}"; do
    read -r name dir _ <<<"$entry"
    if ! is_running "$name" "$dir/dist/main.js"; then
      printf '\n'
      show_log_tail "$LOG_DIR/$name.log" 30
      die "$name exited; see .data/logs/$name.log (stop the rest with npm run down)"
    fi
  done
  printf '.'
  sleep 2
done
if [[ $status != healthy ]]; then
  printf '\n'
  for entry in "${SERVICES[@]}"; do
    read -r name _ <<<"$entry"
    show_log_tail "$LOG_DIR/$name.log"
  done
  show_log_tail "$LOG_DIR/drone-1.log"
  body=$(http_get "http://127.0.0.1:$GATEWAY_PORT/health" any 2>&1 || true)
  die "the gateway did not report healthy within ${HEALTH_TIMEOUT}s (last status: ${status:-no answer}; /health said: ${body:0:400})"
fi
printf ' healthy after %ss\n' "$((SECONDS - start))"

# --- where to look ------------------------------------------------------------------------------

cat <<EOF

${BOLD}Chartly is up.${RESET}

  Gateway       http://127.0.0.1:$GATEWAY_PORT   (API docs: http://127.0.0.1:$GATEWAY_PORT/docs)
  API key       $DEMO_KEY   (admin of tenant default; in .data/api-keys.json)
  Try           export CHARTLY_API_KEY=$DEMO_KEY
                curl -H "Authorization: Bearer \$CHARTLY_API_KEY" localhost:$GATEWAY_PORT/api/v1/profiles
                curl -H "Authorization: Bearer \$CHARTLY_API_KEY" localhost:$GATEWAY_PORT/api/v1/runs
                curl -H "Authorization: Bearer \$CHARTLY_API_KEY" localhost:$GATEWAY_PORT/api/v1/series
                curl -H "Authorization: Bearer \$CHARTLY_API_KEY" localhost:$GATEWAY_PORT/api/v1/drones
                curl localhost:$GATEWAY_PORT/health
  Demo source   http://127.0.0.1:$DEMO_SOURCE_PORT/data  (profiles in $PROFILES_DIR)
  NATS          $NATS_URL
  Postgres      $PG_HOST:$PG_PORT, database $DB_NAME
  Logs          .data/logs/   (tail -f .data/logs/*.log)
  Check         npm run doctor
  Stop          npm run down   (npm run down -- --purge also deletes .data/)
EOF
