#!/usr/bin/env bash
# The dashboard for SOAK_SECONDS (600) in tmux, watching six targets whose servers flap every
# few seconds: frozen (SIGSTOP) and thawed, killed and restarted, one always healthy, one
# never there; a stand-in timer runs each target's check every 2 s (moving its state file and
# log) and the logs are rotated both ways logrotate does it (copytruncate and create). Samples
# the dashboard's resident memory and open files every 10 s; at the end it must be alive, both
# flat, and its screen right once the flapping stops. Not part of make test.
#
#   make soak          (or: SOAK_SECONDS=600 Tests/soak/dashboard-soak.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${SOAK_SECONDS:-600}
bin=${WHC_BINARY:-.build/release/websocket-health-check}
[ -x "$bin" ] || { echo "build it first: make release" >&2; exit 1; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

work=$(mktemp -d /tmp/whc-soak.XXXXXX)
session="whc-soak-$$"
# Never `kill 0`: that is this whole process group, make and all.
stop() { for pid in "$@"; do [ "${pid:-0}" -gt 0 ] 2>/dev/null && { kill -CONT "$pid"; kill "$pid"; } 2>/dev/null; done; true; }
server_pid() { cat "$work/server-$1.pid" 2>/dev/null || echo 0; }
cleanup() {
  set +e
  tmux kill-session -t "$session" 2>/dev/null || true
  stop "${flapper:-}" "${timer:-}"
  for name in frozen killed healthy slowflap gone; do stop "$(server_pid $name)"; done
  [ -n "${KEEP:-}" ] || rm -rf "$work"
  return 0
}
trap cleanup EXIT
fail() { echo "FAIL: $1" >&2; tmux capture-pane -t "$session" -p >&2 2>/dev/null || true; exit 1; }

source bench/loopback-server.sh
stand_in_systemctl "$work"
export PATH="$work/bin:$PATH"
mkdir -p "$work/conf" "$work/state" && chmod 700 "$work/state"
names="frozen killed healthy slowflap gone refused"
declare -A ports
for name in $names; do
  case $name in
    gone|refused) ports[$name]=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])') ;;
    *)
      start_ws_server "$work/server-$name.log"
      ports[$name]=$port
      echo "$server" >"$work/server-$name.pid"
      ;;
  esac
  printf 'uri = ws://127.0.0.1:%s/\nunit = %s.service\nthreshold = 3\ntimeout = 1\nstate-file = %s\nlog-file = %s\n' \
    "${ports[$name]}" "$name" "$work/state/$name.failcount" "$work/state/$name.log" >"$work/conf/$name.conf"
done
# `gone` has a server that comes and goes on one port, started below; `refused` never has one.

restart_server() {  # restart_server NAME: a new server on the same port
  local name=$1
  stop "$(server_pid "$name")"
  sleep 0.2
  /usr/bin/python3 bench/ws_server.py 127.0.0.1 "${ports[$name]}" >>"$work/server-$name.log" 2>&1 &
  echo $! >"$work/server-$name.pid"
}
: >"$work/server-gone.log"; echo 0 >"$work/server-gone.pid"
(
  tick=0
  while true; do
    sleep 1; tick=$((tick + 1))
    if [ $((tick % 3)) = 0 ]; then kill -STOP "$(server_pid frozen)"; fi
    if [ $((tick % 3)) = 1 ]; then kill -CONT "$(server_pid frozen)"; fi
    if [ $((tick % 4)) = 0 ]; then restart_server killed; fi
    if [ $((tick % 10)) = 0 ]; then kill -STOP "$(server_pid slowflap)"; fi
    if [ $((tick % 10)) = 5 ]; then kill -CONT "$(server_pid slowflap)"; fi
    if [ $((tick % 7)) = 0 ]; then restart_server gone; fi
    if [ $((tick % 7)) = 3 ]; then stop "$(server_pid gone)"; echo 0 >"$work/server-gone.pid"; fi
    [ -e "$work/stop-flapping" ] && exit 0
  done
) &
flapper=$!
(
  tick=0
  while true; do
    for name in $names; do "$bin" check --config "$work/conf/$name.conf" >/dev/null 2>&1 || true; done
    sleep 2; tick=$((tick + 1))
    if [ $((tick % 30)) = 0 ]; then  # about every minute: copytruncate one log, create another
      for log in "$work"/state/frozen.log "$work"/state/killed.log; do
        [ -f "$log" ] || continue
        cp "$log" "$log.1" && : >"$log"
      done
      for log in "$work"/state/gone.log "$work"/state/slowflap.log; do
        [ -f "$log" ] || continue
        mv "$log" "$log.1" && : >"$log"
      done
    fi
  done
) &
timer=$!

