#!/usr/bin/env bash
# A probe that gives up after the upgrade (no reply within its deadline) says goodbye with a
# close frame, as seen from a server nobody here wrote: Debian's python3-websockets, whose
# handler never answers. Dropped without a close, websockets logs a traceback
# ("connection handler failed … no close frame received or sent") into the service's own log
# for every probe; closed politely, nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${WHC_BINARY:-.build/debug/websocket-health-check}
[ -x "$bin" ] || { echo "build first: swift build" >&2; exit 1; }
/usr/bin/python3 -c 'import websockets' 2>/dev/null || { echo "SKIP: python3-websockets missing"; exit 0; }

work=$(mktemp -d /tmp/whc-polite.XXXXXX)
cleanup() { [ -z "${server:-}" ] || kill "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $1" >&2; echo "--- server log:" >&2; cat "$work/server.log" >&2; exit 1; }

cat >"$work/silent.py" <<'PY'
import asyncio, logging, websockets
logging.basicConfig(level=logging.INFO)
async def handler(ws, path=None):
    async for _ in ws:
        pass  # takes every message, answers none: a wedged service
async def main():
    async with websockets.serve(handler, "127.0.0.1", 0) as server:
        print("listening on", server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()
asyncio.run(main())
PY
/usr/bin/python3 "$work/silent.py" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  port=$(sed -n 's/^listening on \([0-9]*\)$/\1/p' "$work/server.log")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || fail "the server did not start"

source bench/loopback-server.sh
stand_in_systemctl "$work"
for _ in 1 2 3; do
  PATH="$work/bin:$PATH" "$bin" "ws://127.0.0.1:$port/" silent.service --send status --timeout 1 \
    --state-file "$work/state/failcount" --log-file "$work/trigger.log" >"$work/check.out" 2>&1 || true
  grep -q 'no reply to our message within 1 s' "$work/check.out" || fail "the check did not time out on the reply: $(cat "$work/check.out")"
done
sleep 0.5
grep -q 'Traceback\|connection handler failed' "$work/server.log" && fail "the server logged a traceback for a probe"
grep -c 'connection open' "$work/server.log" | grep -q '^3$' || fail "the server did not see three connections"
echo "polite close: 3 probes gave up after the upgrade; python3-websockets logged no traceback"
