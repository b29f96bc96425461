#!/usr/bin/env bash
# Install links under load: the release binary, loopback only, wrk with bounded duration.
# Prints install-url requests/s and the install POST (one fresh link per request) rate
# and latency, beside two references measured in the same run on the same server:
# GET /healthz (the HTTP stack, no database) and POST /users (a one-row write + audit).
# Usage: bench/install_links.sh [SECONDS<=20]   (needs wrk: apt-get install -y wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}; [ "$secs" -le 20 ] || secs=20
conns=${BENCH_CONNECTIONS:-32}
links=${BENCH_LINKS:-40000}
# The install phase must end before the prepared links run out (each POST uses one).
install_secs=${BENCH_INSTALL_SECS:-4}
cargo build --release --bin usher >/dev/null
bin=target/release/usher
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

USHER_LOG__LEVEL=warn "$bin" serve --listen 127.0.0.1:0 --data-dir "$work/data" > "$work/out" 2>/dev/null & pid=$!
for _ in $(seq 200); do url=$(grep -o 'http://[0-9.:]*' "$work/out" | head -1 || true); [ -n "$url" ] && break; sleep 0.05; done
export USHER_KEY=$("$bin" keys create --env development --data-dir "$work/data" 2>/dev/null | tail -n 1)
api() { curl -sf -H "Authorization: Bearer $USHER_KEY" -H 'content-type: application/json' "$@"; }
user=$(api -X POST "$url/users" -d '{"username":"bench-user"}' | sed 's/.*"userId":"\([^"]*\)".*/\1/')
integration=$(api -X POST "$url/integrations" -d '{"app":"shopify","name":"Shopify",
  "credentialFields":[{"name":"apiKey","type":"password","required":true},{"name":"shopUrl","type":"url","required":true}],
  "workflows":[{"name":"Sync orders"},{"name":"Sync customers"}]}' | sed 's/.*"integrationId":"\([^"]*\)".*/\1/')

rps() { awk '/Requests\/sec/ {print int($2)}'; }
health=$(wrk -t2 -c"$conns" -d"${secs}s" "$url/healthz" | rps)
cat > "$work/users.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/users", { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("USHER_KEY") },
    '{"username":"u-' .. math.random(1, 1e9) .. '-' .. n .. '"}')
end
LUA
users=$(wrk -t2 -c"$conns" -d"${secs}s" -s "$work/users.lua" "$url" | rps)
install_url=$(wrk -t2 -c"$conns" -d"${secs}s" -s bench/auth_get.lua "$url/users/$user/integrations/$integration/install-url" | rps)

python3 bench/make_links.py "$url" "$USHER_KEY" "$integration" "$links" > "$work/links"
export LINKS_FILE="$work/links" WRK_THREADS=2
wrk -t2 -c"$conns" -d"${install_secs}s" --latency -s bench/install_post.lua "$url" > "$work/install.txt"
installed=$(curl -sf -H "Authorization: Bearer $USHER_KEY" "$url/installations?limit=1000" | grep -o installationId | wc -l)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf '%-40s %10s  %s\n' "measure ($conns connections, ${secs}s)" "per second" "ratio"
printf '%-40s %10s  %s\n' "reference: GET /healthz" "$health" "1.00"
printf '%-40s %10s  %s of healthz\n' "reference: POST /users (write + audit)" "$users" "$(ratio "$users" "$health")"
printf '%-40s %10s  %s of healthz, %s of POST /users\n' "GET .../install-url (write + audit)" "$install_url" \
  "$(ratio "$install_url" "$health")" "$(ratio "$install_url" "$users")"
echo "install POST /link/{token}, ${install_secs}s: a fresh link of a new user each ($links prepared; any Non-2xx line = ran out):"
grep -E 'Requests/sec|Latency  |50%|75%|90%|99%|Non-2xx|requests in' "$work/install.txt" | sed 's/^/  /'
echo "  (GET /installations?limit=1000 lists $installed: at least that many installations exist)"
