#!/usr/bin/env bash
# An administrator's first hour, on a real systemd (PID 1 of its own namespace, see
# lib/systemd-namespace.sh) with our .deb installed by dpkg, the shipped units and their
# hardening untouched:
#   1. cp example.conf edge.conf, set uri and unit, enable the timer: it checks (the shipped
#      example parses as shipped);
#   2. one journal line a healthy check and one a failing check (systemd's own lines out);
#   3. a restart budget of 2 within 1 h, crossed by timer runs and manual runs in turn: the
#      budget holds whoever runs the check (ProcSubset=pid hides the kernel's boot id from
#      the timer's runs, never from a shell);
#   4. a timer stopped, disabled, failed or missing: status, status --json and the dashboard
#      say the target is not watched (exit 5), and so does the metrics file.
# The timer runs every 2 s through a drop-in (the shipped 15 s would make this minutes long);
# edge.conf is the shipped example with the edits an administrator makes.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
test_name="systemd first hour"
source "$repo/Tests/e2e/lib/systemd-namespace.sh"
version=$(sed -n 's/^let packageVersion = "\(.*\)"$/\1/p' "$repo/Sources/Dashboard/CommandLine/Version.swift")
deb=${WHC_DEB:-$repo/.build/deb/websocket-health-check_${version}_$(dpkg --print-architecture).deb}
[ -f "$deb" ] || { echo "build the package first: make deb" >&2; exit 1; }
/usr/bin/python3 -c 'import websockets' 2>/dev/null || skip "needs python3-websockets"
command -v tmux >/dev/null || skip "needs tmux"

conf=/etc/websocket-health-check/edge.conf
show_failure() {
  echo "--- journal:"; in_ns journalctl -u websocket-health-check@edge.service -u demo-ws.service --no-pager -n 30
  echo "--- edge.conf:"; in_ns grep -v '^#' "$conf"
  echo "--- state: $(in_ns cat /run/websocket-health-check/edge.failcount 2>&1)"
  echo "--- record:"; in_ns cat /run/websocket-health-check/edge.failcount.policy 2>&1
  echo "--- trigger log:"; in_ns cat /var/log/websocket-health-check/edge.log 2>/dev/null
}
on_fail=show_failure
boot_systemd
install_package "$deb"

install_demo_service
fast_timer edge
in_ns mkdir -p /var/lib/prometheus/node-exporter
in_ns systemctl daemon-reload
in_ns systemctl start demo-ws.service

# --- 1. the shipped example, as the README says to use it --------------------------------------
in_ns cp /etc/websocket-health-check/example.conf "$conf"
in_ns sed -i -e "s|^uri = .*|uri = ws://127.0.0.1:$port/|" -e 's|^unit = .*|unit = demo-ws.service|' \
  -e 's|^timeout = .*|timeout = 2|' \
  -e 's|^# metrics-file = .*|metrics-file = /var/lib/prometheus/node-exporter/websocket-health-check-edge.prom|' "$conf"
in_ns systemctl enable --now websocket-health-check@edge.timer >/dev/null 2>&1
main_pid() { in_ns systemctl show demo-ws.service --property=MainPID --value; }
state_is() { [ "$(in_ns cat /run/websocket-health-check/edge.failcount 2>/dev/null)" = "$1" ]; }
pid=$(main_pid)
wait_until 20 "the shipped example's target armed ($pid:0)" state_is "$pid:0"
in_ns journalctl -u websocket-health-check@edge.service -o cat --no-pager | grep -q 'unknown key' \
  && fail "a run read a commented line of example.conf as a key"
step "example.conf copied, uri and unit set, timer enabled: checks run and arm"

