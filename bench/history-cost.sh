#!/usr/bin/env bash
# What the check history costs a check: one healthy check, whole process, with its history
# appended as always, against the same check whose history path is planted with a directory
# (the append is refused at its first system call and skipped, as for any planted file), side
# by side in one run, the history near its 512 KiB bound as a day of checks leaves it. Not in
# the figure: the cut-back past the bound (one read of 384 KiB, a write and a rename), which a
# box meets about once in 2,300 checks.
#
#   bench/history-cost.sh [runs]      (make bench runs it)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-100}
ours=${OURS:-.build/release/websocket-health-check}
[ -x "$ours" ] || { echo "build it first: make release" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install -y hyperfine" >&2; exit 1; }

source bench/loopback-server.sh
bench_on_loopback history
uri="ws://127.0.0.1:$port/"

with="$ours $uri bench.service --state-file $work/with/failcount --log-file $work/with.log"
without="$ours $uri bench.service --state-file $work/without/failcount --log-file $work/without.log"
$with >/dev/null && $without >/dev/null
rm "$work/without/failcount.history" && mkdir "$work/without/failcount.history"
# Near the bound, as a day of checks leaves it.
/usr/bin/python3 - "$work/with/failcount.history" <<'PY'
import sys
line = "1795725785123\tok\tconnect=0.12,upgrade=2.10,close=0.20\t\n"
with open(sys.argv[1], "w") as f:
    f.write(line * ((500 * 1024) // len(line)))
PY

hyperfine --style none --warmup 3 --runs "$runs" --export-json "$work/times.json" \
  -n "with history" "$with" -n "history skipped" "$without" >/dev/null
[ -d "$work/without/failcount.history" ] || { echo "the skipped history was written" >&2; exit 1; }
size=$(stat -c %s "$work/with/failcount.history")
[ "$size" -le $((512 * 1024)) ] || { echo "the history outgrew its bound: $size bytes" >&2; exit 1; }

/usr/bin/python3 - "$work/times.json" "$size" <<'PY'
import json, statistics, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
def medians(name):
    r = results[name]
    cpu = [u + s for u, s in zip(r["user"], r["system"])] if isinstance(r["user"], list) else [r["user"] + r["system"]]
    return statistics.median(r["times"]) * 1000, statistics.median(cpu) * 1000
w1, c1 = medians("with history")
w0, c0 = medians("history skipped")
print("one healthy check, its history near the 512 KiB bound:")
print(f"  with history     {w1:6.2f} ms wall  {c1:6.2f} ms CPU")
print(f"  history skipped  {w0:6.2f} ms wall  {c0:6.2f} ms CPU")
print(f"  ratio            {w1/w0:6.3f}       {c1/c0:6.3f}        (goal: <= 1.05); file {int(sys.argv[2]) // 1024} KiB")
PY
