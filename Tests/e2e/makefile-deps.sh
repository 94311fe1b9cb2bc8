#!/usr/bin/env bash
# A fresh Debian 12 machine has none of our packages: each make target must install every one
# it needs itself. Runs the real Makefile's deps-* targets with a dpkg that knows no package
# and an apt-get that records what it was asked, and checks each list is whole. (The full
# proof on a machine with nothing installed is make fresh-machine, in a debootstrap root.)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/whc-makefile.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
printf '#!/bin/sh\nexit 1\n' >"$work/bin/dpkg"
printf '#!/bin/sh\n[ "$1" = update ] || echo "$*" >>"%s/asked"\n' "$work" >"$work/bin/apt-get"
chmod +x "$work/bin/dpkg" "$work/bin/apt-get"

asked_by() {  # asked_by TARGET: the packages that target asked apt-get for
  rm -f "$work/asked"
  PATH="$work/bin:$PATH" make -s -C "$repo" "$1" >/dev/null
  tr ' ' '\n' <"$work/asked" | grep -v '^-' | sort -u
}
expect() {  # expect TARGET PACKAGE...
  local target=$1; shift
  local got; got=$(asked_by "$target")
  for package in "$@"; do
    grep -qx "$package" <<<"$got" || { echo "FAIL: make $target does not install $package (asked for: $(echo $got))" >&2; exit 1; }
  done
}
expect deps-build libncurses-dev
expect deps-deb libncurses-dev dpkg-dev lintian man-db
# make test builds, packages, lints and reads the man page: everything deps-deb has and more.
expect deps-test libncurses-dev dpkg-dev lintian man-db systemd tmux nginx python3-websockets bash-completion zsh fish
expect deps-bench libncurses-dev python3-websockets hyperfine
echo "makefile: every deps target installs its whole list"