# --- 2. journal lines a check ---------------------------------------------------------------------
lines_since() {  # lines_since CURSOR_FILE: every journal line about the check unit after the cursor
  in_ns journalctl -u websocket-health-check@edge.service --after-cursor "$(cat "$1")" -o cat --no-pager 2>/dev/null || true
}
in_ns journalctl -u websocket-health-check@edge.service -n 0 --show-cursor --no-pager | sed -n 's/^-- cursor: //p' >"$work/cursor"
sleep 10
healthy_lines=$(lines_since "$work/cursor")
runs=$(grep -c '^\[Info\] WebSocket healthy' <<<"$healthy_lines" || true)
total=$(grep -c . <<<"$healthy_lines" || true)
[ "$runs" -ge 3 ] || fail "only $runs healthy runs in 10 s: $healthy_lines"
[ "$total" = "$runs" ] || fail "$total journal lines for $runs healthy checks: $healthy_lines"
echo "healthy $runs $total" >"$work/journal-figures"
step "journal: $total lines for $runs healthy checks (systemd's Starting/Finished kept out)"

in_ns sed -i 's/^threshold = 6/threshold = 60/' "$conf"
in_ns kill -STOP "$pid"
in_ns journalctl -u websocket-health-check@edge.service -n 0 --show-cursor --no-pager | sed -n 's/^-- cursor: //p' >"$work/cursor"
sleep 12
failing_lines=$(lines_since "$work/cursor")
runs=$(grep -c '^\[Watchdog\] WebSocket not working!' <<<"$failing_lines" || true)
total=$(grep -c . <<<"$failing_lines" || true)
[ "$runs" -ge 2 ] || fail "only $runs failing runs in 12 s: $failing_lines"
[ "$total" = "$runs" ] || fail "$total journal lines for $runs failing checks: $failing_lines"
in_ns kill -CONT "$pid"
echo "failing $runs $total" >>"$work/journal-figures"
step "journal: $total lines for $runs failing checks"
wait_until 20 "healthy again" sh -c "nsenter -t $sd -m -p -r journalctl -u websocket-health-check@edge.service -n 1 -o cat | grep -q 'WebSocket healthy'"

# --- 3. the budget holds for timer runs and manual runs alike ----------------------------------------
in_ns sed -i -e 's/^threshold = 60/threshold = 1/' -e 's/^# max-restarts = 3/max-restarts = 2/' -e 's/^# within = 1h/within = 1h/' "$conf"
check_by_hand() { in_ns websocket-health-check check --config "$conf" >>"$work/manual.out" 2>&1 || true; }
restarts_logged() { in_ns grep -c 'Triggered restart!' /var/log/websocket-health-check/edge.log 2>/dev/null || true; }
freeze_after_armed() {  # waits for the current PID to be armed, then freezes it
  local current; current=$(main_pid)
  wait_until 20 "armed on $current" state_is "$current:0"
  in_ns kill -STOP "$current"
  echo "$current"
}
# Restart 1: by the timer.
p1=$(freeze_after_armed)
wait_until 20 "the timer restarted demo-ws.service (1 of 2)" sh -c "[ \"\$(nsenter -t $sd -m -p -r systemctl show demo-ws.service -P MainPID)\" != $p1 ]"
# Restart 2: by hand, with the timer stopped for the moment so that the manual run decides.
in_ns systemctl stop websocket-health-check@edge.timer websocket-health-check@edge.service
p2=$(main_pid)
# The restarted server may take a moment to listen: checks by hand until one arms it.
arms_by_hand() { in_ns websocket-health-check check --config "$conf" >/dev/null 2>&1; state_is "$p2:0"; }
wait_until 20 "a manual check arms the new PID $p2" arms_by_hand
in_ns kill -STOP "$p2"
check_by_hand
[ "$(main_pid)" != "$p2" ] || fail "the manual check did not restart (2 of 2): $(tail -3 "$work/manual.out")"
[ "$(restarts_logged)" = 2 ] || fail "expected 2 restarts logged, found $(restarts_logged)"
# Past the budget: the timer's runs and a manual run alike hold back.
in_ns systemctl start websocket-health-check@edge.timer
p3=$(freeze_after_armed)
wait_until 20 "the timer says the budget is spent" sh -c "nsenter -t $sd -m -p -r journalctl -u websocket-health-check@edge.service -o cat | grep -q 'Restart budget exhausted (2 within 1 h)'"
check_by_hand
sleep 5
[ "$(main_pid)" = "$p3" ] || fail "a third restart within the hour (timer or manual): $(tail -3 "$work/manual.out")"
[ "$(restarts_logged)" = 2 ] || fail "expected still 2 restarts logged, found $(restarts_logged)"
grep -q 'Restart budget exhausted\|restart budget' "$work/manual.out" || fail "the manual run did not say the budget is spent: $(cat "$work/manual.out")"
used=$({ in_ns websocket-health-check status edge --json || true; } | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["targets"][0]["budget"]["used"])')
[ "$used" = 2 ] || fail "status --json says $used restarts used, not 2"
in_ns kill -CONT "$p3"
step "budget 2/1h: timer restart, manual restart, then neither restarts; status --json used 2"

