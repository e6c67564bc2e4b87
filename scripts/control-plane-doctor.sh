#!/usr/bin/env bash
# Checks that this machine can run Chartly and that the local control plane is healthy: one line
# per check (PASS / WARN / FAIL, with what to do on failure). Exits 1 if any check FAILs.
#
# Environment: NATS_URL, DATABASE_URL, GATEWAY_PORT (same defaults as control-plane-up.sh),
# CHARTLY_API_KEY (defaults to the demo key in .data/api-keys.json).
# shellcheck disable=SC2016  # Node and bash -c snippets are single-quoted on purpose
set -euo pipefail
cd "$(dirname "$0")/.."

NATS_URL=${NATS_URL:-nats://127.0.0.1:4222}
DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/chartly}
GATEWAY_PORT=${GATEWAY_PORT:-8090}

if [[ -t 1 ]]; then GREEN=$'\e[32m' RED=$'\e[31m' YELLOW=$'\e[33m' RESET=$'\e[0m'; else GREEN="" RED="" YELLOW="" RESET=""; fi
failures=0
warnings=0
pass() { printf '%sPASS%s  %s\n' "$GREEN" "$RESET" "$1"; }
warn() {
  printf '%sWARN%s  %s\n' "$YELLOW" "$RESET" "$1"
  [[ -z ${2:-} ]] || printf '      -> %s\n' "$2"
  warnings=$((warnings + 1))
}
fail() {
  printf '%sFAIL%s  %s\n' "$RED" "$RESET" "$1"
  [[ -z ${2:-} ]] || printf '      -> %s\n' "$2"
  failures=$((failures + 1))
}

have() { command -v "$1" >/dev/null 2>&1; }

# Runs a Node ESM snippet (from stdin) with the repository's node_modules; prints its output.
node_snippet() { timeout 20 node --input-type=module - "$@" 2>&1; }

# GET a URL; prints "<http status> <body>" ("000 <error>" when nothing answered).
# Prints "<status> <body>" of a GET; $2, when given, is an API key to send.
http_get() {
  if have curl; then
    local out auth=()
    [[ -z ${2:-} ]] || auth=(-H "Authorization: Bearer $2")
    out=$(curl -sS -m 5 "${auth[@]}" -w '\n%{http_code}' "$1" 2>&1) || true
    printf '%s %s' "${out##*$'\n'}" "${out%$'\n'*}"
  else
    node -e '
      const headers = process.argv[2] ? { authorization: `Bearer ${process.argv[2]}` } : {};
      fetch(process.argv[1], { headers, signal: AbortSignal.timeout(5000) })
        .then(async (r) => process.stdout.write(`${r.status} ${await r.text()}`))
        .catch((e) => process.stdout.write(`000 ${e.cause?.code ?? e.message}`));
    ' "$1" "${2:-}"
  fi
}

# Prints a field of a JSON document given on stdin (dot path); nothing if absent or not JSON.
json_field() {
  node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      try {
        let v = JSON.parse(s);
        for (const k of process.argv[1].split(".")) v = v?.[k];
        if (v !== undefined) process.stdout.write(typeof v === "string" ? v : JSON.stringify(v));
      } catch {}
    });' "$1"
}

