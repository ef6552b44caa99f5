#!/usr/bin/env bash
# CPU a request, Muster's and PostgreSQL's: starts `muster serve` on the
# database in $DB, runs wrk with the GraphQL request in BODY for SECONDS at
# CLIENTS, and prints wrk's result line with the CPU time (user and system,
# from /proc/<pid>/stat) that Muster and every postgres process spent per
# request, and Muster's peak resident memory. Used to compare two builds
# in turns (bench/RESULTS.md).
#
#   DB=postgres://… BIN=target/dist/muster bench/cpu.sh body.json 16 8
#
# (`target/dist/muster`: `cargo build --profile dist`, the build the
# benchmark measures; `release` has no LTO and serves 16-20% fewer
# requests, bench/RESULTS.md session 28.)
#
# body.json holds one GraphQL request, e.g. {"query": "{ groups(first: 20) { … } }"}.
set -euo pipefail
body=$1 clients=$2 seconds=$3
here=$(cd "$(dirname "$0")" && pwd)
port=${PORT:-18124}
MUSTER_DATABASE_URL=$DB "$BIN" serve --no-bridge --listen "127.0.0.1:$port" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -s -o /dev/null -XPOST -H 'content-type: application/json' \
    --data '{"query":"{__typename}"}' "http://127.0.0.1:$port/graphql" && break
  sleep 0.2
done
url="http://127.0.0.1:$port/graphql"
BODY_FILE=$body wrk -t1 -c"$clients" -d2s -s "$here/post.lua" "$url" >/dev/null
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# (A process may end between the glob and the read: not an error.)
pg() { { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk '$2 ~ /postgres/ {s += $14 + $15} END {print s + 0}'; }
m0=$(ticks $pid) g0=$(pg)
out=$(BODY_FILE=$body wrk -t$((clients < 2 ? clients : 2)) -c"$clients" -d"${seconds}s" -s "$here/post.lua" "$url" | tail -n 1)
m1=$(ticks $pid) g1=$(pg)
peak=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
python3 - "$out" "$m0" "$m1" "$g0" "$g1" "$(getconf CLK_TCK)" "$peak" <<'PY'
import json, sys
line, m0, m1, g0, g1, hz, peak = sys.argv[1], *map(int, sys.argv[2:])
r = json.loads(line)
n = max(r["requests"], 1)
ms = lambda t: 1000.0 * t / hz / n
print(f'{line}\nCPU a request: muster {ms(m1 - m0):.2f} ms, postgres {ms(g1 - g0):.2f} ms; '
      f'muster peak memory {peak / 1024:.0f} MiB')
PY