# --- 4. whether the target is watched -------------------------------------------------------------------
in_ns sed -i -e 's/^max-restarts = 2/# max-restarts = 3/' -e 's/^within = 1h/# within = 1h/' "$conf"
wait_until 20 "healthy again" sh -c "nsenter -t $sd -m -p -r websocket-health-check status edge"
status_says() {  # status_says EXIT WORD TOKEN [ARGS]: status exits EXIT, its table says WORD, its JSON TOKEN
  local want=$1 word=$2 token=$3 got=0; shift 3
  in_ns websocket-health-check status edge "$@" >"$work/status.out" 2>&1 || got=$?
  [ "$got" = "$want" ] || fail "status exited $got, not $want: $(cat "$work/status.out")"
  grep -q "  $word  " "$work/status.out" || fail "status does not say $word: $(cat "$work/status.out")"
  got=$({ in_ns websocket-health-check status edge --json "$@" || true; } | /usr/bin/python3 -c 'import json,sys; t=json.load(sys.stdin)["targets"][0]["timer"]; print(t["problem"] or "none")')
  [ "$got" = "$token" ] || fail "status --json says timer problem $got, not $token"
}
status_says 0 "next [0-9]* s" none
dashboard_says() {  # dashboard_says ROW VIEW: at 100x30 the list shows ROW in edge's row; Enter opens edge's view, which shows VIEW
  in_ns tmux kill-session -t whc-first-hour 2>/dev/null || true
  # What the dashboard says on leaving is kept: a pane that closes takes its last words along.
  in_ns tmux new-session -d -s whc-first-hour -x 100 -y 30 \
    "TERM=xterm-256color LANG=C.UTF-8 websocket-health-check dashboard 2>$work/dashboard.err; echo \"exit \$?\" >>$work/dashboard.err"
  local deadline=$(( $(date +%s) + 10 ))
  until in_ns tmux capture-pane -t whc-first-hour -p | grep -E '^. edge ' | grep -q -- "$1"; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "the dashboard's list never showed '$1' for edge: $(in_ns tmux capture-pane -t whc-first-hour -p 2>&1); the dashboard's stderr: $(cat "$work/dashboard.err" 2>&1)"
    sleep 0.2
  done
  in_ns tmux send-keys -t whc-first-hour Enter
  deadline=$(( $(date +%s) + 10 ))
  until in_ns tmux capture-pane -t whc-first-hour -p -J | grep -q -- "$2"; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "edge's view never showed '$2': $(in_ns tmux capture-pane -t whc-first-hour -p)"
    sleep 0.2
  done
  in_ns tmux kill-session -t whc-first-hour
}
# A second target, so that the dashboard opens on the list of the box.
in_ns sh -c "sed 's/^unit = .*/unit = spare.service/' $conf >/etc/websocket-health-check/spare.conf"
metric() { in_ns sed -n "s/^$1{.*} \([0-9]*\)\(\.0\)\{0,1\}$/\1/p" /var/lib/prometheus/node-exporter/websocket-health-check-edge.prom; }
[ "$(metric websocket_timer_enabled)" = 1 ] && [ "$(metric websocket_check_interval_seconds)" = 2 ] \
  || fail "metrics: timer enabled $(metric websocket_timer_enabled), interval $(metric websocket_check_interval_seconds)"
