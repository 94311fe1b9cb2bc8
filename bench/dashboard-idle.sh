#!/usr/bin/env bash
# What the dashboard costs while idle: a healthy target, one probe per second, nobody typing.
# Runs the release binary in tmux through `script` (which records every byte sent to the
# terminal) and /usr/bin/time (CPU), for a fixed window after the first paint.
#
#   make bench            (or: bench/dashboard-idle.sh [seconds])
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
bin=${OURS:-.build/release/websocket-health-check}
[ -x "$bin" ] || { echo "build it first: make release" >&2; exit 1; }

work=$(mktemp -d /tmp/whc-dash-bench.XXXXXX)
session="whc-bench-$$"
cleanup() { tmux kill-session -t "$session" 2>/dev/null || true; [ -z "${server:-}" ] || kill "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

source bench/loopback-server.sh
stand_in_systemctl "$work"
start_ws_server "$work/server.log"

inner="PATH=$work/bin:\$PATH TERM=xterm-256color LANG=C.UTF-8 /usr/bin/time -o $work/time -f '%U %S %e' \
  $bin dashboard ws://127.0.0.1:$port/ bench.service --state-file $work/state/failcount --log-file $work/trigger.log"
tmux new-session -d -s "$session" -x 100 -y 30 "script -qfc \"$inner\" $work/typescript"
sleep 3  # the first paint and the first probes
before=$(stat -c %s "$work/typescript")
sleep "$seconds"
after=$(stat -c %s "$work/typescript")
tmux send-keys -t "$session" q
for _ in $(seq 50); do [ -s "$work/time" ] && break; sleep 0.1; done
read -r user system elapsed <"$work/time"
/usr/bin/python3 - "$user" "$system" "$elapsed" "$before" "$after" "$seconds" <<'PY'
import sys
user, system, elapsed = map(float, sys.argv[1:4])
before, after, seconds = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
print(f"dashboard idle, 1 probe/s, {elapsed:.0f} s run:")
print(f"  CPU       {100 * (user + system) / elapsed:.2f} % of one core   (goal: < 1 %)")
print(f"  terminal  {before} bytes for the first paint, then {(after - before) / seconds:.0f} bytes/s")
PY
