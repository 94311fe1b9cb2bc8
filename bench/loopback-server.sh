# Sourced by the benchmarks and the end-to-end tests: a WebSocket server nobody here wrote
# (bench/ws_server.py on Debian's python3-websockets) on a loopback port the kernel picks,
# and the benchmarks' stand-in systemctl.

# start_ws_server LOG: starts it, logging to LOG; sets $server (its PID) and $port.
start_ws_server() {
  # The log exists before the server starts: the loop below may read it before the
  # background shell has opened it.
  : >"$1"
  /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/ws_server.py" 127.0.0.1 0 >>"$1" 2>&1 &
  server=$!
  for _ in $(seq 100); do  # 10 s: Python's start-up is slow on a busy machine
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$1")
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  echo "the test WebSocket server did not start: $(cat "$1")" >&2
  return 1
}

# stand_in_systemctl DIR [CALLS]: DIR/bin/systemctl says every unit runs as MainPID 4242 (one
# block per unit named, as the real one answers `show` of several), timers are enabled, run
# and fire in 7 s, and restarts nothing; with CALLS, it records every call there (one line
# each). The benchmarks put DIR/bin first on PATH so ours and the reference see the same. It
# starts `date` once, and only when a timer is asked: a check's `show` of a service must cost
# the same whichever properties it asks for, as the real one's does (ours asks three, the
# reference one).
stand_in_systemctl() {
  mkdir -p "$1/bin"
  cat >"$1/bin/systemctl" <<'SH'
#!/bin/sh
[ -z "@CALLS@" ] || printf '%s\n' "$*" >> "@CALLS@"
case "$*" in *--value*) echo 4242; exit 0 ;; esac
[ "$1" = show ] || exit 0
first=1
next=
for arg in "$@"; do
  case "$arg" in show|-*) continue ;; esac
  [ "$first" = 1 ] || echo
  first=0
  case "$arg" in
    *.timer)
      [ -n "$next" ] || next=$(( $(date +%s) + 7 ))
      printf 'LoadState=loaded\nActiveState=active\nUnitFileState=enabled\nNextElapseUSecRealtime=@%s\n' "$next" ;;
    *) printf 'MainPID=4242\nLoadState=loaded\nActiveState=active\n' ;;
  esac
done
SH
  # The path is written into the script: tmux's sessions may not inherit our environment.
  sed -i "s|@CALLS@|${2:-}|g" "$1/bin/systemctl"
  chmod +x "$1/bin/systemctl"
}

# bench_on_loopback NAME: what every benchmark starts with: a work directory (removed with the
# server on exit), the stand-in systemctl first on PATH, and the loopback server; sets $work,
# $server and $port.
bench_on_loopback() {
  work=$(mktemp -d "/tmp/whc-$1.XXXXXX")
  trap '[ -z "${server:-}" ] || kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
  stand_in_systemctl "$work"
  export PATH="$work/bin:$PATH"
  start_ws_server "$work/server.log"
}
