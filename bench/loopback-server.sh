# Sourced by the benchmarks and the end-to-end tests: a WebSocket server nobody here wrote
# (bench/ws_server.py on Debian's python3-websockets) on a loopback port the kernel picks.

# start_ws_server LOG: starts it, logging to LOG; sets $server (its PID) and $port.
start_ws_server() {
  /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/ws_server.py" 127.0.0.1 0 >"$1" 2>&1 &
  server=$!
  for _ in $(seq 50); do
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$1")
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  echo "the test WebSocket server did not start: $(cat "$1")" >&2
  return 1
}
