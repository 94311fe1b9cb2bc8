#!/usr/bin/env bash
# Names as a box's resolver serves them, in a mount and network namespace of their own (so
# /etc/hosts, /etc/resolv.conf and port 53 are ours to set): a resolver that never answers
# ends at our deadline, not the C library's 10 s; a name with an IPv6 and an IPv4 address
# where the IPv6 one refuses is still healthy over IPv4, as the reference's library does it.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
bin=${WHC_BINARY:-$repo/.build/debug/websocket-health-check}
[ -x "$bin" ] || { echo "build first: swift build" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "SKIP resolver: needs root"; exit 0; }
command -v unshare >/dev/null && command -v ip >/dev/null || { echo "SKIP resolver: needs unshare and ip"; exit 0; }
/usr/bin/python3 -c 'import websockets' 2>/dev/null || { echo "SKIP resolver: needs python3-websockets"; exit 0; }

work=$(mktemp -d /tmp/whc-resolver.XXXXXX)
trap 'rm -rf "$work"' EXIT
printf 'nameserver 127.0.0.1\noptions timeout:5 attempts:2\n' >"$work/resolv.conf"
printf '127.0.0.1 localhost\n::1 both.example\n127.0.0.1 both.example\n' >"$work/hosts"
cp "$repo/bench/loopback-server.sh" "$work/"
cat >"$work/inside.sh" <<'INSIDE'
set -euo pipefail
work=$1 bin=$2 repo=$3
fail() { echo "FAIL: $1" >&2; exit 1; }
ip link set lo up
mount --bind "$work/resolv.conf" /etc/resolv.conf
mount --bind "$work/hosts" /etc/hosts
# A resolver that reads every question and answers none.
/usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
while True: s.recvfrom(4096)' &
silent=$!
cd "$repo"; source bench/loopback-server.sh
stand_in_systemctl "$work"
export PATH="$work/bin:$PATH"
start_ws_server "$work/server.log"
trap 'kill $silent $server 2>/dev/null || true' EXIT
sleep 0.3

began=$(date +%s%N)
said=$("$bin" "ws://silent.example:$port/" openems.service --timeout 2 --state-file "$work/s1/failcount" --log-file "$work/l1" 2>&1) || fail "exit $?: $said"
took=$(( ($(date +%s%N) - began) / 1000000 ))
echo "$said" | grep -q "resolve" || fail "a silent resolver: $said"
echo "$said" | grep -q "timed out after 2 s" || fail "a silent resolver did not end at our deadline: $said"
[ "$took" -le 2200 ] || fail "a silent resolver: the check took $took ms with --timeout 2"
echo "  a resolver that never answers: '$(echo "$said" | sed 's/^\[[A-Za-z]*\] //')' after $took ms"

said=$("$bin" "ws://both.example:$port/" openems.service --timeout 2 --state-file "$work/s2/failcount" --log-file "$work/l2" 2>&1) || fail "exit $?: $said"
echo "$said" | grep -q '^\[Info\] WebSocket healthy' || fail "IPv6 refused, IPv4 there: $said"
echo "  IPv6 refused, IPv4 listening: $said"
INSIDE
unshare --mount --net --fork bash "$work/inside.sh" "$work" "$bin" "$repo"
echo "resolver end-to-end: all steps passed"
