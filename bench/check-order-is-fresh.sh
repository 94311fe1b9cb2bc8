#!/usr/bin/env bash
# Fails when bench/check.order has gone stale: when more than 2 % of the functions it lists
# (with those bench/check.ld names) are no longer defined in the release binary. lld skips
# such names without a word (the link passes --no-warn-symbol-ordering, or every build would
# print them), and each one is a function a check now runs from somewhere else, outside the
# pages the list keeps together.
# Why 2 %: a list with 2.7 % of its names gone cost a check 0.3-0.8 MB of peak RSS (the goal
# leaves about 2.5 MB of room), while renaming one small function moves well under 1 %.
# Functions that are new since the profile do not show here; a re-profile catches those.
#
#   make test runs it after the release build; refresh with: make check-order && make release
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${OURS:-.build/release/websocket-health-check}
list=bench/check.order
limit_percent=2
[ -x "$bin" ] || { echo "build it first: make release" >&2; exit 1; }
defined=$(mktemp /tmp/whc-defined.XXXXXX)
trap 'rm -f "$defined"' EXIT
nm --defined-only "$bin" | awk '$2 ~ /^[tTwW]$/ {print $3}' | sort -u >"$defined"
[ -s "$defined" ] || { echo "$bin has no symbol table to compare $list with (stripped?)" >&2; exit 1; }
# The names in bench/check.ld (the ones several objects define) count as much as the list's.
read -r listed gone < <({ grep -v '^#' "$list"; sed -n 's/^ *\*("\.text\.\(.*\)")$/\1/p' bench/check.ld; } | sort -u | awk -v defined="$defined" '
  BEGIN { while ((getline name < defined) > 0) known[name] = 1 }
  NF { listed++; if (!($1 in known)) gone++ }
  END { print listed + 0, gone + 0 }')
percent=$(awk -v g="$gone" -v l="$listed" 'BEGIN { printf "%.1f", l ? 100 * g / l : 100 }')
if awk -v p="$percent" -v m="$limit_percent" 'BEGIN { exit !(p > m) }'; then
  echo "$list is stale: $gone of its $listed functions ($percent %, limit $limit_percent %) are not in the" \
    "release binary any more, so a check faults in more pages than it should; refresh it:" \
    "make check-order && make release" >&2
  exit 1
fi
echo "$list: $gone of $listed functions gone ($percent %, limit $limit_percent %)"
