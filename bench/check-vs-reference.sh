#!/usr/bin/env bash
# One healthy check, whole process: our `check` at every probe depth (the reference's handshake,
# --ping, the OpenEMS Edge request answered, the Edge.Application's refusal) against the
# reference's algorithm in Python
# (bench/reference_check.py on Debian's python3-websockets), side by side in one run, against
# the same loopback server and the same stand-in systemctl. Prints medians and the ratios.
# The runs come in ROUNDS (default 5), every command in each, and a ratio is the median of the
# rounds' ratios: on a shared VM whose speed drifts, a ratio of two medians taken minutes
# apart measured the drift as much as the programs (0.06 and 0.11 in one hour).
#
#   make bench            (or: bench/check-vs-reference.sh [runs per command])
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
rounds=${ROUNDS:-5}
ours=${OURS:-.build/release/websocket-health-check}
[ -x "$ours" ] || { echo "build it first: make release" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install -y hyperfine" >&2; exit 1; }

source bench/loopback-server.sh
bench_on_loopback bench

uri="ws://127.0.0.1:$port/"
# Every probe depth, each with its own state: name, then the options after URI and unit.
depths=(
  "ours|"
  "ours --ping|--ping"
  "ours --openems|--openems-kind edge"
  "ours edge-app|--openems-kind edge-app"
)
names=()
commands=()
for row in "${depths[@]}"; do
  name=${row%%|*}
  extra=${row#*|}
  dir="$work/$(echo "$name" | tr -c 'a-z\n' '_')"
  target=$uri
  [ "$name" != "ours edge-app" ] || target="${uri}edge-app"
  names+=("$name")
  commands+=("$ours $target bench.service $extra --state-file $dir/failcount --log-file $dir.log")
  dirs+=("$dir")
done
ref_cmd="/usr/bin/python3 bench/reference_check.py $uri bench.service --state-file $work/ref/failcount --log-file $work/ref.log"
for i in "${!commands[@]}"; do
  ${commands[$i]} >/dev/null
  [ "$(cat "${dirs[$i]}/failcount")" = "4242:0" ] \
    || { echo "the '${names[$i]}' check did not come out healthy; not benchmarking" >&2; exit 1; }
done
$ref_cmd >/dev/null
[ "$(cat "$work/ref/failcount")" = "4242:0" ] || { echo "the reference check did not come out healthy" >&2; exit 1; }

arguments=()
for i in "${!commands[@]}"; do arguments+=(-n "${names[$i]}" "${commands[$i]}"); done
for round in $(seq "$rounds"); do
  hyperfine --style none --warmup 3 --runs $(( (runs + rounds - 1) / rounds )) \
    --export-json "$work/times-$round.json" "${arguments[@]}" -n reference "$ref_cmd" >/dev/null
done

# Peak RSS: median over runs of /usr/bin/time's maximum resident set size.
rss() {
  for _ in $(seq 11); do /usr/bin/time -f %M $1 2>&1 >/dev/null | tail -1; done | sort -n | sed -n 6p
}
rss_rows=()
for i in "${!commands[@]}"; do rss_rows+=("${names[$i]}=$(rss "${commands[$i]}")"); done
ref_rss=$(rss "$ref_cmd")

/usr/bin/python3 - "$work" "$rounds" "$ref_rss" "${rss_rows[@]}" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
rounds = [{r["command"]: r for r in json.load(open(f"{work}/times-{n}.json"))["results"]} for n in range(1, rounds + 1)]
median = statistics.median


def cpu(r):
    # hyperfine gives user and system time per run only in newer versions; else means.
    return [u + s for u, s in zip(r["user"], r["system"])] if isinstance(r["user"], list) else [r["user"] + r["system"]]


def medians(name):  # over every run of every round
    return (median([t for rd in rounds for t in rd[name]["times"]]) * 1000,
            median([c for rd in rounds for c in cpu(rd[name])]) * 1000)


def ratios(name):  # each round's ratio of medians, then their median and range
    wall = [median(rd[name]["times"]) / median(rd["reference"]["times"]) for rd in rounds]
    work = [median(cpu(rd[name])) / median(cpu(rd["reference"])) for rd in rounds]
    return median(wall), median(work), min(wall), max(wall), min(work), max(work)


rw, rc = medians("reference")
rrss = int(sys.argv[3]) / 1024
rows = [(row.split("=")[0], int(row.split("=")[1]) / 1024) for row in sys.argv[4:]]
print(f"{'':18}{'wall ms':>10}{'cpu ms':>10}{'max RSS MB':>12}")
for name, rss in rows:
    w, c = medians(name)
    print(f"{name:18}{w:10.1f}{c:10.1f}{rss:12.1f}")
print(f"{'reference':18}{rw:10.1f}{rc:10.1f}{rrss:12.1f}")
for name, rss in rows:
    w, c, wlo, whi, clo, chi = ratios(name)
    print(f"{'ratio ' + name[5:] if name != 'ours' else 'ratio':18}{w:10.3f}{c:10.3f}{rss/rrss:12.3f}"
          f"   (goal: <= 0.08, 0.08, 0.35; {len(rounds)} rounds: wall {wlo:.3f}-{whi:.3f}, cpu {clo:.3f}-{chi:.3f})")
PY
