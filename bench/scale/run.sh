#!/usr/bin/env bash
# Scale benchmark: the same requests against a large database (ROWS users, audit entries
# and webhook events, default 1,000,000) and a small one (SMALL_ROWS of each, default
# 1,000: enough rows to fill every page, so both answer the same work), release binary
# under wrk on loopback. For each it prints requests/second and the server's CPU time
# per request (from /proc: what the request costs, whatever else runs on the machine),
# and the ratios large / small (for CPU, small / large); the target is >= 0.8 for every
# measure. Measures alternate small/large, ROUNDS times (default 3); medians are shown.
# BENCH_DIR=dir keeps the seeded databases there and reuses them on the next run.
# usage: bench/scale/run.sh [SECONDS] [ROWS]        (needs wrk: apt-get install -y wrk)
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${1:-10}; ROWS=${2:-1000000}; SMALL=${SMALL_ROWS:-1000}; ROUNDS=${ROUNDS:-3}
CONNS=${BENCH_CONNECTIONS:-32}
cargo build --release --locked --bin usher --example seed_scale >/dev/null
BIN=target/release/usher; SEED=target/release/examples/seed_scale
WORK=${BENCH_DIR:-$(mktemp -d)}; mkdir -p "$WORK"; PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${BENCH_DIR:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
export USHER_LOG__LEVEL=warn

serve() { # serve DIR: starts the server on DIR; sets PID and URL
  : > "$1/out"
  "$BIN" serve --listen 127.0.0.1:0 --data-dir "$1" > "$1/out" 2>>"$1/err" & PID=$!; PIDS+=("$PID")
  for _ in $(seq 600); do grep -q listening "$1/out" 2>/dev/null && break; sleep 0.05; done
  URL=$(grep -o 'http://[0-9.:]*' "$1/out" | head -1)
}

seed() { # seed NAME ROWS: a seeded data directory with its key, webhook and deep cursor in NAME.vars
  local dir=$WORK/$1 key hook started seeded deep
  rm -rf "$dir"; mkdir -p "$dir"
  key=$("$BIN" keys create --env development --data-dir "$dir" 2>/dev/null | tail -1)
  serve "$dir"
  hook=$(curl -sf -X POST "$URL/webhooks" -H "Authorization: Bearer $key" -H 'content-type: application/json' \
    -d '{"url":"https://hooks.example.com/usher","events":["user.deleted"]}' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["webhookId"])')
  kill "$PID"; wait "$PID" 2>/dev/null || true
  started=$(date +%s.%N)
  seeded=$("$SEED" "$dir" "$2")
  echo "seeded $1 ($2 rows of each) in $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }') s: $seeded; $(du -sh "$dir" | cut -f1)" >&2
  serve "$dir"
  # A cursor nine tenths of the way through the users, by walking the pages.
  deep=$(python3 - "$URL" "$key" "$2" <<'PY'
import json, sys, urllib.request
url, key, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
cursor, seen, step = None, 0, max(1, min(1000, rows // 100))
while seen < rows * 9 // 10:
    q = f"/users?limit={step}" + ("&cursor=" + cursor if cursor else "")
    req = urllib.request.Request(url + q, headers={"Authorization": "Bearer " + key})
    page = json.load(urllib.request.urlopen(req))
    seen += len(page["data"]); cursor = page["nextCursor"]
print(cursor)
PY
)
  kill "$PID"; wait "$PID" 2>/dev/null || true
  { echo "KEY=$key"; echo "HOOK=$hook"; echo "DEEP=$deep"
    for pair in $seeded; do echo "${pair%%=*}=${pair#*=}"; done; } > "$WORK/$1.vars"
}

start() { # start NAME ROWS: seeds NAME unless BENCH_DIR has it, serves it; writes NAME.env
  [ -f "$WORK/$1.vars" ] || seed "$1" "$2"
  serve "$WORK/$1"
  { cat "$WORK/$1.vars"; echo "URL=$URL"; echo "SERVER=$PID"; } > "$WORK/$1.env"
}
start small "$SMALL"
start large "$ROWS"

# name | path, with $user, $actor, $since, $until (seeder), $DEEP, $HOOK; `post` uses POST
MEASURES=(
  'GET /users/{id}|/users/$user'
  'GET /users (first page)|/users?limit=100'
  'GET /users (deep cursor)|/users?limit=100&cursor=$DEEP'
  'GET /audit-log|/audit-log?limit=100'
  'GET /audit-log?userId|/audit-log?limit=100&userId=$actor'
  'GET /audit-log?action&since&until|/audit-log?limit=100&action=user.updated&since=$((since / 1000))&until=$((until / 1000 + 1))'
  'GET /webhooks/{id}/deliveries|/webhooks/$HOOK/deliveries?limit=100'
  'POST /users|post'
)
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
run() { # run NAME MEASURE ROUND -> "requests/second CPU-microseconds/request" (0 0 on any failure)
  # shellcheck disable=SC1090
  ( source "$WORK/$1.env"; path=$(eval "echo \"${2#*|}\""); script=bench/get.lua
    [ "$path" = post ] && { path=/; script=bench/scale/post_users.lua; }
    [ "$script" = bench/get.lua ] && ! curl -sf -o /dev/null -H "Authorization: Bearer $KEY" "$URL$path" \
      && { echo "${2%%|*} on $1 fails: $URL$path" >&2; echo "0 0"; return; }
    before=$(ticks "$SERVER")
    out=$(PREFIX="$1-$3-$RANDOM" USHER_KEY=$KEY wrk -t2 -c"$CONNS" -d"${SECS}s" -s "$script" "$URL$path")
    after=$(ticks "$SERVER")
    if grep -q 'Non-2xx' <<<"$out"; then echo "${2%%|*} on $1: answers that are not 2xx" >&2; echo "0 0"; return; fi
    awk -v cpu=$((after - before)) -v hz="$(getconf CLK_TCK)" \
      '/requests in/ { n = $1 } /Requests\/sec/ { rps = $2 } END { printf "%d %.0f\n", rps, cpu * 1e6 / hz / n }' <<<"$out" )
}
results=$WORK/results; : > "$results"
for round in $(seq "$ROUNDS"); do
  for m in "${MEASURES[@]}"; do
    for name in small large; do echo "${m%%|*}|$name|$(run "$name" "$m" "$round")" >> "$results"; done
  done
  echo "round $round of $ROUNDS done" >&2
done
python3 - "$results" "$SMALL" "$ROWS" "$CONNS" "$SECS" <<'PY'
import statistics, sys
path, small, rows, conns, secs = sys.argv[1:]
seen, order = {}, []
for line in open(path):
    name, size, figures = line.rstrip("\n").split("|")
    rps, cpu = (int(x) for x in figures.split())
    if name not in seen:
        seen[name] = {"small": ([], []), "large": ([], [])}; order.append(name)
    seen[name][size][0].append(rps); seen[name][size][1].append(cpu)
n = len(seen[order[0]]["small"][0])
print(f"{conns} connections, {secs} s per run, median of {n} runs; small = {int(small):,} rows of each, large = {int(rows):,}\n")
print("| measure | req/s small | req/s large | ratio | CPU µs/req small | CPU µs/req large | ratio |")
print("|---|---:|---:|---:|---:|---:|---:|")
for name in order:
    (rs, cs), (rl, cl) = seen[name]["small"], seen[name]["large"]
    rs, rl, cs, cl = (statistics.median(x) for x in (rs, rl, cs, cl))
    print(f"| {name} | {rs:,.0f} | {rl:,.0f} | {rl / rs if rs else 0:.2f} | {cs:,.0f} | {cl:,.0f} | {cs / cl if cl else 0:.2f} |")
print("\nevery run (req/s, small / large):")
for name in order:
    print(f"  {name}: " + "  ".join(f"{a}/{b}" for a, b in zip(seen[name]["small"][0], seen[name]["large"][0])))
PY
