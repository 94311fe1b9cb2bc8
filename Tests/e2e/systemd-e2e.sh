#!/usr/bin/env bash
# The whole loop on a real systemd: PID 1 of its own PID namespace (see shared/TESTING.md),
# with /etc, /usr, /var/lib and /var/log as overlays so nothing leaks onto this machine.
# Installs our .deb with dpkg (make deb; WHC_DEB names another), watches a real WebSocket
# server (Debian's python3-websockets) run as demo-ws.service, freezes it with SIGSTOP and
# checks that systemd restarted it; then dry-run and approve modes; then the journal; then
# upgrades the package, removes it and purges it, looking at what is left after each; then
# powers off.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$repo/Tests/e2e/lib/systemd-namespace.sh"
version=$(sed -n 's/^let packageVersion = "\(.*\)"$/\1/p' "$repo/Sources/Dashboard/CommandLine/Version.swift")
deb=${WHC_DEB:-$repo/.build/deb/websocket-health-check_${version}_$(dpkg --print-architecture).deb}
[ -f "$deb" ] || { echo "build the package first: make deb" >&2; exit 1; }
/usr/bin/python3 -c 'import websockets' 2>/dev/null || skip "needs python3-websockets"

show_failure() {
  echo "--- journal (check units):"
  in_ns journalctl -u 'websocket-health-check@*' -u demo-ws.service --no-pager -n 40
  echo "--- state: $(in_ns cat /run/websocket-health-check/demo.failcount 2>&1)"
  echo "--- trigger log:"; in_ns cat /var/log/websocket-health-check/demo.log 2>/dev/null
}
on_fail=show_failure
boot_systemd

# --- 1. install the package and a WebSocket service nobody here wrote ----------------------
install_package "$deb"
in_ns test -x /usr/bin/websocket-health-check || fail "the package installed no /usr/bin/websocket-health-check"
[ "$(in_ns websocket-health-check --version)" = "$version" ] || fail "--version is not the package's $version"
for unit in websocket-health-check.timer websocket-health-check.service; do
  case "$(in_ns systemctl is-enabled "$unit" 2>&1)" in disabled|static) ;; *) fail "installing enabled $unit" ;; esac
  ! in_ns systemctl is-active --quiet "$unit" || fail "installing started $unit"
done
in_ns sh -c 'man -w websocket-health-check && test -s /usr/share/bash-completion/completions/websocket-health-check' \
  >/dev/null 2>&1 || fail "no man page or bash completion installed"
install_demo_service
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
step "installed $(basename "$deb") with dpkg: nothing enabled or started; demo-ws.service on port $port"

# --- 2. the timer for it, fast: every 2 s, threshold 3 -------------------------------------
fast_timer demo
in_ns systemctl daemon-reload
# The plain pair is tied to openems.service; give verify one to find.
printf '[Service]\nExecStart=/bin/sleep infinity\n' | in_ns sh -c "cat >/etc/systemd/system/openems.service"
in_ns systemctl daemon-reload
verify=$(in_ns systemd-analyze verify \
  /lib/systemd/system/websocket-health-check.service /lib/systemd/system/websocket-health-check.timer \
  /lib/systemd/system/websocket-health-check@demo.service /lib/systemd/system/websocket-health-check@demo.timer 2>&1 || true)
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
wait_until 10 "metrics written by the hardened unit" sh -c "nsenter -t $sd -m -p -r grep -Eq '^websocket_probe_success.target=.demo.,unit=.demo-ws.service.. 1(\.0)?\$' $metrics_file"
step "armed: state file holds $pid:0; the hardened unit wrote its metrics for node_exporter"

# --- 4. frozen: alive, accepting TCP, never upgrading -> restarted ---------------------------
in_ns kill -STOP "$pid"
# 3 failures, each up to the 2 s probe timeout, 2 s apart, plus slack.
wait_until 30 "systemd restarted demo-ws.service (new MainPID)" sh -c "[ \"\$(nsenter -t $sd -m -p -r systemctl show demo-ws.service --property=MainPID --value)\" != $pid ]"
new_pid=$(main_pid)
[ "$(log_count ': Triggered restart! (fail count: 3) demo-ws.service: upgrade timed out after 2 s')" = 1 ] \
  || fail "expected one 'Triggered restart!' line with the reason"
wait_until 20 "state re-armed for the new PID" state_is "$new_pid:0"
step "frozen server restarted: MainPID $pid -> $new_pid, one log line, re-armed"

# --- 5. dry run: logged, not restarted --------------------------------------------------------
in_ns sed -i 's/^mode = auto/mode = dry-run/' /etc/websocket-health-check/demo.conf
in_ns kill -STOP "$new_pid"
wait_until 30 "a dry-run line in the trigger log" sh -c "nsenter -t $sd -m -p -r grep -q ': Dry run: Triggered restart! (fail count: 3) demo-ws.service' /var/log/websocket-health-check/demo.log"
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
wait_until 30 "a restart request in the trigger log" sh -c "nsenter -t $sd -m -p -r grep -q ': Restart awaiting approval (fail count: 3) demo-ws.service: upgrade timed out' /var/log/websocket-health-check/demo.log"
sleep 6  # three more timer runs: still failing, still waiting
[ "$(main_pid)" = "$new_pid" ] || fail "approve mode restarted the service without a yes"
[ "$(log_count 'Restart awaiting approval')" = 1 ] || fail "expected one request, not one per tick"
warnings=$(in_ns journalctl -u websocket-health-check@demo.service -p warning --no-pager -o cat)
echo "$warnings" | grep -q "Restart awaiting approval (fail count: 3): demo-ws.service was not restarted. To restart it: websocket-health-check approve --config /etc/websocket-health-check/demo.conf " \
  || fail "the request is not in the journal at warning priority with the command to paste: $warnings"
