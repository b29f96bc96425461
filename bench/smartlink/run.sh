#!/usr/bin/env bash
# SmartLink sign-in throughput on loopback against the release binary.
# usage: bench/smartlink/run.sh [SECONDS] [CONNECTIONS]      (from the crate root, after cargo build --release)
set -euo pipefail
SECS=${1:-10}; CONNS=${2:-32}; THREADS=2
BIN=./target/release/usher
DIR=$(mktemp -d); LINKS=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$DIR" "$LINKS"' EXIT
KEY=$($BIN keys create --env development --data-dir "$DIR" | tail -1)
USHER_LOG__LEVEL=warn $BIN serve --listen 127.0.0.1:0 --data-dir "$DIR" > "$DIR/out" 2>"$DIR/err" &
PID=$!
for _ in $(seq 100); do grep -q listening "$DIR/out" 2>/dev/null && break; sleep 0.1; done
URL=$(grep -o 'http://[0-9.:]*' "$DIR/out" | head -1)
mkapp() { curl -s -X POST "$URL/smartlink-apps" -H "Authorization: Bearer $KEY" -H 'content-type: application/json' -d "{\"name\":\"bench\",\"legacySha1\":$1}"; }
read -r LID LSECRET < <(mkapp true | python3 -c 'import json,sys; a=json.load(sys.stdin); print(a["appId"], a["secret"])')
read -r VID VSECRET < <(mkapp false | python3 -c 'import json,sys; a=json.load(sys.stdin); print(a["appId"], a["secret"])')
N=$((SECS * 6000))
python3 bench/smartlink/gen_links.py legacy new "$LID" "$LSECRET" "$N" > "$LINKS/legacy-new"
python3 bench/smartlink/gen_links.py legacy returning "$LID" "$LSECRET" 100 > "$LINKS/legacy-returning"
python3 bench/smartlink/gen_links.py v2 new "$VID" "$VSECRET" "$N" > "$LINKS/v2-new"
python3 bench/smartlink/gen_links.py v2 returning "$VID" "$VSECRET" "$N" > "$LINKS/v2-returning"
# Warm-up: make the 100 returning users of each app exist.
head -100 "$LINKS/legacy-returning" | while read -r l; do curl -s -o /dev/null "$URL$l"; done
python3 bench/smartlink/gen_links.py v2 returning "$VID" "$VSECRET" 100 | while read -r l; do curl -s -o /dev/null -X POST "$URL$l"; done
echo "== ceiling: raw single-row SQLite commits, WAL, synchronous=FULL (python sqlite3, same disk)"
python3 - "$DIR" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1] + "/ceiling.db", isolation_level=None)
c.execute("PRAGMA journal_mode=WAL"); c.execute("PRAGMA synchronous=FULL"); c.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
t = time.time()
for i in range(2000):
    c.execute("BEGIN IMMEDIATE"); c.execute("INSERT INTO t (v) VALUES (?)", (f"row {i}",)); c.execute("COMMIT")
print(f"commits/sec: {2000 / (time.time() - t):.0f}")
PY
echo "== ceiling: GET /healthz (same server, no database)"
wrk -t$THREADS -c$CONNS -d${SECS}s "$URL/healthz" | grep -E 'Requests/sec|Latency'
for case in legacy-new:GET legacy-returning:GET v2-new:POST v2-returning:POST; do
  name=${case%%:*}; method=${case##*:}
  echo "== $name ($method)"
  LINKS_FILE="$LINKS/$name" METHOD=$method THREADS=$THREADS \
    wrk -t$THREADS -c$CONNS -d${SECS}s -s bench/smartlink/links.lua "$URL" | grep -E 'Requests/sec|Latency|requests'
done
echo "== rows: users $(sqlite3 "$DIR/usher.db" 'select count(*) from users' 2>/dev/null || echo '?'), sessions $(sqlite3 "$DIR/usher.db" 'select count(*) from sessions' 2>/dev/null || echo '?')"
