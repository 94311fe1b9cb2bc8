#!/usr/bin/env bash
# Writes bench/check.order and bench/check.ld: the functions a timer-run check executes, for
# the release link (Package.swift: --symbol-ordering-file, and a linker script). lld puts them
# side by side at the start of .text, so a check faults in a few hundred kilobytes of code
# instead of 64 kB windows scattered over 14 MB (the goal: peak RSS at most half the
# reference's).
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
script=bench/check.ld
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

# Two lists. bench/check.order names functions for the linker's --symbol-ordering-file, which
# gives a name's place to every section that defines it: right for a name defined once (release
# objects have a section per Swift function: see the Makefile), wrong for a name many objects
# define (a module's local helpers: objectdestroyTm, merged thunks, closures of NIO's futures),
# which also pulled in whole libraries' .text from the toolchain, whose Swift code is one
# section per library (1 MB of the regex parser and Foundation the check never runs). Those go
# to bench/check.ld instead, a linker script that gathers sections by name, which only our
# per-function sections have; it also gathers the private functions, which have no symbol at
# all (.L names: closure contexts' destroyers, unnamed thunks; 80 kB in all).
nm --defined-only "$bin" | awk '$2 ~ /^[tTwW]$/ {print $3}' | sort >"$work/defined"
/usr/bin/python3 - "$work"/healthy-*.out "$work/failing.out" "$work/dashboard.out" "$work/defined" "$out" "$script" <<'PY'
import collections, os, re, sys
*profiles, defined_path, out_path, script_path = sys.argv[1:]
definitions = collections.Counter(open(defined_path).read().split())


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
                if name in definitions:
                    executed.add(name)
    return executed


check = set().union(*(executed_in(path) for path in profiles[:-1]))
dashboard = executed_in(profiles[-1]) - check


def once(names):
    return sorted(n for n in names if definitions[n] == 1)


def shared(names):
    return sorted(n for n in names if definitions[n] > 1)


def write(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)  # never a half-written list for the linker


write(
    out_path,
    "# Functions a check executes, then those only the dashboard runs, for the release link's\n"
    "# --symbol-ordering-file. Generated by bench/check-order.sh; do not edit by hand.\n"
    + "\n".join(once(check) + ["# The dashboard's:"] + once(dashboard))
    + "\n",
)


def sections(names):
    return "".join(f'    *(".text.{n}")\n' for n in names)


write(
    script_path,
    "/* Functions the check runs (then the dashboard) that bench/check.order cannot name: a name\n"
    "   several objects define, and the private functions, which have none. Gathered by section\n"
    "   name at the start of .text, just before the ordered functions; the rest of .text follows\n"
    "   (the linker adds the sections this does not name to the output section of their name).\n"
    "   It is .text itself, not a section of its own, since valgrind names only functions in\n"
    "   .text, and the profile reads their names. Generated by bench/check-order.sh; do not\n"
    "   edit by hand. */\n"
    "SECTIONS {\n  .text : {\n"
    + sections(shared(check))
    + "    *(.text..L*)\n"
    + sections(shared(dashboard))
    + "  }\n}\nINSERT BEFORE .init;\n",
)
print(
    f"{out_path}: {len(once(check))} functions of the check, {len(once(dashboard))} more of the dashboard; "
    f"{script_path}: {len(shared(check))} + {len(shared(dashboard))} names several objects define"
)
PY
