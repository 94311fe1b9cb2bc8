#!/usr/bin/env bash
# The whole loop on a real systemd: PID 1 of its own PID namespace (see shared/TESTING.md),
# with /etc, /usr/local, /var/lib and /var/log as overlays so nothing leaks onto this machine.
# Installs our units with `make install`, watches a real WebSocket server (Debian's
# python3-websockets) run as demo-ws.service, freezes it with SIGSTOP and checks that systemd
# restarted it; then the same in dry-run mode; then the journal; then powers off.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
bin=${WHC_BINARY:-$repo/.build/debug/websocket-health-check}
skip() { echo "SKIP systemd end-to-end: $1"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root"
command -v unshare >/dev/null && command -v nsenter >/dev/null || skip "needs unshare and nsenter (util-linux)"
[ -x /lib/systemd/systemd ] || skip "needs systemd installed (apt-get install -y systemd)"
[ -x "$bin" ] || { echo "build first: swift build" >&2; exit 1; }
/usr/bin/python3 -c 'import websockets' 2>/dev/null || skip "needs python3-websockets"

work=$(mktemp -d /tmp/whc-systemd.XXXXXX)
began=$(date +%s%N)
last=$began
step() {
  local now; now=$(date +%s%N)
  printf '  %-66s %5.1fs (+%.1fs)\n' "$1" "$(( (now - began) / 1000000 ))e-3" "$(( (now - last) / 1000000 ))e-3"
  last=$now
}
in_ns() { nsenter -t "$sd" -m -p "$@"; }
cleanup() {
  if [ -n "${sd:-}" ] && [ -z "${KEEP:-}" ]; then
    in_ns systemctl poweroff >/dev/null 2>&1 || true
    for _ in $(seq 50); do kill -0 "$holder" 2>/dev/null || break; sleep 0.1; done
  fi
  kill "${holder:-0}" 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $1" >&2
  if [ -n "${sd:-}" ] && [ -z "${KEEP:-}" ]; then
    echo "--- journal (check units):" >&2
    in_ns journalctl -u 'websocket-health-check@*' -u demo-ws.service --no-pager -n 40 >&2 || true
    echo "--- state: $(in_ns cat /run/websocket-health-check/demo.failcount 2>&1)" >&2
    echo "--- trigger log:" >&2; in_ns cat /var/log/websocket-health-check/demo.log >&2 2>/dev/null || true
  fi
  exit 1
}
wait_until() {  # wait_until SECONDS DESCRIPTION COMMAND...
  local limit=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + limit ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "not within ${limit}s: $what"
    sleep 0.2
  done
}

# --- a systemd of our own --------------------------------------------------------------
overlays=""
for dir in etc usr/local var/lib var/log; do
  mkdir -p "$work/overlay/$dir/upper" "$work/overlay/$dir/work"
  overlays="$overlays mount -t overlay overlay -o lowerdir=/$dir,upperdir=$work/overlay/$dir/upper,workdir=$work/overlay/$dir/work /$dir &&"
done
# tmp.conf's `D /tmp` would empty the machine's /tmp at boot: hide it from this systemd.
unshare --pid --fork --mount-proc --kill-child sh -c "$overlays
  mount --bind /dev/null /usr/lib/tmpfiles.d/tmp.conf &&
  exec /lib/systemd/systemd --system --unit=basic.target" </dev/null >"$work/systemd.log" 2>&1 &
holder=$!
# The child of unshare is a shell until it has mounted the overlays and exec'd systemd.
for _ in $(seq 100); do
  sd=$(pgrep -P "$holder" || true)
  [ -n "$sd" ] && [ "$(cat "/proc/$sd/comm" 2>/dev/null)" = systemd ] && break
  sleep 0.1
done
[ -n "$sd" ] && [ "$(cat "/proc/$sd/comm" 2>/dev/null)" = systemd ] \
  || { cat "$work/systemd.log" >&2; sd=""; skip "systemd did not start in a PID namespace here"; }
for _ in $(seq 100); do nsenter -t "$sd" -m -p test -S /run/systemd/private && break; sleep 0.1; done
state=$(timeout 60 nsenter -t "$sd" -m -p systemctl is-system-running --wait 2>&1 || true)
case "$state" in running|degraded) ;; *) fail "systemd did not boot: $state" ;; esac
step "systemd is PID 1 of its namespace ($state)"