# host and port of the first URL in a comma-separated list
url_host_port() {
  node -e '
    let text = process.argv[1].split(",")[0].trim();
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `nats://${text}`;
    const u = new URL(text);
    console.log(u.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1", u.port || process.argv[2]);
  ' "$1" "$2" 2>/dev/null
}

echo "Chartly doctor ($PWD)"
echo "  NATS_URL=$NATS_URL"
echo "  DATABASE_URL=$(printf '%s' "$DATABASE_URL" | sed -E 's#(://[^:/@]*:)[^@]*@#\1***@#')"
echo

# --- toolchain ----------------------------------------------------------------------------------

if have node; then
  version=$(node -p 'process.versions.node')
  IFS=. read -r major minor _ <<<"$version"
  if ((major > 20 || (major == 20 && minor >= 19))); then
    pass "node $version (>= 20.19)"
  else
    fail "node $version is too old (need >= 20.19)" "install Node.js 20.19 or newer (https://nodejs.org)"
  fi
else
  fail "node is not installed" "install Node.js 20.19 or newer (https://nodejs.org)"
  echo
  echo "1 check failed; the remaining checks need node."
  exit 1
fi

if have npm; then pass "npm $(npm -v 2>/dev/null)"; else fail "npm is not installed" "it ships with Node.js; reinstall Node.js"; fi

modules=no
if [[ -d node_modules/@nats-io/jetstream && -d node_modules/postgres ]]; then
  modules=yes
  pass "node_modules present"
elif [[ -d node_modules ]]; then
  fail "node_modules is incomplete" "run: npm ci"
else
  fail "node_modules is missing" "run: npm ci"
fi

# --- NATS ---------------------------------------------------------------------------------------

nats_up=no
if parts=$(url_host_port "$NATS_URL" 4222); then
  read -r nats_host nats_port <<<"$parts"
  if timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" && IFS= read -r -t 2 line <&3 && [[ $line == INFO* ]]' \
    "$nats_host" "$nats_port" 2>/dev/null; then
    nats_up=yes
  fi
else
  fail "NATS_URL is not a valid URL: $NATS_URL" "use e.g. nats://127.0.0.1:4222"
fi

if have nats-server; then
  pass "nats-server installed ($(nats-server --version 2>/dev/null | head -n 1))"
elif [[ $nats_up == yes ]]; then
  warn "nats-server is not installed, but NATS answers at $NATS_URL" "fine while that server runs; to run one here: apt-get install nats-server"
else
  fail "nats-server is not installed" "install it: sudo apt-get install nats-server (npm run up does this when run as root)"
fi

if [[ $nats_up == yes ]]; then
  pass "NATS answers at $NATS_URL"
else
  fail "NATS does not answer at $NATS_URL" "start it with: npm run up (or check NATS_URL); log: .data/logs/nats.log"
fi

if [[ $nats_up != yes ]]; then
  warn "JetStream not checked: NATS does not answer"
elif [[ $modules != yes ]]; then
  warn "JetStream not checked: node_modules missing" "run: npm ci"
elif out=$(node_snippet "$NATS_URL" <<'JS'
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
const nc = await connect({ servers: process.argv[2].split(","), timeout: 5000, maxReconnectAttempts: 0 });
try {
  const jsm = await jetstreamManager(nc, { timeout: 5000 });
  const info = await jsm.getAccountInfo();
  console.log(`${info.streams} stream(s), ${info.consumers} consumer(s)`);
} finally {
  await nc.close();
}
JS
); then
  pass "JetStream enabled ($out)"
else
  fail "JetStream is not available at $NATS_URL: $(tail -n 1 <<<"$out")" "start nats-server with -js (npm run up does), or enable JetStream on that server"
fi

# --- Postgres -----------------------------------------------------------------------------------

pg_bin=$(printf '%s\n' /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)
[[ -x $pg_bin ]] || pg_bin=$(command -v initdb || true)

db_out=""
db_ok=no
if [[ $modules == yes ]]; then
  if db_out=$(node_snippet "$DATABASE_URL" <<'JS'
import postgres from "postgres";
const sql = postgres(process.argv[2], { max: 1, connect_timeout: 5, onnotice: () => {} });
try {
  const [row] = await sql`select current_database() as db, current_setting('server_version') as version,
    to_regclass('public.runs') is not null as migrated`;
  console.log(`${row.migrated}|${row.db}|${row.version}`);
} catch (error) {
  // "<SQLSTATE> message" when the server replied, "- message" when nothing answered.
  const code = /^[0-9A-Z]{5}$/.test(error.code ?? "") ? error.code : "-";
  console.log(`${code} ${error.message}`);
  process.exitCode = 1;
} finally {
  await sql.end({ timeout: 1 });
}
JS
  ); then
    db_ok=yes
  fi
fi
db_line=$(tail -n 1 <<<"$db_out")
# A server that answers at all replies with an SQLSTATE code (e.g. 3D000: database does not exist).
pg_answers=no
if [[ $db_ok == yes || $db_line =~ ^[0-9A-Z]{5}\  ]]; then pg_answers=yes; fi

if [[ -n $pg_bin ]]; then
  pass "Postgres binaries installed (${pg_bin%/initdb})"
elif [[ $pg_answers == yes ]]; then
  pass "no Postgres binaries here, but the server at DATABASE_URL answers"
else
  fail "Postgres binaries are not installed and DATABASE_URL does not answer" "install them: sudo apt-get install postgresql (npm run up does this when run as root), or set DATABASE_URL"
fi

if [[ $modules != yes ]]; then
  warn "database not checked: node_modules missing" "run: npm ci"
  warn "migrations not checked: node_modules missing" "run: npm ci"
elif [[ $db_ok == yes ]]; then
  IFS="|" read -r migrated db_name db_version <<<"$db_line"
  pass "database \"$db_name\" reachable (Postgres $db_version)"
  if [[ $migrated == true ]]; then
    pass "migrations applied (table runs exists)"
  else
    fail "migrations not applied (no table runs)" "run: DATABASE_URL=... npm run migrate (npm run up does this)"
  fi
else
  case $db_line in
    3D000*) hint="run: npm run up (it creates the database), or create it on that server" ;;
    28*) hint="authentication failed; check the user and password in DATABASE_URL" ;;
    *) hint="start it with: npm run up (or check DATABASE_URL); log: .data/logs/postgres.log" ;;
  esac
  fail "database not reachable: ${db_line#* }" "$hint"
  warn "migrations not checked: database not reachable"
