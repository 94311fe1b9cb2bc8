#!/usr/bin/env bash
# Writes bench/check.order: the functions a timer-run check executes, for the
# release link's --symbol-ordering-file (Package.swift). lld puts them side by side at the
# start of .text, so a check faults in a few hundred kilobytes of code instead of 64 kB
# windows scattered over 13 MB (the goal: peak RSS at most half the reference's).
#
# The profile is three healthy checks (threads make a few functions come and go between
# runs), one healthy --openems check (the request and its reply), and one failing check that
# reaches its threshold in a dry run (the trigger-log path), each under valgrind's callgrind;
# then the dashboard watching four targets, whose other functions are listed after the
# check's (the check stays packed at the front; the dashboard's code is packed behind it). Each
# part is sorted, so a re-run shows only real changes.
# Re-run it after changing what a check does: functions missing from the list still work,
# they are only placed away from the rest, and bench/check-vs-reference.sh shows the cost.
#
#   make check-order       (or: bench/check-order.sh; needs a release build and valgrind)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${OURS:-.build/release/websocket-health-check}
out=bench/check.order
[ -x "$bin" ] || { echo "build it first: make release" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install -y valgrind" >&2; exit 1; }

source bench/loopback-server.sh
bench_on_loopback order

# Valgrind cannot read the DWARF 5 that Swift emits; symbols are all it needs.
strip --strip-debug -o "$work/whc" "$bin"
profile() {
  local name=$1; shift
  valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/$name.out" \
    "$work/whc" "$@" --state-file "$work/state/failcount" --log-file "$work/trigger.log" \
    >"$work/$name.log" 2>&1 || true
}
for run in 1 2 3; do profile "healthy-$run" "ws://127.0.0.1:$port/" order.service; done
profile healthy-openems "ws://127.0.0.1:$port/" order.service --openems
grep -q 'WebSocket healthy' "$work/healthy-openems.log" \
  || { echo "the --openems check was not healthy; its output:" >&2; cat "$work/healthy-openems.log" >&2; exit 1; }
# Nothing listens on port 1 of loopback: refused, the count reaches 1, a dry-run trigger.
profile failing "ws://127.0.0.1:1/" order.service --threshold 1 --dry-run
grep -q 'Dry run: Triggered restart' "$work/trigger.log" \
  || { echo "the failing check did not reach its trigger; its output:" >&2; cat "$work/failing.log" >&2; exit 1; }

# The dashboard, second: its functions go after the check's, so the check's stay packed at the
# front and a dashboard watching a box faults in its own code from a few windows too. Four
# targets (ping), the list, one target's view and back, under callgrind in tmux for 20 s.
command -v tmux >/dev/null || { echo "tmux is missing: apt-get install -y tmux" >&2; exit 1; }
mkdir -p "$work/conf" "$work/dstate" && chmod 700 "$work/dstate"
for n in 1 2 3 4; do
  printf 'uri = ws://127.0.0.1:%s/\nunit = t%s.service\nping = yes\nstate-file = %s\nlog-file = %s\n' \
    "$port" "$n" "$work/dstate/t$n.failcount" "$work/dstate/t$n.log" >"$work/conf/t$n.conf"
done
session="whc-order-$$"
tmux new-session -d -s "$session" -x 120 -y 40 \
  "PATH=$PATH TERM=xterm-256color LANG=C.UTF-8 valgrind --tool=callgrind --demangle=no --callgrind-out-file=$work/dashboard.out $work/whc dashboard --config-dir $work/conf --interval 1 2>$work/dashboard.log"
sleep 8
tmux send-keys -t "$session" Enter; sleep 5
tmux send-keys -t "$session" Escape; sleep 5
tmux send-keys -t "$session" q
for _ in $(seq 100); do tmux has-session -t "$session" 2>/dev/null || break; sleep 0.2; done
tmux kill-session -t "$session" 2>/dev/null || true
[ -s "$work/dashboard.out" ] || { echo "the dashboard wrote no profile; its output:" >&2; cat "$work/dashboard.log" >&2; exit 1; }

# Only names defined once: the linker gives a listed name's place to every section that defines
# it, and a local name many objects share (objectdestroyTm, merged helpers) dragged whole
# sections of the regex parser and Foundation, 2 MB the check never runs, in among its code.
nm --defined-only "$bin" | awk '$2 ~ /^[tTwW]$/ {print $3}' | sort | uniq -u >"$work/defined"
/usr/bin/python3 - "$work"/healthy-*.out "$work/failing.out" "$work/dashboard.out" "$work/defined" "$out" <<'PY'
import os, re, sys
*profiles, defined_path, out_path = sys.argv[1:]
defined = set(open(defined_path).read().split())


def executed_in(path):
    executed = set()
    objects, functions, current_object = {}, {}, None
    for line in open(path):
        line = line.rstrip("\n")
        m = re.match(r"^(c?ob)=\((\d+)\)(?: (.*))?$", line)
        if m:
            if m.group(3):
                objects[m.group(2)] = m.group(3)
            if m.group(1) == "ob":
                current_object = objects[m.group(2)]
            continue
        # Names are given once, at their first mention, as fn= or as a call's cfn=.
        m = re.match(r"^(c?fn)=\((\d+)\)(?: (.*))?$", line)
        if m:
            if m.group(3):
                functions[m.group(2)] = m.group(3)
            if m.group(1) == "fn" and current_object and current_object.endswith("/whc"):
                # callgrind marks recursion and repeated names with 'N.
                name = re.sub(r"'\d+$", "", functions[m.group(2)])
                if name in defined:
                    executed.add(name)
    return executed


check = set().union(*(executed_in(path) for path in profiles[:-1]))
dashboard = executed_in(profiles[-1]) - check
with open(out_path + ".tmp", "w") as f:
    f.write("# Functions a check executes, then those only the dashboard runs, for the release link's\n")
    f.write("# --symbol-ordering-file. Generated by bench/check-order.sh; do not edit by hand.\n")
    f.write("\n".join(sorted(check)) + "\n")
    f.write("# The dashboard's:\n")
    f.write("\n".join(sorted(dashboard)) + "\n")
os.replace(out_path + ".tmp", out_path)  # never a half-written list for the linker
print(f"{out_path}: {len(check)} functions of the check, {len(dashboard)} more of the dashboard")
PY
