#!/usr/bin/env bash
# What an incident report costs a due restart: a check that reaches its threshold (a refused
# connection, threshold 1) from its start to `systemctl restart`, with the report written
# (systemd's view, /proc, the box, the journal, the file) and with `--incident-report no`,
# side by side in one run. The service here is no JVM (the stand-in systemd names PID 4242),
# so no thread dump is asked: that wait is bounded at 10 s and measured against a real JVM
# under the real systemd by Tests/e2e/systemd-incident.sh.
#
#   bench/incident-cost.sh [runs]      (make bench runs it)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
ours=${OURS:-.build/release/websocket-health-check}
[ -x "$ours" ] || { echo "build it first: make release" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install -y hyperfine" >&2; exit 1; }

source bench/loopback-server.sh
bench_on_loopback incident
dead=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
uri="ws://127.0.0.1:$dead/"
for side in with without; do mkdir -p "$work/$side" && chmod 700 "$work/$side"; done
with="$ours $uri bench.service --threshold 1 --state-file $work/with/failcount --log-file $work/with.log"
without="$ours $uri bench.service --threshold 1 --state-file $work/without/failcount --log-file $work/without.log --incident-report no"
# Armed before each run: the restart disarms it.
arm() { echo "printf 4242:0 >$work/$1/failcount; rm -f $work/$1/failcount.policy"; }

hyperfine --style none --warmup 2 --runs "$runs" --export-json "$work/times.json" \
  --prepare "$(arm with)" -n "with report" "$with" --prepare "$(arm without)" -n "no report" "$without" >/dev/null
reports=$(ls "$work/with/reports/bench.service" | grep -c '\.report$')
[ "$reports" -ge 1 ] && [ "$reports" -le 10 ] || { echo "expected 1 to 10 reports kept, found $reports" >&2; exit 1; }
[ ! -e "$work/without/reports" ] || { echo "--incident-report no wrote a report" >&2; exit 1; }

/usr/bin/python3 - "$work/times.json" <<'PY'
import json, statistics, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
def median(name):
    return statistics.median(results[name]["times"]) * 1000
w1, w0 = median("with report"), median("no report")
print("a check at its threshold, from start to systemctl restart (no JVM, so no dump):")
print(f"  with report  {w1:6.1f} ms")
print(f"  no report    {w0:6.1f} ms")
print(f"  the report   {w1 - w0:+6.1f} ms (bound: 10 s, a JVM's dump included)")
PY
