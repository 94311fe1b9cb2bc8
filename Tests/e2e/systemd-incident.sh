#!/usr/bin/env bash
# Evidence before a restart, on a real systemd (PID 1 of its own PID namespace) with the
# package installed as shipped, every hardening line in force: a Java service whose request
# threads all wait on one lock while its front still accepts (Tests/e2e/incident/Wedge.java,
# compiled here with Debian's JDK) and a Python one that never answers. For each: the report
# exists before the restart, the JVM's holds its thread dump and names the blocked threads and
# their frame, the Python service is never sent SIGQUIT. Then approve mode (the report is
# there when the request is; rejecting leaves the JVM running), a JVM that ignores SIGQUIT
# (-Xrs), and a report directory that is full, not this root's to write, or read-only: each
# restarts on time.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
test_name="incident reports under systemd"
source "$repo/Tests/e2e/lib/systemd-namespace.sh"
version=$(sed -n 's/^let packageVersion = "\(.*\)"$/\1/p' "$repo/Sources/Dashboard/CommandLine/Version.swift")
deb=${WHC_DEB:-$repo/.build/deb/websocket-health-check_${version}_$(dpkg --print-architecture).deb}
[ -f "$deb" ] || { echo "build the package first: make deb" >&2; exit 1; }
command -v javac >/dev/null || skip "needs a JDK (apt-get install -y openjdk-17-jdk-headless)"

show_failure() {
  echo "--- journal:"
  in_ns journalctl -u 'websocket-health-check@*' -u 'wedge*' -u 'silent*' --no-pager -n 60
  echo "--- trigger logs:"; in_ns sh -c 'tail -n 5 /var/log/websocket-health-check/*.log' 2>/dev/null
  echo "--- reports:"; in_ns sh -c 'ls -la /var/lib/websocket-health-check/reports/*' 2>/dev/null
}
on_fail=show_failure

mkdir -p "$work/classes"
javac -d "$work/classes" "$repo/Tests/e2e/incident/Wedge.java"
boot_systemd
install_package "$deb"
in_ns mkdir -p /usr/local/lib/wedge
in_ns sh -c "cp $work/classes/*.class /usr/local/lib/wedge/"
in_ns install -m 0644 "$repo/Tests/e2e/incident/silent.py" /usr/local/lib/silent.py
step "installed $(basename "$deb"); Wedge.java compiled with $(javac -version 2>&1)"

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
main_pid() { in_ns systemctl show "$1.service" --property=MainPID --value; }
reports() { in_ns sh -c "ls /var/lib/websocket-health-check/reports/$1/ 2>/dev/null | grep '\.report\$'" || true; }
# target NAME MODE EXEC...: NAME.service running EXEC, NAME.conf watching it, its fast timer on.
target() {
  local name=$1 mode=$2; shift 2
  port=$(free_port)
  in_ns sh -c "cat >/etc/systemd/system/$name.service" <<UNIT
[Unit]
Description=$name, a service to watch
[Service]
ExecStart=$* $port
UNIT
  in_ns sh -c "cat >/etc/websocket-health-check/$name.conf" <<CONF
uri = ws://127.0.0.1:$port/
unit = $name.service
threshold = 2
mode = $mode
timeout = 1
CONF
  fast_timer "$name"
  in_ns systemctl daemon-reload
  in_ns systemctl start "$name.service"
  wait_until 20 "$name listens on $port" bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"
  in_ns systemctl enable --now "websocket-health-check@$name.timer" >/dev/null 2>&1
}
stop_target() {
  in_ns systemctl disable --now "websocket-health-check@$1.timer" >/dev/null 2>&1
  in_ns systemctl stop "$1.service"
}
# restarted NAME PID: NAME.service runs another MainPID than PID.
restarted() { local now; now=$(main_pid "$1"); [ -n "$now" ] && [ "$now" != 0 ] && [ "$now" != "$2" ]; }
# The realtime second the service's current process started, and a file's.
started_at() { date -d "$(in_ns systemctl show "$1.service" --property=ExecMainStartTimestamp --value)" +%s; }
mtime() { in_ns stat -c %Y "$1"; }

java=/usr/bin/java
summary_line="10 of 10 threads of pool-1 WAITING at Wedge\$Handler.run"