tmux new-session -d -s "$session" -x 160 -y 40 \
  "PATH=$work/bin:\$PATH TERM=xterm-256color LANG=C.UTF-8 exec $bin dashboard --config-dir $work/conf --interval 1"
dashboard=""
for _ in $(seq 50); do dashboard=$(pgrep -f "^$bin dashboard --config-dir $work/conf" || true); [ -n "$dashboard" ] && break; sleep 0.1; done
[ -n "$dashboard" ] || fail "the dashboard did not start"

sample() { echo "$(awk '/^VmRSS/ {print $2}' "/proc/$dashboard/status") $(ls "/proc/$dashboard/fd" | wc -l)"; }
sleep 10
read -r rss0 fds0 < <(sample)
samples=("0 $rss0 $fds0")
elapsed=0
while [ "$elapsed" -lt "$seconds" ]; do
  sleep 10; elapsed=$((elapsed + 10))
  kill -0 "$dashboard" 2>/dev/null || fail "the dashboard died after $elapsed s"
  read -r rss fds < <(sample)
  samples+=("$elapsed $rss $fds")
done

# Everything healthy again: the screen must say so for every server that is there.
touch "$work/stop-flapping"; wait "$flapper" 2>/dev/null || true
kill -CONT "$(server_pid frozen)" "$(server_pid slowflap)" 2>/dev/null || true
restart_server gone
sleep 5
screen=$(tmux capture-pane -t "$session" -p)
for name in frozen killed healthy slowflap gone; do
  echo "$screen" | grep -E "^.? *$name +ok" >/dev/null || fail "$name is not shown ok once its server is healthy"
done
echo "$screen" | grep -E "$( printf '^.? *refused ' )" | grep -qv " ok " || fail "refused is shown ok"

read -r rss1 fds1 < <(sample)
peak=$(awk '/^VmHWM/ {print $2}' "/proc/$dashboard/status")
max_fds=$(printf '%s\n' "${samples[@]}" | awk '{ if ($3 > m) m = $3 } END { print m }')
echo "dashboard soak, $seconds s, 6 flapping targets, probes every second, checks every 2 s, logs rotated:"
echo "  resident  ${rss0} kB after 10 s, ${rss1} kB at the end (peak ${peak} kB)"
echo "  open fds  ${fds0} after 10 s, ${fds1} at the end (most seen ${max_fds}; probes in flight hold sockets)"
printf '  samples (s rss_kB fds):'; printf ' [%s]' "${samples[@]}"; echo
# Flat: no more than 4 MB above the start (the latency windows fill in the first minutes),
# and open files back within the sockets six probes in flight can hold.
[ "$rss1" -le $((rss0 + 4096)) ] || fail "resident memory grew from $rss0 kB to $rss1 kB"
[ "$fds1" -le $((fds0 + 6)) ] || fail "open files grew from $fds0 to $fds1"
tmux send-keys -t "$session" q
# A probe in flight may hold the loop for up to its 1 s timeout.
for _ in $(seq 50); do kill -0 "$dashboard" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$dashboard" 2>/dev/null || fail "q did not end the dashboard within 5 s"
echo "soak: alive, memory and open files flat, screen right at the end"
