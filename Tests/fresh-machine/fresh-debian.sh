#!/usr/bin/env bash
# The README's two commands on a Debian 12 machine that has Swift and nothing else: a clean
# Debian 12 root made by debootstrap (minbase), Swift's own prerequisites for Debian 12 and
# make installed in it, the Swift toolchain and the offline package mirror of this machine
# mounted in read-only (as a machine with Swift has them), a fresh clone of this repository;
# then, inside it, `make demo` and `CI=true make test`, each installing what it needs itself.
# Not part of make test (it takes 20-30 minutes): make fresh-machine.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "needs root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
swift_root=${SWIFT_ROOT:-$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")")}
[ -x "$swift_root/usr/bin/swift" ] || { echo "no Swift toolchain found (set SWIFT_ROOT)" >&2; exit 1; }
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

root=${FRESH_ROOT:-/var/tmp/whc-fresh-debian}
began=$(date +%s)
step() { printf '  %-70s %4ds\n' "$1" $(( $(date +%s) - began )); }
mounted=()
cleanup() {
  local m
  for (( i=${#mounted[@]}-1; i>=0; i-- )); do umount -R -l "${mounted[$i]}" 2>/dev/null || true; done
  # Never remove through a mount that is still there (/dev, /proc, the toolchain).
  if grep -q " $root[/ ]" /proc/mounts; then
    echo "something is still mounted under $root; left in place" >&2
  elif [ -z "${KEEP:-}" ]; then
    rm -rf "$root"
  fi
}
trap cleanup EXIT
bind() {  # bind SOURCE TARGET [ro]: with the mounts below SOURCE (/sys/fs/cgroup, which systemd needs)
  mkdir -p "$2"
  mount --rbind "$1" "$2"
  mount --make-rslave "$2"
  mounted+=("$2")
  [ "${3:-}" != ro ] || mount -o remount,bind,ro "$2"
}

if grep -q " $root[/ ]" /proc/mounts; then
  echo "something is still mounted under $root from an earlier run; unmount it first" >&2
  exit 1
fi
rm -rf "$root"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"/tmp/whc-fresh-debootstrap.log" 2>&1 \
  || { tail -20 /tmp/whc-fresh-debootstrap.log >&2; exit 1; }
step "debootstrap: a minimal Debian 12 ($(du -sh "$root" | cut -f1))"

# The root a mount point of its own, as a machine's / is: the tests' `unshare --mount` makes
# it private, which fails on a plain directory.
mount --bind "$root" "$root"
mounted+=("$root")
cp /etc/resolv.conf "$root/etc/resolv.conf"
printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb http://deb.debian.org/debian-security bookworm-security main\n' \
  "$mirror" "$mirror" >"$root/etc/apt/sources.list"
bind /proc "$root/proc"
bind /sys "$root/sys"
bind /dev "$root/dev"
mount -t tmpfs tmpfs "$root/run"; mounted+=("$root/run")
mount -t tmpfs tmpfs "$root/tmp"; mounted+=("$root/tmp")
# The fresh root becomes the root of a mount namespace of its own (pivot_root), not a chroot
# inside this machine's: systemd sets up a hardened unit's mounts from its namespace's root, so
# under a chroot a unit saw this machine's paths (/proc/PID/exe named /var/tmp/whc-fresh-debian/…).
in_root() {
  unshare --mount --fork -- /bin/sh -c 'cd "$1" && pivot_root . mnt && cd / && umount -l /mnt && shift &&
    exec /usr/bin/env -i HOME=/root PATH=/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      LANG=C.UTF-8 "$@"' sh "$root" "$@"
}

# What the Swift toolchain needs to run and build on Debian 12 (swift.org's list, with the
# run-time libraries where it names -dev packages our build itself needs: ncurses is ours to
# install), and make: "a machine with Swift".
in_root sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  binutils-gold ca-certificates gcc git gnupg2 libc6-dev libcurl4-openssl-dev libedit2 libgcc-12-dev \
  libncurses6 libpython3-dev libsqlite3-0 libstdc++-12-dev libxml2-dev libz3-dev pkg-config tzdata unzip \
  zlib1g-dev make' \
  >/tmp/whc-fresh-apt.log 2>&1 || { tail -20 /tmp/whc-fresh-apt.log >&2; exit 1; }
bind "$swift_root" "$root/opt/swift" ro
# This machine's Swift packages come from its offline mirror, as git is set up to find them.
if [ -d /opt/swift-packages ]; then
  bind /opt/swift-packages "$root/opt/swift-packages" ro
  git config --system --get-regexp '^url\.' | while read -r key value; do
    in_root git config --system --add "$key" "$value"
  done
fi
in_root swift --version >/dev/null || { echo "Swift does not run in the fresh root" >&2; exit 1; }
for package in libncurses-dev tmux systemd lintian; do
  ! in_root dpkg -s "$package" >/dev/null 2>&1 || { echo "the fresh root already has $package" >&2; exit 1; }
done
step "Swift's prerequisites and make installed; Swift mounted; no libncurses-dev, tmux, systemd, lintian"

git clone -q "$repo" "$root/root/websocket-health-check"
in_root sh -c 'cd /root/websocket-health-check && make demo' >/tmp/whc-fresh-demo.log 2>&1 \
  || { tail -30 /tmp/whc-fresh-demo.log >&2; echo "FAIL: make demo in the fresh root" >&2; exit 1; }
grep -q 'Restarted: new MainPID' /tmp/whc-fresh-demo.log || { tail -30 /tmp/whc-fresh-demo.log >&2; echo "FAIL: the demo did not restart" >&2; exit 1; }
step "make demo: passed (installed what it needed itself)"
in_root sh -c 'cd /root/websocket-health-check && CI=true make test' >/tmp/whc-fresh-test.log 2>&1 \
  || { tail -40 /tmp/whc-fresh-test.log >&2; echo "FAIL: make test in the fresh root (log: /tmp/whc-fresh-test.log)" >&2; exit 1; }
grep -E 'Test run with [0-9]+ tests' /tmp/whc-fresh-test.log | tail -1
step "make test: passed"
echo "fresh machine: make demo and make test pass on a fresh Debian 12 with Swift ($(date -u +%Y-%m-%d))"