# --- 1. install our units and a WebSocket service nobody here wrote ----------------------
in_ns make -s -C "$repo" install DESTDIR= INSTALL_BIN="$bin" >/dev/null
in_ns install -m 0644 "$repo/bench/ws_server.py" /usr/local/lib/demo-ws-server.py
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
in_ns sh -c "cat >/etc/systemd/system/demo-ws.service" <<UNIT
[Unit]
Description=A WebSocket service to watch (python3-websockets)
[Service]
ExecStart=/usr/bin/python3 /usr/local/lib/demo-ws-server.py 127.0.0.1 $port
UNIT
in_ns sh -c "cat >/etc/websocket-health-check/demo.conf" <<CONF
uri = ws://127.0.0.1:$port/
unit = demo-ws.service
threshold = 3
mode = auto
timeout = 2
metrics-file = /var/lib/prometheus/node-exporter/websocket-health-check-demo.prom
CONF
# node_exporter's textfile directory, as Debian's prometheus-node-exporter makes it.
in_ns mkdir -p /var/lib/prometheus/node-exporter
step "installed with make install; demo-ws.service on port $port"

# --- 2. the timer for it, fast: every 2 s, threshold 3 -------------------------------------
in_ns mkdir -p /etc/systemd/system/websocket-health-check@demo.timer.d
in_ns sh -c "cat >/etc/systemd/system/websocket-health-check@demo.timer.d/fast.conf" <<'DROPIN'
[Timer]
# One empty assignment resets all the unit's monotonic triggers; then ours.
OnActiveSec=
OnActiveSec=1s
OnUnitActiveSec=2s
AccuracySec=100ms
DROPIN
in_ns systemctl daemon-reload
# The plain pair is tied to openems.service; give verify one to find.
printf '[Service]\nExecStart=/bin/sleep infinity\n' | in_ns sh -c "cat >/etc/systemd/system/openems.service"
in_ns systemctl daemon-reload
verify=$(in_ns systemd-analyze verify \
  /usr/local/lib/systemd/system/websocket-health-check.service /usr/local/lib/systemd/system/websocket-health-check.timer \
  /usr/local/lib/systemd/system/websocket-health-check@demo.service /usr/local/lib/systemd/system/websocket-health-check@demo.timer 2>&1 || true)
