#!/usr/bin/env bash
# What Prometheus reads from us, checked by Prometheus's own tool (Debian's prometheus package):
# the alerting rules (`promtool check rules`, and `promtool test rules` firing each alert on the
# series that should raise it), and the metrics files real checks write (`promtool check
# metrics`) when healthy, failing and waiting for approval.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${WHC_BINARY:-.build/debug/websocket-health-check}
[ -x "$bin" ] || { echo "build first: swift build" >&2; exit 1; }
command -v promtool >/dev/null || { echo "SKIP: promtool missing (apt-get install -y prometheus)"; exit 0; }

work=$(mktemp -d /tmp/whc-prom.XXXXXX)
cleanup() { [ -z "${server:-}" ] || kill "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $1" >&2; exit 1; }
step() { printf '  %s\n' "$1"; }

promtool check rules systemd/websocket-health-check.rules.yml >/dev/null || fail "promtool check rules"
promtool test rules Tests/prometheus/rules-test.yml >/dev/null || fail "promtool test rules: $(promtool test rules Tests/prometheus/rules-test.yml 2>&1)"
step "alerting rules: promtool check rules and test rules pass"

source bench/loopback-server.sh
stand_in_systemctl "$work"
export PATH="$work/bin:$PATH"
start_ws_server "$work/server.log"
metrics="$work/edge.prom"
check() { "$bin" "$@" --state-file "$work/state/failcount" --log-file "$work/trigger.log" --metrics-file "$metrics" >/dev/null 2>&1 || true; }
lint() {  # lint WHAT: promtool must find nothing to say about the file
  out=$(promtool check metrics <"$metrics" 2>&1) || fail "promtool check metrics ($1): $out"
  [ -z "$out" ] || fail "promtool check metrics ($1) says: $out"
}
check "ws://127.0.0.1:$port/" edge.service --openems
grep -Eq '^websocket_probe_success\{target="edge.service",unit="edge.service"\} 1(\.0)?$' "$metrics" || fail "healthy probe not 1: $(cat "$metrics")"
lint healthy
check "ws://127.0.0.1:1/" edge.service --threshold 1 --restart-mode approve
grep -Eq '^websocket_restart_pending\{target="edge.service",unit="edge.service"\} 1(\.0)?$' "$metrics" || fail "pending not 1: $(cat "$metrics")"
grep -Eq '^websocket_probe_success\{target="edge.service",unit="edge.service"\} 0(\.0)?$' "$metrics" || fail "failed probe not 0"
lint "failing, pending"
step "metrics of real checks (healthy, failing, pending): promtool check metrics is silent"
echo "prometheus: all steps passed"
