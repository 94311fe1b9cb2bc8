#!/usr/bin/env bash
# Debian's nginx in front, as on OpenEMS boxes (`location /websocket` proxied to the Java
# service): through it, a healthy backend is healthy; a frozen backend (SIGSTOP: nginx waits
# 60 s for it) fails at our own deadline, not nginx's; a backend that is gone is nginx's 502.
# Each check counts once.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${WHC_BINARY:-.build/debug/websocket-health-check}
[ -x "$bin" ] || { echo "build first: swift build" >&2; exit 1; }
command -v nginx >/dev/null || { echo "SKIP nginx: nginx missing (apt-get install -y nginx)"; exit 0; }

work=$(mktemp -d /tmp/whc-nginx.XXXXXX)
cleanup() {
  [ -z "${server:-}" ] || kill -CONT "$server" 2>/dev/null || true
  [ -z "${server:-}" ] || kill "$server" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $1" >&2; exit 1; }
step() { printf '  %s\n' "$1"; }

source bench/loopback-server.sh
stand_in_systemctl "$work"
export PATH="$work/bin:$PATH"
start_ws_server "$work/server.log"
front=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/temp"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
error_log $work/error.log;
pid $work/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $work/temp;
  proxy_temp_path $work/temp;
  server {
    listen 127.0.0.1:$front;
    location /websocket {
      proxy_pass http://127.0.0.1:$port/;
      proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection "upgrade";
    }
  }
}
CONF
nginx -p "$work" -c "$work/nginx.conf" || fail "nginx did not start: $(cat "$work/error.log" 2>/dev/null)"
for _ in $(seq 50); do [ -s "$work/nginx.pid" ] && break; sleep 0.1; done

check() {  # check: one check through nginx, --timeout 2; sets $said and $took (seconds)
  local began; began=$(date +%s%N)
  said=$("$bin" "ws://127.0.0.1:$front/websocket" openems.service --timeout 2 \
    --state-file "$work/state/failcount" --log-file "$work/trigger.log" 2>&1) || fail "check exited $?: $said"
  took=$(( ($(date +%s%N) - began) / 1000000 ))
}
state() { cat "$work/state/failcount"; }

check
echo "$said" | grep -q '^\[Info\] WebSocket healthy' || fail "healthy through nginx: $said"
[ "$(state)" = 4242:0 ] || fail "not armed: $(state)"
step "healthy backend through nginx: healthy, armed"

kill -STOP "$server"
check
echo "$said" | grep -q 'WebSocket not working! (1/3): upgrade timed out after 2 s' || fail "frozen backend: $said"
[ "$took" -le 2200 ] || fail "frozen backend: the check took $took ms with --timeout 2"
[ "$(state)" = 4242:1 ] || fail "frozen backend not counted once: $(state)"
step "frozen backend (SIGSTOP): our 2 s deadline, not nginx's 60 s ($took ms), counted once"

kill -CONT "$server"; kill "$server"; wait "$server" 2>/dev/null || true
check
echo "$said" | grep -q 'WebSocket not working! (2/3): .*502' || fail "backend gone: $said"
[ "$(state)" = 4242:2 ] || fail "backend gone not counted once: $(state)"
step "backend gone: nginx's 502 named, counted once"
echo "nginx end-to-end: all steps passed"