# --- 1. a wedged JVM, auto mode: the report, with its dump, before the restart -----------------
target wedge auto "$java -cp /usr/local/lib/wedge Wedge"
pid=$(main_pid wedge)
wait_until 40 "wedge.service restarted" restarted wedge "$pid"
in_ns systemctl stop websocket-health-check@wedge.timer
report=/var/lib/websocket-health-check/reports/wedge/$(reports wedge | tail -1)
[ "$(reports wedge | wc -l)" = 1 ] || fail "expected one report, found: $(reports wedge)"
[ "$(in_ns stat -c %a "$report")" = 600 ] || fail "the report is mode $(in_ns stat -c %a "$report"), not 600"
[ "$(in_ns stat -c %a /var/lib/websocket-health-check/reports/wedge)" = 700 ] || fail "the report directory is not 700"
[ "$(mtime "$report")" -le "$(started_at wedge)" ] || fail "the report was written after the new process started"
in_ns grep -qF "$summary_line" "$report" || fail "the summary does not name the blocked threads: $(in_ns sed -n '1,20p' "$report")"
in_ns grep -q '^Full thread dump OpenJDK' "$report" || fail "no thread dump in the report"
in_ns grep -q '^    at Wedge\$Handler.run(Wedge.java' "$report" || fail "the dump lacks the handler's frame"
for section in "== service (systemd) ==" "== main process (/proc) ==" "== box ==" "== journal" "== episode"; do
  in_ns grep -qF -- "$section" "$report" || fail "no '$section' in the report"
done
in_ns grep -q "^executable  *$(readlink -f $java)\$" "$report" || fail "the process's executable is not in the report"
in_ns grep -q '^free on /var/log ' "$report" || fail "no free space of /var/log"
# What the failing probe sent, and that nothing came back from the wedged pool.
in_ns grep -q '^→ GET / HTTP/1.1$' "$report" && in_ns grep -q '^← (nothing came back)$' "$report" \
  || fail "the failing probe's exchange is not in the report"
in_ns grep -q "^MainPID  *$pid\$" "$report" || fail "systemd's MainPID $pid is not in the report"
in_ns grep -q "Triggered restart! (fail count: 2) wedge.service: .* (incident report: $report)" \
  /var/log/websocket-health-check/wedge.log || fail "the trigger log does not name the report"
in_ns journalctl -u websocket-health-check@wedge.service -p warning --no-pager -o cat \
  | grep -qF "Incident report $report: " || fail "the journal does not name the report at warning priority"
step "wedged JVM: report (0600) before the restart, its dump summarised: $summary_line"
stop_target wedge

# --- 2. a Python service: everything but a dump, and never a SIGQUIT ---------------------------
target silent auto /usr/bin/python3 /usr/local/lib/silent.py /run/silent-quit
pid=$(main_pid silent)
wait_until 40 "silent.service restarted" restarted silent "$pid"
in_ns systemctl stop websocket-health-check@silent.timer
report=/var/lib/websocket-health-check/reports/silent/$(reports silent | tail -1)
in_ns test ! -e /run/silent-quit || fail "the Python service was sent SIGQUIT"
in_ns grep -q '^thread dump: none, its executable /usr/bin/python3[.0-9]* is not a JVM' "$report" \
  || fail "the report does not say why there is no dump: $(in_ns sed -n '1,12p' "$report")"
in_ns grep -q '^== journal' "$report" && in_ns grep -q '^threads  *[0-9]' "$report" || fail "the Python report lacks its process or journal"
[ "$(mtime "$report")" -le "$(started_at silent)" ] || fail "the Python report came after the restart"
step "Python service: a report without a dump, no SIGQUIT sent, restarted"
stop_target silent

# --- 3. approve: the report when the request is made; no leaves the JVM running ----------------
target asked approve "$java -cp /usr/local/lib/wedge Wedge"
pid=$(main_pid asked)
wait_until 40 "a restart request for asked.service" sh -c \
  "nsenter -t $sd -m -p -r grep -q 'Restart awaiting approval (fail count: 2) asked.service: .*(incident report: ' /var/log/websocket-health-check/asked.log"
report=/var/lib/websocket-health-check/reports/asked/$(reports asked | tail -1)
in_ns grep -qF "$summary_line" "$report" || fail "the request's report has no dump summary"
in_ns websocket-health-check reject --config /etc/websocket-health-check/asked.conf >"$work/reject.out" 2>&1 \
  || fail "reject failed: $(cat "$work/reject.out")"
