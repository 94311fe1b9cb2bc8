#!/usr/bin/env bash
# What the dashboard costs watching a whole box: N healthy targets (default 100) in a config
# directory, each probed once a second, nobody typing. Runs the release binary in tmux and
# reads its CPU time and resident memory from /proc over a fixed window after the first paint.
# The targets share one loopback server (Debian's python3-websockets); only our process is
# measured.
#
#   make bench            (or: bench/dashboard-box.sh [targets] [seconds])
set -euo pipefail
cd "$(dirname "$0")/.."
targets=${1:-100}
seconds=${2:-30}
bin=${OURS:-.build/release/websocket-health-check}
[ -x "$bin" ] || { echo "build it first: make release" >&2; exit 1; }

work=$(mktemp -d /tmp/whc-box-bench.XXXXXX)
session="whc-box-$$"
cleanup() { tmux kill-session -t "$session" 2>/dev/null || true; [ -z "${server:-}" ] || kill "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

source bench/loopback-server.sh
stand_in_systemctl "$work"
start_ws_server "$work/server.log"
mkdir -p "$work/conf" "$work/state" && chmod 700 "$work/state"
for n in $(seq -w 1 "$targets"); do
  printf 'uri = ws://127.0.0.1:%s/\nunit = box%s.service\nstate-file = %s\nlog-file = %s\n' \
    "$port" "$n" "$work/state/box$n.failcount" "$work/state/box$n.log" >"$work/conf/box$n.conf"
done

tmux new-session -d -s "$session" -x 160 -y 50 \
  "PATH=$work/bin:\$PATH TERM=xterm-256color LANG=C.UTF-8 exec $bin dashboard --config-dir $work/conf --interval ${WHC_BENCH_INTERVAL:-1}"
pid=""
for _ in $(seq 50); do pid=$(pgrep -f "^$bin dashboard --config-dir $work/conf" || true); [ -n "$pid" ] && break; sleep 0.1; done
[ -n "$pid" ] || { echo "the dashboard did not start" >&2; exit 1; }
sleep 5  # the first paint, every target probed a few times
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
start_ticks=$(ticks); start=$(date +%s.%N)
sleep "$seconds"
end_ticks=$(ticks); end=$(date +%s.%N)
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
peak=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
fds=$(ls "/proc/$pid/fd" | wc -l)
probed=$(tmux capture-pane -t "$session" -p | grep -c ' ok ' || true)
tmux send-keys -t "$session" q
/usr/bin/python3 - "$start_ticks" "$end_ticks" "$start" "$end" "$rss" "$peak" "$targets" "$fds" "$probed" "$(getconf CLK_TCK)" <<'PY'
import sys
t0, t1, s0, s1, rss, peak, targets, fds, probed, hz = map(float, sys.argv[1:11])
cpu = 100 * (t1 - t0) / hz / (s1 - s0)
print(f"dashboard watching {int(targets)} healthy targets, 1 probe/s each, {s1 - s0:.0f} s window:")
print(f"  CPU        {cpu:.2f} % of one core   (goal: < 3 %)")
print(f"  resident   {rss / 1024:.1f} MB now, {peak / 1024:.1f} MB peak   (goal: < 40 MB)")
print(f"  open files {int(fds)}; rows shown ok at the end: {int(probed)}")
PY
