#!/usr/bin/env bash
# One healthy check, whole process: our `check` (the reference's handshake, and --openems, one
# JSON-RPC request answered) against the reference's algorithm in Python
# (bench/reference_check.py on Debian's python3-websockets), side by side in one run, against
# the same loopback server and the same stand-in systemctl. Prints medians and the ratios.
#
#   make bench            (or: bench/check-vs-reference.sh [runs])
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
ours=${OURS:-.build/release/websocket-health-check}
[ -x "$ours" ] || { echo "build it first: make release" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install -y hyperfine" >&2; exit 1; }

work=$(mktemp -d /tmp/whc-bench.XXXXXX)
cleanup() { [ -z "${server:-}" ] || kill "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

source bench/loopback-server.sh
stand_in_systemctl "$work"
export PATH="$work/bin:$PATH"
start_ws_server "$work/server.log"

uri="ws://127.0.0.1:$port/"
ours_cmd="$ours $uri bench.service --state-file $work/ours/failcount --log-file $work/ours.log"
openems_cmd="$ours $uri bench.service --openems --state-file $work/openems/failcount --log-file $work/openems.log"
ref_cmd="/usr/bin/python3 bench/reference_check.py $uri bench.service --state-file $work/ref/failcount --log-file $work/ref.log"
$ours_cmd >/dev/null && $openems_cmd >/dev/null && $ref_cmd >/dev/null
for name in ours openems ref; do
  [ "$(cat "$work/$name/failcount")" = "4242:0" ] \
    || { echo "the $name check did not come out healthy; not benchmarking" >&2; exit 1; }
done

hyperfine --style none --warmup 3 --runs "$runs" --export-json "$work/times.json" \
  -n ours "$ours_cmd" -n "ours --openems" "$openems_cmd" -n reference "$ref_cmd" >/dev/null

# Peak RSS: median over runs of /usr/bin/time's maximum resident set size.
rss() {
  for _ in $(seq 11); do /usr/bin/time -f %M $1 2>&1 >/dev/null | tail -1; done | sort -n | sed -n 6p
}
ours_rss=$(rss "$ours_cmd")
openems_rss=$(rss "$openems_cmd")
ref_rss=$(rss "$ref_cmd")

/usr/bin/python3 - "$work/times.json" "$ours_rss" "$openems_rss" "$ref_rss" <<'PY'
import json, statistics, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
def medians(name):
    r = results[name]
    # hyperfine gives user and system time per run only in newer versions; else means.
    cpu = [u + s for u, s in zip(r["user"], r["system"])] if isinstance(r["user"], list) else [r["user"] + r["system"]]
    return statistics.median(r["times"]) * 1000, statistics.median(cpu) * 1000
rw, rc = medians("reference")
rrss = int(sys.argv[4]) / 1024
print(f"{'':16}{'wall ms':>10}{'cpu ms':>10}{'max RSS MB':>12}")
rows = [("ours", int(sys.argv[2]) / 1024), ("ours --openems", int(sys.argv[3]) / 1024)]
for name, rss in rows:
    w, c = medians(name)
    print(f"{name:16}{w:10.1f}{c:10.1f}{rss:12.1f}")
print(f"{'reference':16}{rw:10.1f}{rc:10.1f}{rrss:12.1f}")
for name, rss in rows:
    w, c = medians(name)
    print(f"{'ratio ' + name[5:] if name != 'ours' else 'ratio':16}{w/rw:10.3f}{c/rc:10.3f}{rss/rrss:12.3f}"
          "   (goal: <= 0.125, 0.125, 0.5)")
PY