sleep 5
[ "$(main_pid asked)" = "$pid" ] || fail "rejecting restarted the JVM"
in_ns systemctl is-active --quiet asked.service || fail "the JVM died after its thread dump"
[ "$(reports asked | wc -l)" = 1 ] || fail "more than one report for one request: $(reports asked)"
step "approve: report at the request, with the dump; rejected, the JVM ($pid) runs on"
stop_target asked

# --- 4. a JVM that ignores SIGQUIT (-Xrs): no dump, restarted within the report's bound ----------
target deaf auto "$java -Xrs -cp /usr/local/lib/wedge Wedge"
pid=$(main_pid deaf)
wait_until 60 "deaf.service restarted" restarted deaf "$pid"
in_ns systemctl stop websocket-health-check@deaf.timer
report=/var/lib/websocket-health-check/reports/deaf/$(reports deaf | tail -1)
in_ns grep -q '^thread dump: none came back' "$report" || fail "the report does not say the dump never came"
in_ns systemctl is-active --quiet deaf.service || fail "deaf.service is not running after its restart"
# From the check before the threshold's (1/2) to the new process: the timer's 2 s, the 1 s
# probe, the report's 10 s bound, and the restart; more means the report held it back.
before=$(in_ns journalctl -u websocket-health-check@deaf.service --no-pager -o short-unix \
  | sed -n 's/^\([0-9]*\)\..*WebSocket not working! (1\/2).*/\1/p' | tail -1)
delay=$(( $(started_at deaf) - before ))
[ "$delay" -le 16 ] || fail "the restart came ${delay}s after the check before the threshold, past the report's bound"
step "-Xrs JVM: no dump came back; restarted ${delay}s after the check before the threshold (bound 16 s)"
stop_target deaf

# --- 5. report directories a report cannot be written to: restarted all the same ------------
reports_dir=/var/lib/websocket-health-check/reports
# restarts_without_report NAME WHY: NAME's wedged JVM is restarted although its report
# directory (prepared by the caller) takes no report; the trigger log says WHY, the journal warns.
restarts_without_report() {
  target "$1" auto "$java -cp /usr/local/lib/wedge Wedge"
  local pid; pid=$(main_pid "$1")
  wait_until 40 "$1.service restarted although its report could not be written" restarted "$1" "$pid"
  in_ns systemctl stop "websocket-health-check@$1.timer"
  in_ns grep -q "Incident report not written $1.service: .*$2" "/var/log/websocket-health-check/$1.log" \
    || fail "'$2' is not said in the trigger log: $(in_ns tail -2 "/var/log/websocket-health-check/$1.log")"
  in_ns journalctl -u "websocket-health-check@$1.service" --no-pager -o cat \
    | grep -q 'incident report not written: .*the restart goes ahead without it' \
    || fail "the console did not warn that $1's report was not written"
  stop_target "$1"
}
in_ns mkdir -p "$reports_dir/full" "$reports_dir/closed" "$reports_dir/frozen"
in_ns mount -t tmpfs -o size=16k tmpfs "$reports_dir/full"
in_ns sh -c "dd if=/dev/zero of=$reports_dir/full/filler bs=4k count=16 2>/dev/null || true"
restarts_without_report full 'No space left on device'
in_ns umount "$reports_dir/full"
in_ns chown nobody "$reports_dir/closed"
in_ns chmod 500 "$reports_dir/closed"
restarts_without_report closed 'Permission denied'
in_ns mount --bind "$reports_dir/frozen" "$reports_dir/frozen"
in_ns mount -o remount,bind,ro "$reports_dir/frozen"
restarts_without_report frozen 'Read-only file system'
in_ns umount "$reports_dir/frozen"
step "a full report directory, one it may not write, a read-only one: one warning each, restarted on time"

exposure=$(in_ns systemd-analyze security websocket-health-check@wedge.service --no-pager 2>/dev/null \
  | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
awk -v e="${exposure:-99}" 'BEGIN { exit !(e < 3.0) }' || fail "systemd-analyze security exposure is ${exposure:-unknown}, not under 3.0"
step "the unit's exposure with CAP_SYS_PTRACE and StateDirectory: $exposure"
power_off
echo "incident reports under systemd: all steps passed"