[ -z "$verify" ] || fail "systemd-analyze verify reports: $verify"
exposure=$(in_ns systemd-analyze security websocket-health-check@demo.service --no-pager 2>/dev/null \
  | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
# The hardening is part of what we ship: hold it under the issue's 3.0.
awk -v e="${exposure:-99}" 'BEGIN { exit !(e < 3.0) }' || fail "systemd-analyze security exposure is ${exposure:-unknown}, not under 3.0"
in_ns systemctl start demo-ws.service
in_ns systemctl enable --now websocket-health-check@demo.timer >/dev/null 2>&1
step "timer enabled (systemd-analyze verify: clean; security exposure: ${exposure:-?})"
echo "$exposure" >"${WHC_EXPOSURE_FILE:-/dev/null}"

main_pid() { in_ns systemctl show demo-ws.service --property=MainPID --value; }
state_is() { [ "$(in_ns cat /run/websocket-health-check/demo.failcount 2>/dev/null)" = "$1" ]; }
log_count() { in_ns grep -c "$1" /var/log/websocket-health-check/demo.log 2>/dev/null || true; }

# --- 3. armed ------------------------------------------------------------------------------
pid=$(main_pid)
wait_until 20 "state file shows $pid:0 (armed)" state_is "$pid:0"
metrics_file=/var/lib/prometheus/node-exporter/websocket-health-check-demo.prom
wait_until 10 "metrics written by the hardened unit" sh -c "nsenter -t $sd -m -p grep -Eq '^websocket_probe_success.target=.demo.,unit=.demo-ws.service.. 1(\.0)?\$' $metrics_file"
step "armed: state file holds $pid:0; the hardened unit wrote its metrics for node_exporter"

# --- 4. frozen: alive, accepting TCP, never upgrading -> restarted ---------------------------
in_ns kill -STOP "$pid"
# 3 failures, each up to the 2 s probe timeout, 2 s apart, plus slack.
wait_until 30 "systemd restarted demo-ws.service (new MainPID)" sh -c "[ \"\$(nsenter -t $sd -m -p systemctl show demo-ws.service --property=MainPID --value)\" != $pid ]"
new_pid=$(main_pid)
[ "$(log_count ': Triggered restart! (fail count: 3) demo-ws.service: upgrade timed out after 2 s')" = 1 ] \
  || fail "expected one 'Triggered restart!' line with the reason"
wait_until 20 "state re-armed for the new PID" state_is "$new_pid:0"
step "frozen server restarted: MainPID $pid -> $new_pid, one log line, re-armed"

# --- 5. dry run: logged, not restarted --------------------------------------------------------
in_ns sed -i 's/^mode = auto/mode = dry-run/' /etc/websocket-health-check/demo.conf
in_ns kill -STOP "$new_pid"
wait_until 30 "a dry-run line in the trigger log" sh -c "nsenter -t $sd -m -p grep -q ': Dry run: Triggered restart! (fail count: 3) demo-ws.service' /var/log/websocket-health-check/demo.log"
sleep 1
[ "$(main_pid)" = "$new_pid" ] || fail "dry run restarted the service"
[ "$(log_count 'Triggered restart!')" = 2 ] || fail "expected exactly one real and one dry-run trigger"
wait_until 10 "dry run disarms" state_is "$new_pid:-1"
in_ns kill -CONT "$new_pid"
step "dry run: logged, MainPID unchanged, disarmed"

# --- 6. the journal holds our one line per run -------------------------------------------------
journal=$(in_ns journalctl -u websocket-health-check@demo.service --no-pager -o cat)
echo "$journal" | grep -q '^\[Info\] WebSocket healthy (connect ' || fail "no healthy line in the journal"
echo "$journal" | grep -q '^\[Watchdog\] WebSocket not working! (1/3): upgrade timed out after 2 s' \
  || fail "no counting line in the journal"
echo "$journal" | grep -q '^\[Watchdog\] Triggered restart! Restarting demo-ws.service' || fail "no trigger line in the journal"
step "journal: one line per event for the check unit"

# --- 7. approve mode: a frozen service waits for a person, who restarts it once ----------------
in_ns sed -i 's/^mode = dry-run/mode = approve/' /etc/websocket-health-check/demo.conf
wait_until 20 "re-armed after the dry run" state_is "$new_pid:0"
in_ns kill -STOP "$new_pid"
wait_until 30 "a restart request in the trigger log" sh -c "nsenter -t $sd -m -p grep -q ': Restart awaiting approval (fail count: 3) demo-ws.service: upgrade timed out' /var/log/websocket-health-check/demo.log"
sleep 6  # three more timer runs: still failing, still waiting
[ "$(main_pid)" = "$new_pid" ] || fail "approve mode restarted the service without a yes"
[ "$(log_count 'Restart awaiting approval')" = 1 ] || fail "expected one request, not one per tick"
warnings=$(in_ns journalctl -u websocket-health-check@demo.service -p warning --no-pager -o cat)
echo "$warnings" | grep -q "Restart awaiting approval (fail count: 3): demo-ws.service was not restarted. To restart it: websocket-health-check approve --config /etc/websocket-health-check/demo.conf " \
  || fail "the request is not in the journal at warning priority with the command to paste: $warnings"
approve_cmd=$(echo "$warnings" | sed -n 's/.*To restart it: websocket-health-check \(approve [^ ]* [^ ]*\) .*/\1/p' | head -1)
in_ns env SUDO_USER=nightshift websocket-health-check $approve_cmd >"$work/approve.out" 2>&1 || fail "approve failed: $(cat "$work/approve.out")"
wait_until 20 "the approval restarted demo-ws.service" sh -c "[ \"\$(nsenter -t $sd -m -p systemctl show demo-ws.service --property=MainPID --value)\" != $new_pid ]"
approved_pid=$(main_pid)
[ "$(log_count ': Restart approved by nightshift (cli) (fail count: 3) demo-ws.service')" = 1 ] || fail "the approval is not logged with who"
in_ns env SUDO_USER=nightshift websocket-health-check $approve_cmd >"$work/approve-again.out" 2>&1 && fail "approving twice succeeded"
grep -q "the last request was approved" "$work/approve-again.out" || fail "approving twice did not say why: $(cat "$work/approve-again.out")"
wait_until 20 "re-armed on the new PID" state_is "$approved_pid:0"
sleep 2
[ "$(main_pid)" = "$approved_pid" ] || fail "restarted more than once"
step "approve mode: no restart over several ticks; approve restarted once ($new_pid -> $approved_pid); re-armed"

# --- 8. power off ----------------------------------------------------------------------------
in_ns systemctl poweroff >/dev/null 2>&1 || true
for _ in $(seq 100); do kill -0 "$holder" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$holder" 2>/dev/null || fail "systemd did not power off"
sd=""
step "powered off"
echo "systemd end-to-end: all steps passed"
