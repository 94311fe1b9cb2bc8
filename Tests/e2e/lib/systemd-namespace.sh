# Sourced by the end-to-end tests that need a real systemd: PID 1 of its own PID namespace
# (see shared/TESTING.md), with /etc, /usr, /var/lib and /var/log as overlays so nothing
# leaks onto this machine. After `boot_systemd`, `in_ns CMD` runs CMD inside; `step`, `fail`
# and `wait_until` report; the EXIT trap powers it off. A script sets `on_fail` to a function
# that prints what it wants to see when a step fails.

skip() { echo "SKIP ${test_name:-systemd end-to-end}: $1"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root"
command -v unshare >/dev/null && command -v nsenter >/dev/null || skip "needs unshare and nsenter (util-linux)"
[ -x /lib/systemd/systemd ] || skip "needs systemd installed (apt-get install -y systemd)"

work=$(mktemp -d /tmp/whc-systemd.XXXXXX)
began=$(date +%s%N)
last=$began
step() {
  local now; now=$(date +%s%N)
  printf '  %-66s %5.1fs (+%.1fs)\n' "$1" "$(( (now - began) / 1000000 ))e-3" "$(( (now - last) / 1000000 ))e-3"
  last=$now
}
# -r: the root of systemd's process, not of its mount namespace (they differ in a chroot, and
# systemctl calls a root that differs from PID 1's a chroot and answers "offline").
in_ns() { nsenter -t "$sd" -m -p -r "$@"; }
cleanup() {
  if [ -n "${sd:-}" ] && [ -z "${KEEP:-}" ]; then
    in_ns systemctl poweroff >/dev/null 2>&1 || true
    for _ in $(seq 50); do kill -0 "$holder" 2>/dev/null || break; sleep 0.1; done
  fi
  [ -z "${holder:-}" ] || kill "$holder" 2>/dev/null || true
  # A systemd that would not power off (it never booted) goes with its namespace's holder.
  [ -z "${sd:-}" ] || [ -n "${KEEP:-}" ] || kill -9 "$sd" 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $1" >&2
  if [ -n "${sd:-}" ] && [ -z "${KEEP:-}" ] && [ -n "${on_fail:-}" ]; then "$on_fail" >&2 || true; fi
  exit 1
}
wait_until() {  # wait_until SECONDS DESCRIPTION COMMAND...
  local limit=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + limit ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "not within ${limit}s: $what"
    sleep 0.2
  done
}

boot_systemd() {
  local overlays="" dir
  for dir in etc usr var/lib var/log; do
    mkdir -p "$work/overlay/$dir/upper" "$work/overlay/$dir/work"
    overlays="$overlays mount -t overlay overlay -o lowerdir=/$dir,upperdir=$work/overlay/$dir/upper,workdir=$work/overlay/$dir/work /$dir &&"
  done
  # tmp.conf's `D /tmp` would empty the machine's /tmp at boot: hide it from this systemd.
  unshare --pid --fork --mount-proc --kill-child sh -c "$overlays
    mount --bind /dev/null /usr/lib/tmpfiles.d/tmp.conf &&
    exec /lib/systemd/systemd --system --unit=basic.target" </dev/null >"$work/systemd.log" 2>&1 &
  holder=$!
  # The child of unshare is a shell until it has mounted the overlays and exec'd systemd.
  for _ in $(seq 100); do
    sd=$(pgrep -P "$holder" || true)
    [ -n "$sd" ] && [ "$(cat "/proc/$sd/comm" 2>/dev/null)" = systemd ] && break
    sleep 0.1
  done
  [ -n "$sd" ] && [ "$(cat "/proc/$sd/comm" 2>/dev/null)" = systemd ] \
    || { cat "$work/systemd.log" >&2; sd=""; skip "systemd did not start in a PID namespace here"; }
  # The socket may be an earlier systemd's, left in a shared /run: until this one listens,
  # systemctl is refused, so it is asked again.
  local state deadline=$(( $(date +%s) + 60 ))
  while :; do
    state=$(timeout 60 nsenter -t "$sd" -m -p -r systemctl is-system-running --wait 2>&1 || true)
    case "$state" in offline|*"Failed to connect"*|*"No such file"*) ;; *) break ;; esac
    [ "$(date +%s)" -lt "$deadline" ] || break
    sleep 0.2
  done
  case "$state" in running|degraded) ;; *) fail "systemd did not boot: $state" ;; esac
  step "systemd is PID 1 of its namespace ($state)"
}

# install_package DEB: dpkg -i inside, as an administrator would. Container images ship a
# policy-rc.d that forbids maintainer scripts to start or stop anything; a Debian box has
# none, so only this namespace's /usr overlay loses it.
install_package() {
  in_ns rm -f /usr/sbin/policy-rc.d
  in_ns dpkg -i "$1" >"$work/dpkg-install.log" 2>&1 || fail "dpkg -i failed: $(cat "$work/dpkg-install.log")"
}

# install_demo_service: a WebSocket service nobody here wrote (Debian's python3-websockets,
# bench/ws_server.py) as demo-ws.service on a free loopback port, $port; not started.
install_demo_service() {
  in_ns install -m 0644 "$repo/bench/ws_server.py" /usr/local/lib/demo-ws-server.py
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  in_ns sh -c "cat >/etc/systemd/system/demo-ws.service" <<UNIT
[Unit]
Description=A WebSocket service to watch (python3-websockets)
[Service]
ExecStart=/usr/bin/python3 /usr/local/lib/demo-ws-server.py 127.0.0.1 $port
UNIT
}

# fast_timer NAME: websocket-health-check@NAME.timer every 2 s instead of 15, by a drop-in
# (daemon-reload is the caller's).
fast_timer() {
  in_ns mkdir -p "/etc/systemd/system/websocket-health-check@$1.timer.d"
  in_ns sh -c "cat >/etc/systemd/system/websocket-health-check@$1.timer.d/fast.conf" <<'DROPIN'
[Timer]
# One empty assignment resets all the unit's monotonic triggers; then ours.
OnActiveSec=
OnActiveSec=1s
OnUnitActiveSec=2s
AccuracySec=100ms
DROPIN
}

# power_off: ends systemd and checks it went.
power_off() {
  in_ns systemctl poweroff >/dev/null 2>&1 || true
  for _ in $(seq 100); do kill -0 "$holder" 2>/dev/null || break; sleep 0.1; done
  ! kill -0 "$holder" 2>/dev/null || fail "systemd did not power off"
  sd=""
  step "powered off"
}
