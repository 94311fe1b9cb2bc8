#!/usr/bin/env bash
# CPU per probe and peak RSS, side by side with Debian's monit (5.33, `protocol websocket`):
# N targets (default 100) spread over four loopback WebSocket servers (Debian's
# python3-websockets), each checked once a second with upgrade + ping + close, by monit's
# daemon and then by our dashboard (`ping = yes`) in turn, nobody typing. Probes are counted
# by the servers (upgraded connections), CPU and VmHWM read from /proc over the same window.
# The two run in turn, ROUNDS times (default 3), so that a machine whose speed drifts (a shared
# VM) drifts under both; the medians are compared. BASELINE=path adds another build of ours
# to every round (what a change bought, measured beside it).
#
#   bench/monit-vs-dashboard.sh [targets] [seconds]      (make bench runs it)
set -euo pipefail
cd "$(dirname "$0")/.."
targets=${1:-100}
seconds=${2:-20}
rounds=${ROUNDS:-3}
baseline=${BASELINE:-}
bin=${OURS:-.build/release/websocket-health-check}
[ -x "$bin" ] || { echo "build it first: make release" >&2; exit 1; }
command -v monit >/dev/null || { echo "monit is missing: apt-get install -y monit" >&2; exit 1; }

source bench/loopback-server.sh
work=$(mktemp -d /tmp/whc-monit.XXXXXX)
session="whc-monit-$$"
servers=()
cleanup() {
  tmux kill-session -t "$session" 2>/dev/null || true
  tmux kill-session -t "$session-base" 2>/dev/null || true
  [ -z "${monit_pid:-}" ] || kill "$monit_pid" 2>/dev/null || true
  for s in "${servers[@]}"; do kill "$s" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
[ -z "${KEEP:-}" ] || trap - EXIT
stand_in_systemctl "$work"
ports=()
for n in 1 2 3 4; do
  start_ws_server "$work/server$n.log"
  servers+=("$server")
  ports+=("$port")
done
# Upgraded connections so far, all four servers together.
upgraded() {
  local total=0 n count
  for n in 1 2 3 4; do
    kill -USR1 "${servers[$((n - 1))]}"
  done
  sleep 0.3
  for n in 1 2 3 4; do
    count=$(sed -n 's/^connections \([0-9]*\)$/\1/p' "$work/server$n.log" | tail -1)
    total=$((total + ${count:-0}))
  done
  echo "$total"
}
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# measure PID NAME: CPU ticks and probes over the window; prints "name cpu_ms_per_probe peak_kB probes".
measure() {
  sleep 5
  local t0 p0 t1 p1
  t0=$(ticks "$1"); p0=$(upgraded)
  sleep "$seconds"
  t1=$(ticks "$1"); p1=$(upgraded)
  local peak; peak=$(awk '/^VmHWM/ { print $2 }' "/proc/$1/status")
  awk -v n="$2" -v t="$((t1 - t0))" -v p="$((p1 - p0))" -v hz="$(getconf CLK_TCK)" -v peak="$peak" \
    'BEGIN { printf "%s %.4f %d %d\n", n, (p > 0 ? 1000 * t / hz / p : 0), peak, p }'
}

# monit: one `check host` a target, every second.
{
  echo "set daemon 1"
  echo "set logfile $work/monit.log"
  echo "set idfile $work/monit.id"
  echo "set statefile $work/monit.state"
  for n in $(seq 1 "$targets"); do
    echo "check host t$n with address 127.0.0.1"
    echo "  if failed port ${ports[$((n % 4))]} protocol websocket request \"/\" version 13 then alert"
  done
} >"$work/monitrc"
chmod 600 "$work/monitrc"
run_monit() {
  monit -c "$work/monitrc" -I >/dev/null 2>&1 &
  monit_pid=$!
  measure "$monit_pid" monit
  kill "$monit_pid"; wait "$monit_pid" 2>/dev/null || true; monit_pid=""
}

mkdir -p "$work/conf" "$work/state" && chmod 700 "$work/state"
for n in $(seq 1 "$targets"); do
  printf 'uri = ws://127.0.0.1:%s/\nunit = t%s.service\nping = yes\nstate-file = %s\nlog-file = %s\n' \
    "${ports[$((n % 4))]}" "$n" "$work/state/t$n.failcount" "$work/state/t$n.log" >"$work/conf/t$n.conf"
done
# run_dashboard BINARY NAME SESSION
run_dashboard() {
  tmux new-session -d -s "$3" -x 160 -y 50 \
    "PATH=$work/bin:\$PATH TERM=xterm-256color LANG=C.UTF-8 exec $1 dashboard --config-dir $work/conf --interval 1"
  local pid=""
  for _ in $(seq 50); do pid=$(pgrep -f "^$1 dashboard --config-dir $work/conf" || true); [ -n "$pid" ] && break; sleep 0.1; done
  [ -n "$pid" ] || { echo "the dashboard ($1) did not start" >&2; exit 1; }
  measure "$pid" "$2"
  tmux send-keys -t "$3" q
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
}

results=()
for round in $(seq 1 "$rounds"); do
  # Not in a subshell: the clean-up must still see monit's PID if this is interrupted.
  run_monit >"$work/result"; results+=("$(cat "$work/result")")
  run_dashboard "$bin" dashboard "$session" >"$work/result"; results+=("$(cat "$work/result")")
  if [ -n "$baseline" ]; then
    run_dashboard "$baseline" baseline "$session-base" >"$work/result"; results+=("$(cat "$work/result")")
  fi
done

/usr/bin/python3 - "$targets" "$seconds" "$rounds" "${results[@]}" <<'PY'
import statistics, sys
targets, seconds, rounds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
runs = {}
for text in sys.argv[4:]:
    name, per_probe, peak, probes = text.split()
    runs.setdefault(name, []).append((float(per_probe), int(peak) / 1024, int(probes)))
def median(name, field):
    return statistics.median(run[field] for run in runs[name])
print(f"{targets} targets, upgrade + ping + close once a second each; {rounds} rounds of {seconds} s, in turn:")
print(f"                 CPU per probe (median, each round)           peak RSS (median)   probes a round")
for name, label in (("monit", "monit 5.33"), ("dashboard", "dashboard"), ("baseline", "baseline")):
    if name not in runs:
        continue
    each = " ".join(f"{run[0]:.3f}" for run in runs[name])
    print(f"  {label:<14} {median(name, 0):8.3f} ms  ({each})   {median(name, 1):6.1f} MB   {median(name, 2):.0f}")
m = runs["monit"]
for name in ("dashboard", "baseline"):
    if name not in runs:
        continue
    each = " ".join(f"{ours[0] / theirs[0]:.2f}" if theirs[0] else "nan" for ours, theirs in zip(runs[name], m))
    print(f"  ratio {name:<9} {median(name, 0) / median('monit', 0):8.2f}     ({each})   "
          f"{median(name, 1) / median('monit', 1):6.2f}      (goal: CPU <= 1.0, RSS <= 1.5)")
PY
