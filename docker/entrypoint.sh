#!/bin/sh
# Starts the Chartly process named by $SERVICE (or the first argument).
set -eu
service="${1:-${SERVICE:-}}"
case "$service" in
  gateway|registry|coordinator|aggregator|reporter) exec node "services/$service/dist/main.js" ;;
  drone) exec node drone/dist/main.js ;;
  migrate) exec node packages/db/dist/migrate-cli.js ;;
  demo-source) exec node scripts/demo-source.mjs ;;
  *) echo "usage: SERVICE=<gateway|registry|coordinator|aggregator|reporter|drone|migrate|demo-source>" >&2; exit 2 ;;
esac