fi

# --- services -----------------------------------------------------------------------------------

gateway_up=no
for entry in "gateway $GATEWAY_PORT" "registry 8091" "coordinator 8092" "aggregator 8093" "reporter 8094"; do
  read -r name port <<<"$entry"
  response=$(http_get "http://127.0.0.1:$port/health")
  code=${response%% *}
  body=${response#* }
  if [[ $name == gateway && $code != 000 ]]; then gateway_up=yes; fi
  if [[ $code == 200 ]]; then
    pass "$name /health answers on port $port"
  elif [[ $code =~ ^[1-5][0-9][0-9]$ ]]; then
    warn "$name /health answers on port $port with HTTP $code: ${body:0:160}" "see .data/logs/$name.log"
  else
    fail "$name does not answer on port $port" "start it with: npm run up; log: .data/logs/$name.log"
  fi
done

if [[ $gateway_up != yes ]]; then
  warn "control-plane health not checked: the gateway does not answer"
  warn "drones not checked: the gateway does not answer"
else
  response=$(http_get "http://127.0.0.1:$GATEWAY_PORT/health")
  body=${response#* }
  status=$(json_field status <<<"$body")
  case $status in
    healthy) pass "gateway reports the control plane healthy" ;;
    degraded) warn "gateway reports the control plane degraded: ${body:0:300}" "see .data/logs/*.log for the parts that are not healthy" ;;
    "") fail "gateway health status unknown (no JSON status from /health)" "start it with: npm run up; log: .data/logs/gateway.log" ;;
    *) fail "gateway reports the control plane $status: ${body:0:300}" "see .data/logs/*.log" ;;
  esac

  api_key=${CHARTLY_API_KEY:-$(node -e 'try { process.stdout.write(require(process.argv[1]).keys[0].key); } catch {}' "$PWD/.data/api-keys.json" 2>/dev/null || true)}
  response=$(http_get "http://127.0.0.1:$GATEWAY_PORT/api/v1/drones" "$api_key")
  code=${response%% *}
  body=${response#* }
  count=$(json_field items.length <<<"$body")
  alive=$(node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      try { process.stdout.write(String(JSON.parse(s).items.filter((d) => d.status !== "lost").length)); } catch {}
    });' <<<"$body")
  if [[ $code != 200 ]]; then
    fail "cannot list drones (GET /api/v1/drones: HTTP $code)" "start the stack with: npm run up (HTTP 401/403: set CHARTLY_API_KEY to an API key)"
  elif [[ -z $count || $count == 0 ]]; then
    fail "no drones registered" "start one: scripts/drone-up.sh (log .data/logs/drone-1.log)"
  elif [[ ${alive:-0} == 0 ]]; then
    warn "$count drone(s) known, none alive" "check .data/logs/drone-*.log; restart with scripts/drone-up.sh"
  else
    pass "$count drone(s) registered, $alive alive"
  fi
fi

echo
if ((failures > 0)); then
  echo "$failures check(s) failed, $warnings warning(s)."
  exit 1
fi
echo "All checks passed ($warnings warning(s))."