approve_cmd=$(echo "$warnings" | sed -n 's/.*To restart it: websocket-health-check \(approve [^ ]* [^ ]*\) .*/\1/p' | head -1)
in_ns env SUDO_USER=nightshift websocket-health-check $approve_cmd >"$work/approve.out" 2>&1 || fail "approve failed: $(cat "$work/approve.out")"
wait_until 20 "the approval restarted demo-ws.service" sh -c "[ \"\$(nsenter -t $sd -m -p -r systemctl show demo-ws.service --property=MainPID --value)\" != $new_pid ]"
approved_pid=$(main_pid)
[ "$(log_count ': Restart approved by nightshift (cli) (fail count: 3) demo-ws.service')" = 1 ] || fail "the approval is not logged with who"
in_ns env SUDO_USER=nightshift websocket-health-check $approve_cmd >"$work/approve-again.out" 2>&1 && fail "approving twice succeeded"
grep -q "the last request was approved" "$work/approve-again.out" || fail "approving twice did not say why: $(cat "$work/approve-again.out")"
wait_until 20 "re-armed on the new PID" state_is "$approved_pid:0"
sleep 2
[ "$(main_pid)" = "$approved_pid" ] || fail "restarted more than once"
step "approve mode: no restart over several ticks; approve restarted once ($new_pid -> $approved_pid); re-armed"

# --- 8. upgrade: the running timer restarts, an edited example.conf stays ----------------------
# The newer package is this one with a higher version in its control file (a real rebuild
# would take minutes and change nothing the upgrade path looks at).
in_ns sh -c 'echo "# a line the administrator added" >>/etc/websocket-health-check/example.conf'
dpkg-deb -R "$deb" "$work/next"
sed -i "s/^Version: .*/Version: ${version}+e2e1/" "$work/next/DEBIAN/control"
dpkg-deb --root-owner-group -Znone -b "$work/next" "$work/next.deb" >/dev/null
timer_since() { in_ns systemctl show websocket-health-check@demo.timer --property=ActiveEnterTimestampMonotonic --value; }
before=$(timer_since)
in_ns dpkg -i "$work/next.deb" >"$work/dpkg-upgrade.log" 2>&1 || fail "the upgrade failed: $(cat "$work/dpkg-upgrade.log")"
[ "$(in_ns dpkg-query -W -f '${Version}' websocket-health-check)" = "${version}+e2e1" ] || fail "the upgrade did not install ${version}+e2e1"
in_ns grep -q "a line the administrator added" /etc/websocket-health-check/example.conf || fail "the upgrade lost the edit to example.conf"
in_ns systemctl is-active --quiet websocket-health-check@demo.timer || fail "the timer is not running after the upgrade"
[ "$(timer_since)" != "$before" ] || fail "the upgrade did not restart the running timer"
in_ns sh -c ': >/run/websocket-health-check/demo.failcount'
wait_until 20 "a check after the upgrade" state_is "$approved_pid:0"
step "upgraded to ${version}+e2e1: timer restarted and checking, edited example.conf kept"

# --- 9. remove: stopped, configuration and logs kept --------------------------------------------
in_ns dpkg -r websocket-health-check >"$work/dpkg-remove.log" 2>&1 || fail "dpkg -r failed: $(cat "$work/dpkg-remove.log")"
! in_ns systemctl is-active --quiet websocket-health-check@demo.timer || fail "the timer still runs after remove"
in_ns test ! -e /usr/bin/websocket-health-check || fail "remove left the binary"
in_ns test ! -e /lib/systemd/system/websocket-health-check@.service || fail "remove left the units"
in_ns test -f /etc/websocket-health-check/example.conf || fail "remove took the conffile (only purge should)"
in_ns test -f /etc/websocket-health-check/demo.conf || fail "remove took the administrator's demo.conf"
in_ns test -f /var/log/websocket-health-check/demo.log || fail "remove took the trigger log (only purge should)"
[ "$(main_pid)" = "$approved_pid" ] || fail "removing the watchdog touched the watched service"
step "removed: timer stopped, binary and units gone; example.conf, demo.conf and the log kept"

# --- 10. purge: state and logs gone, the administrator's NAME.conf untouched ---------------------
in_ns dpkg -P websocket-health-check >"$work/dpkg-purge.log" 2>&1 || fail "dpkg -P failed: $(cat "$work/dpkg-purge.log")"
in_ns test ! -e /etc/websocket-health-check/example.conf || fail "purge left example.conf"
in_ns test -f /etc/websocket-health-check/demo.conf || fail "purge took the administrator's demo.conf"
in_ns test ! -e /var/log/websocket-health-check || fail "purge left /var/log/websocket-health-check"
in_ns test ! -e /run/websocket-health-check || fail "purge left /run/websocket-health-check"
in_ns sh -c '! ls /etc/systemd/system/timers.target.wants/ 2>/dev/null | grep -q websocket-health-check' \
  || fail "purge left the enabled instance's link"
status=$(in_ns dpkg-query -W -f '${db:Status-Status}' websocket-health-check 2>/dev/null || true)
[ -z "$status" ] || [ "$status" = not-installed ] || fail "dpkg still knows the package as $status"
step "purged: state, logs and links gone; demo.conf untouched"

# --- 11. power off ----------------------------------------------------------------------------
power_off
echo "systemd end-to-end: all steps passed"