dashboard_says ' s$' 'next timer check in'
step "watched: status 0 with the next run, the dashboard counts down, metrics name the 2 s timer"

in_ns systemctl stop websocket-health-check@edge.timer
status_says 5 STOPPED stopped
dashboard_says 'STOPPED' 'is stopped: nothing runs the checks'
in_ns websocket-health-check check --config "$conf" >/dev/null 2>&1
[ "$(metric websocket_timer_active)" = 0 ] || fail "metrics: a check by hand did not see the timer stopped"
step "stopped: status exit 5 STOPPED, the dashboard marks it, metrics timer_active 0"

in_ns systemctl start websocket-health-check@edge.timer
in_ns systemctl disable websocket-health-check@edge.timer >/dev/null 2>&1
status_says 5 DISABLED not-enabled
dashboard_says 'DISABLED' 'runs but is not enabled'
metric_is() { [ "$(metric "$1")" = "$2" ]; }
wait_until 10 "metrics say not enabled" metric_is websocket_timer_enabled 0
in_ns systemctl enable websocket-health-check@edge.timer >/dev/null 2>&1
status_says 0 "next [0-9]* s" none
step "not enabled: status exit 5 DISABLED, the dashboard marks it, metrics timer_enabled 0"

# A timer whose service cannot start fails (systemd: "Failed with result 'resources'").
in_ns systemctl mask websocket-health-check@edge.service >/dev/null 2>&1
wait_until 10 "the timer failed" sh -c "[ \"\$(nsenter -t $sd -m -p -r systemctl show websocket-health-check@edge.timer -P ActiveState)\" = failed ]"
status_says 5 FAILED failed
dashboard_says 'FAILED' 'has failed: nothing runs the checks'
in_ns systemctl unmask websocket-health-check@edge.service >/dev/null 2>&1
in_ns systemctl reset-failed websocket-health-check@edge.timer
in_ns systemctl start websocket-health-check@edge.timer
step "failed: status exit 5 FAILED, the dashboard marks it"

status_says 5 MISSING missing --timer nowhere-else.timer
step "missing: status --timer of a timer systemd does not have: exit 5 MISSING"

# Checks that stop coming while the timer runs: something holds the state directory's lock,
# so every run gives up after 5 s without a check; after three intervals the target is stale.
# -o: sleep does not inherit the lock, so ending flock ends it.
in_ns flock -o /run/websocket-health-check sleep 40 &
locker=$!
wait_until 30 "status says STALE" sh -c "nsenter -t $sd -m -p -r websocket-health-check status edge | grep -q '  STALE  '"
status_says 5 STALE stale
wait_until 15 "the journal says why the checks stopped" sh -c \
  "nsenter -t $sd -m -p -r journalctl -u websocket-health-check@edge.service -o cat --no-pager | grep -q 'another check has held the lock'"
in_ns pkill -f 'flock -o /run/websocket-health-check' || true
wait "$locker" 2>/dev/null || true
wait_until 20 "checks again" sh -c "nsenter -t $sd -m -p -r websocket-health-check status edge"
step "stale: a held lock stops the checks; status exit 5 STALE, the journal says why; back after"

power_off
read -r _ healthy_runs healthy_total < <(grep healthy "$work/journal-figures")
read -r _ failing_runs failing_total < <(grep failing "$work/journal-figures")
echo "systemd first hour: all steps passed (journal: $healthy_total lines / $healthy_runs healthy checks, $failing_total / $failing_runs failing)"
