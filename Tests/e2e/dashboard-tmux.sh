#!/usr/bin/env bash
# The dashboard as an operator uses it: the real binary in a real terminal (tmux), against a
# real WebSocket server nobody here wrote (Debian's python3-websockets), with a stand-in
# systemctl on PATH that records its calls (a real systemd runs in systemd-e2e.sh instead).
# Presses p, d, R then y, resizes, quits; checks the screen, state file, log and calls.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${WHC_BINARY:-.build/debug/websocket-health-check}
[ -x "$bin" ] || { echo "build first: swift build" >&2; exit 1; }
command -v tmux >/dev/null || { echo "SKIP: tmux missing (apt-get install -y tmux)"; exit 0; }

work=$(mktemp -d /tmp/whc-tmux.XXXXXX)
session="whc-e2e-$$"
cleanup() {
  tmux kill-session -t "$session" 2>/dev/null || true
  [ -z "${server:-}" ] || kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
started=$(date +%s%N)
step() { local ms=$(( ($(date +%s%N) - started) / 1000000 )); printf '  %-64s %3d.%01ds\n' "$1" $((ms / 1000)) $((ms % 1000 / 100)); }
fail() {
  echo "FAIL: $1" >&2
  echo "--- screen:" >&2; tmux capture-pane -t "$session" -p >&2 || true
  echo "--- systemctl calls:" >&2; cat "$work/calls" >&2 2>/dev/null || true
  exit 1
}
screen() { tmux capture-pane -t "$session" -p -J; }
# Ends the session and waits: the last session's end stops tmux's server, and a new session
# must not race it ("server exited unexpectedly").
end_session() {
  tmux kill-session -t "$session" 2>/dev/null || true
  for _ in $(seq 50); do tmux has-session -t "$session" 2>/dev/null || break; sleep 0.1; done
  sleep 0.2
}
wait_for() {  # wait_for TEXT [seconds]
  local deadline=$(( $(date +%s) + ${2:-10} ))
  until screen | grep -qF -- "$1"; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "screen never showed: $1"
    sleep 0.1
  done
}

source bench/loopback-server.sh
# A stand-in systemctl that records its calls in $work/calls (a real systemd runs in systemd-e2e.sh).
stand_in_systemctl "$work" "$work/calls"
start_ws_server "$work/server.log"

state="$work/state/failcount"
log="$work/trigger.log"
tmux new-session -d -s "$session" -x 100 -y 30 \
  "PATH=$work/bin:\$PATH TERM=xterm-256color LANG=C.UTF-8 $bin dashboard ws://127.0.0.1:$port/ openems.service \
   --state-file $state --log-file $log --threshold 3 --interval 0.5 --timer websocket-health-check.timer \
   2>$work/stderr; echo \$? >$work/exit-status"
tmux set-option -t "$session" remain-on-exit on >/dev/null

wait_for "✔ ok"
wait_for "pid 4242 active"
wait_for "next timer check in"
step "first probe shown, with the service's PID and the timer"
[ ! -e "$state" ] || fail "the dashboard's own probes must not count"

tmux send-keys -t "$session" p
wait_for "check: healthy (connect"
[ "$(cat "$state")" = "4242:0" ] || fail "p did not run a counting check: state is $(cat "$state" 2>/dev/null)"
step "p ran one check: state armed at 4242:0"

tmux send-keys -t "$session" d
wait_for "dry run logged"
grep -q ': Dry run: Triggered restart! (fail count: 0) openems.service: manual dry run by ' "$log" \
  || fail "d did not log the dry-run line"
wait_for "Dry run: Triggered restart!"
! grep -q '^restart' "$work/calls" || fail "d restarted something"
step "d logged a dry run and restarted nothing"

tmux send-keys -t "$session" R
wait_for "restart openems.service?"
wait_for "systemctl restart -- openems.service"
! grep -q '^restart' "$work/calls" || fail "R restarted before y"
tmux send-keys -t "$session" y
wait_for "openems.service restarted (asked by"
grep -qx 'restart -- openems.service' "$work/calls" || fail "y did not run systemctl restart"
grep -q ': Triggered restart! (manual, asked by .*) openems.service$' "$log" || fail "the manual restart is not logged"
step "R showed the command, y restarted and logged who asked"

mv "$log" "$log.1"
wait_for "no restart triggered yet"
tmux send-keys -t "$session" d
wait_for "would run: systemctl restart -- openems.service"
[ "$(grep -c . "$log")" = 1 ] || fail "the rotated log did not start anew"
: >"$log"
wait_for "no restart triggered yet"
step "the log's tail follows rotation by rename and by truncation"

tmux resize-window -t "$session" -x 50 -y 10
wait_for "terminal too small (need 60x14)"
tmux resize-window -t "$session" -x 120 -y 40
wait_for "─ trigger log"
[ "$(screen | head -1 | wc -L)" -gt 100 ] || fail "the header was not redrawn at the new width"
step "resizes redraw: too-small message, then the full screen again"

# 50 failing checks and an approve at once on the state file the dashboard is showing.
printf '4242:0' >"$state"
closed=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pids=()
for _ in $(seq 50); do
  PATH="$work/bin:$PATH" "$bin" "ws://127.0.0.1:$closed/" openems.service --state-file "$state" --log-file "$log" \
    --threshold 1000 >/dev/null 2>&1 &
  pids+=($!)
done
PATH="$work/bin:$PATH" "$bin" approve "ws://127.0.0.1:$closed/" openems.service --state-file "$state" --log-file "$log" \
  >"$work/approve.out" 2>&1 &
approving=$!
for pid in "${pids[@]}"; do wait "$pid" || fail "a check of the 50 exited $?"; done
wait "$approving" && fail "approve found something to approve" || [ $? = 4 ] || fail "approve: $(cat "$work/approve.out")"
[ "$(cat "$state")" = "4242:50" ] || fail "50 checks at once left $(cat "$state"), not 4242:50"
wait_for "4242:50"
step "50 checks and an approve at once beside the dashboard: 4242:50 on file and on screen"

tmux send-keys -t "$session" q
for _ in $(seq 50); do [ -s "$work/exit-status" ] && break; sleep 0.1; done
[ -s "$work/exit-status" ] || fail "q did not quit"
[ "$(cat "$work/exit-status")" = 0 ] || fail "q quit with status $(cat "$work/exit-status"): $(cat "$work/stderr")"
! screen | grep -q "trigger log" || fail "the terminal was not restored"
step "q quit with status 0 and gave the terminal back"
end_session

# Where operators are not: no terminal, an unknown TERM.
out=$("$bin" dashboard ws://127.0.0.1:$port/ openems.service --state-file "$state" --log-file "$log" </dev/null 2>&1 >/dev/null) \
  && fail "no terminal must be an error"
echo "$out" | grep -q "needs a terminal" || fail "no clear message without a terminal: $out"
tmux new-session -d -s "$session" -x 80 -y 24 \
  "PATH=$work/bin:\$PATH TERM=no-such-terminal $bin dashboard ws://127.0.0.1:$port/ openems.service \
   --state-file $state --log-file $log 2>$work/term-stderr; echo \$? >$work/term-status"
for _ in $(seq 50); do [ -s "$work/term-status" ] && break; sleep 0.1; done
[ "$(cat "$work/term-status" 2>/dev/null)" = 1 ] || fail "an unknown TERM must exit 1"
[ "$(wc -l <"$work/term-stderr")" = 1 ] && grep -q "unknown terminal type TERM='no-such-terminal'" "$work/term-stderr" \
  || fail "an unknown TERM must say so in one line: $(cat "$work/term-stderr")"
step "no terminal and an unknown TERM: one clear line each, non-zero exit"
# Other terminals: colourless, ASCII-only, the Linux console; quit by Ctrl-C and by SIGTERM.
run_in() {  # run_in TERM LANG: start the dashboard in a fresh session
  end_session
  rm -f "$work/exit-status"
  tmux new-session -d -s "$session" -x 80 -y 24 \
    "PATH=$work/bin:\$PATH TERM=$1 LANG=$2 LC_ALL=$2 $bin dashboard ws://127.0.0.1:$port/ openems.service \
     --state-file $state --log-file $log --interval 0.5 2>$work/stderr; echo \$? >$work/exit-status" \; \
    set-option -t "$session" remain-on-exit on >/dev/null
}
wait_exit() {
  for _ in $(seq 50); do [ -s "$work/exit-status" ] && break; sleep 0.1; done
  [ "$(cat "$work/exit-status" 2>/dev/null)" = 0 ] || fail "$1: exit status $(cat "$work/exit-status" 2>/dev/null): $(cat "$work/stderr")"
}
for term in screen tmux-256color linux vt100; do
  run_in "$term" C
  wait_for "OK ok"
  wait_for "p check now"
  screen | grep -q '[─█░⣀]' && fail "TERM=$term LANG=C drew non-ASCII characters"
  tmux send-keys -t "$session" C-c
  wait_exit "Ctrl-C under TERM=$term"
done
step "TERM=screen, tmux-256color, linux, vt100 with LANG=C: ASCII only; Ctrl-C quits cleanly"
run_in xterm-256color C.UTF-8
wait_for "✔ ok"
pkill -TERM -f "^$bin dashboard ws://127.0.0.1:$port/" || fail "no dashboard to send SIGTERM to"
wait_exit "SIGTERM"
! screen | grep -q "trigger log" || fail "SIGTERM left the dashboard on the screen"
step "SIGTERM quits with status 0 and restores the terminal"

# q while a probe waits on a server that accepts TCP and never answers (the default 10 s
# timeout): the dashboard quits at once, not when the probe gives up.
end_session
silent=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
/usr/bin/python3 -c "import socket, time; s=socket.socket(); s.bind(('127.0.0.1', $silent)); s.listen(8); time.sleep(60)" &
listener=$!
: >"$work/exit-status"
tmux new-session -d -s "$session" -x 100 -y 30 \
  "PATH=$work/bin:\$PATH TERM=xterm-256color LANG=C.UTF-8 $bin dashboard ws://127.0.0.1:$silent/ openems.service \
   --state-file $work/silent/failcount --log-file $work/silent.log 2>$work/stderr; echo \$? >$work/exit-status" \; \
  set-option -t "$session" remain-on-exit on >/dev/null
wait_for "openems.service"
sleep 1.5  # the first probe is in flight now, with 8.5 s left
began=$(date +%s%N)
tmux send-keys -t "$session" q
wait_exit "q with a probe in flight"
took=$(( ($(date +%s%N) - began) / 1000000 ))
kill "$listener" 2>/dev/null || true
[ "$took" -lt 2000 ] || fail "q took $took ms with a probe in flight"
step "q quits at once ($took ms) while a probe waits on a silent server"

# Approval: a pending request shows as a banner (over help too, and read-only), A shows the
# exact command, y restarts once, the log names who and where.
end_session
astate="$work/approve/failcount"
alog="$work/approve.log"
dead="ws://127.0.0.1:1/"
approve_opts="--state-file $astate --log-file $alog --threshold 1 --restart-mode approve"
mkdir -p "$work/approve" && chmod 700 "$work/approve" && printf '4242:0' >"$astate"
: >"$work/calls"
PATH="$work/bin:$PATH" "$bin" $dead openems.service $approve_opts >"$work/approve.out" 2>&1 || true
grep -q 'Restart awaiting approval (fail count: 1) openems.service: connection refused' "$alog" \
  || fail "the approve-mode check did not ask: $(cat "$work/approve.out")"
grep -q "To restart it: websocket-health-check approve $dead openems.service --state-file $astate --log-file $alog" "$work/approve.out" \
  || fail "the check did not say how to approve: $(cat "$work/approve.out")"
tmux new-session -d -s "$session" -x 100 -y 30 \
  "PATH=$work/bin:\$PATH TERM=xterm-256color LANG=C.UTF-8 $bin dashboard $dead openems.service $approve_opts --readonly"
wait_for "RESTART AWAITING APPROVAL"
tmux send-keys -t "$session" A
wait_for "read-only dashboard (--readonly): approve with: websocket-health-check approve"
tmux send-keys -t "$session" q
end_session
tmux new-session -d -s "$session" -x 100 -y 30 \
  "PATH=$work/bin:\$PATH TERM=xterm-256color LANG=C.UTF-8 SUDO_USER=nightshift $bin dashboard $dead openems.service $approve_opts"
wait_for "RESTART AWAITING APPROVAL"
tmux send-keys -t "$session" '?'
wait_for "A        decide a pending restart request"
screen | grep -q "RESTART AWAITING APPROVAL" || fail "the help hid the approval banner"
tmux send-keys -t "$session" Escape
tmux send-keys -t "$session" A
wait_for "approve the restart of openems.service?"
wait_for "systemctl restart -- openems.service"
! grep -q '^restart' "$work/calls" || fail "A restarted before y"
tmux send-keys -t "$session" y
wait_for "approved by nightshift (dashboard): openems.service restarted"
[ "$(grep -c '^restart' "$work/calls")" = 1 ] || fail "y did not restart exactly once: $(cat "$work/calls")"
grep -q ': Restart approved by nightshift (dashboard) (fail count: 1) openems.service$' "$alog" \
  || fail "the approval is not logged with who and where: $(cat "$alog")"
tmux send-keys -t "$session" q
end_session
step "approval: banner (over help, read-only too), A shows the command, y restarts once, logged"

# The past at open: twenty timer runs of the real binary, then a dashboard opened at 80x24
# says since when the service fails and shows the hour, before its own first probe counts.
end_session
hstate="$work/history/failcount"
mkdir -p "$work/history" && chmod 700 "$work/history"
for _ in $(seq 20); do
  PATH="$work/bin:$PATH" "$bin" "ws://127.0.0.1:$closed/" openems.service --state-file "$hstate" \
    --log-file "$work/history.log" --threshold 50 >/dev/null 2>&1 || fail "a timer run exited $?"
done
first=$(head -1 "$hstate.history" | cut -f1)
since=$(date -d "@$((first / 1000))" +%H:%M:%S)
tmux new-session -d -s "$session" -x 80 -y 24 \
  "PATH=$work/bin:\$PATH TERM=xterm-256color LANG=C.UTF-8 $bin dashboard ws://127.0.0.1:$closed/ openems.service \
   --state-file $hstate --log-file $work/history.log --threshold 50"
wait_for "timer: failing since $since (20 checks)"
wait_for "last 1 h: 20 checks, 20 failed"
screen | grep -q "last hour .*×" || fail "the last hour's sparkline does not mark the failed checks"
end_session
step "opened after twenty timer runs: failing since $since (20 checks), the hour's sparkline"

# The box: three targets in a config directory; select the failing one, open it, p checks it
# and no other target's state moves; back, filter, quit.
end_session
conf="$work/conf"
mkdir -p "$conf" "$work/box" && chmod 700 "$work/box"
for target in edge backend ui; do
  target_uri="ws://127.0.0.1:$port/"
  [ "$target" = backend ] && target_uri="ws://127.0.0.1:1/"
  printf 'uri = %s\nunit = %s.service\nthreshold = 3\nstate-file = %s\nlog-file = %s\n' \
    "$target_uri" "$target" "$work/box/$target.failcount" "$work/box/$target.log" >"$conf/$target.conf"
done
printf '4242:0' >"$work/box/backend.failcount"
printf 'uri = ws://example.invalid/\nunit = example.service\n' >"$conf/example.conf"
tmux new-session -d -s "$session" -x 100 -y 30 \
  "PATH=$work/bin:\$PATH TERM=xterm-256color LANG=C.UTF-8 $bin dashboard --config-dir $conf --interval 0.5"
wait_for "3 targets: 1 failing"
wait_for "! backend  FAILING"
wait_for "connection refused: nothing listens on that port"
screen | grep -q "example" && fail "example.conf is not a target"
grep -q 'show .*-- backend.service edge.service ui.service websocket-health-check@backend.timer' "$work/calls" \
  || fail "systemd was not asked about every unit and timer in one call: $(tail -3 "$work/calls")"
tmux send-keys -t "$session" j
wait_for "▶ edge"
tmux send-keys -t "$session" k Enter
wait_for "→ backend.service"
tmux send-keys -t "$session" p
wait_for "check: not working (1/3)"
[ "$(cat "$work/box/backend.failcount")" = "4242:1" ] || fail "p did not count for backend: $(cat "$work/box/backend.failcount")"
[ ! -e "$work/box/edge.failcount" ] && [ ! -e "$work/box/ui.failcount" ] || fail "p moved another target's state"
tmux send-keys -t "$session" Escape
wait_for "3 targets: 1 failing"
tmux send-keys -t "$session" / u i Enter
wait_for "filter: ui   (1 of 3; Esc clears it)"
screen | grep -q "backend  FAILING" && fail "the filter kept backend"
tmux send-keys -t "$session" Escape
# The list follows its directory: a NAME.conf added, then one removed, while it runs.
printf 'uri = ws://127.0.0.1:%s/\nunit = extra.service\nstate-file = %s\nlog-file = %s\n' \
  "$port" "$work/box/extra.failcount" "$work/box/extra.log" >"$conf/extra.conf"
wait_for "config directory changed: added extra" 10
wait_for "4 targets: 1 failing"
wait_for "  extra  "
rm "$conf/ui.conf"
wait_for "config directory changed: removed ui" 10
wait_for "3 targets: 1 failing"
screen | grep -q "^  ui  " && fail "ui.conf is gone but ui is still listed"
# A person in one target's view stays there when the directory changes.
tmux send-keys -t "$session" Enter
sleep 0.5
screen | head -1 | grep -q "targets" && fail "Enter did not open the target's view"
printf 'uri = ws://127.0.0.1:%s/\nunit = late.service\nstate-file = %s\nlog-file = %s\n' \
  "$port" "$work/box/late.failcount" "$work/box/late.log" >"$conf/late.conf"
wait_for "config directory changed: added late" 10
screen | head -1 | grep -q "targets" && fail "a new .conf took the person out of the target's view"
tmux send-keys -t "$session" Escape
wait_for "4 targets: 1 failing"
tmux send-keys -t "$session" q
end_session
step "the box: three targets listed, the failing one opened, p counted only it, filter by name, a .conf added and removed"

# The demo: a wedge the handshake cannot see, the counter climbing, the restart, the service back.
end_session
tmux new-session -d -s "$session" -x 100 -y 30 "TERM=xterm-256color LANG=C.UTF-8 $bin demo --interval 1"
wait_for "DEMO (healthy)"
wait_for "4100:0"
tmux send-keys -t "$session" w
wait_for "DEMO (wedged)"
wait_for "no reply to the JSON-RPC request" 10
screen | grep -q "connect [0-9.]* ms  upgrade [0-9.]* ms  reply [0-9.]* m\?s" \
  || fail "the upgrade's time is not shown, with its unit, beside the failing reply"
wait_for "failures 2/3" 15
wait_for "Triggered restart! (fail count: 3) demo.service: no reply to the" 15
wait_for "pid 4101 active" 10
wait_for "4101:0" 10
tmux send-keys -t "$session" q
step "demo: w wedges the service (it still upgrades), the counter climbs, the restart fires, it comes back"

# The demo in approve mode, at 80x24: the restart waits for A and y; the keys that fold away
# are said to be in the help.
end_session
tmux new-session -d -s "$session" -x 80 -y 24 \
  "TERM=xterm-256color LANG=C.UTF-8 $bin demo --interval 1 --restart-mode approve"
wait_for "DEMO (healthy)"
wait_for "? more keys"
wait_for "4100:0"
tmux send-keys -t "$session" w
wait_for "RESTART AWAITING APPROVAL since" 15
wait_for "timer: restart awaiting approval since"
screen | grep -q "pid 4100 active" || fail "approve mode restarted without a yes"
tmux send-keys -t "$session" A
wait_for "approve the restart of demo.service?"
wait_for "(demo: restarts the in-process"
tmux send-keys -t "$session" y
wait_for "pid 4101 active" 10
tmux send-keys -t "$session" q
step "demo in approve mode at 80x24: the restart waits for A and y; folded keys point to help"
echo "dashboard in tmux: all steps passed"
