#!/usr/bin/env bash
# Workflow runtime benchmark: inbound hook -> stream step -> workflow.data received by a
# loopback sink, on the release binary, beside the ceilings measured in the same run (a
# plain hyper server under wrk; raw single-row SQLite commits with synchronous=FULL).
# Usage: bench/workflows.sh [SECONDS] [CONNECTIONS]   (needs wrk: apt-get install -y wrk)
# The workflow and webhook concurrency can be set with USHER_WORKFLOWS__CONCURRENCY and
# USHER_WEBHOOKS__CONCURRENCY (defaults here: 64 and 64).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-32}
cargo build --release --locked --bin usher --example ceiling --example hook_bench >/dev/null
bin=${USHER_BIN:-target/release/usher}   # USHER_BIN: another build to compare (A/B)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

start() { # start a server printing its URL first; sets $url (not run inside $(...):
  # its pid must reach `pids`, or the server outlives the script)
  local out="$work/out.$RANDOM"
  "$@" > "$out" 2>/dev/null & pids+=($!)
  url=
  for _ in $(seq 200); do url=$(grep -o 'http://[0-9.:]*' "$out" | head -1 || true); [ -n "$url" ] && break; sleep 0.05; done
}

start target/release/examples/ceiling http; hyper_url=$url
hyper_rps=$(wrk -t2 -c"$conns" -d"${secs}s" "$hyper_url/" | awk '/Requests\/sec/ {print int($2)}')
sqlite_cps=$(target/release/examples/ceiling sqlite 2000 "$work")

export USHER_LOG__LEVEL=warn
export USHER_EGRESS__ALLOW_CIDRS='["127.0.0.0/8"]'
export USHER_WORKFLOWS__CONCURRENCY=${USHER_WORKFLOWS__CONCURRENCY:-64}
export USHER_WEBHOOKS__CONCURRENCY=${USHER_WEBHOOKS__CONCURRENCY:-64}
start "$bin" serve --listen 127.0.0.1:0 --data-dir "$work/data"
key=$("$bin" keys create --env development --data-dir "$work/data" 2>/dev/null | tail -n 1)

echo "ceiling: plain hyper GET           $hyper_rps/s ($conns connections, ${secs}s)"
echo "ceiling: raw SQLite commits (FULL) $sqlite_cps/s"
echo "usher (workflows.concurrency=$USHER_WORKFLOWS__CONCURRENCY, webhooks.concurrency=$USHER_WEBHOOKS__CONCURRENCY):"
target/release/examples/hook_bench "$url" "$key" "$work/data" "$secs" "$conns" | tee "$work/result"
accepted=$(awk '/^accepted/ {gsub("/s", "", $NF); print $NF}' "$work/result")
awk -v a="$accepted" -v h="$hyper_rps" -v s="$sqlite_cps" \
  'BEGIN { printf "ratios: accepted/s = %.2f of plain hyper, %.2f of raw commits\n", a / h, a / s }'
