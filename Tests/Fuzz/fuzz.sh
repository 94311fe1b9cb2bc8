#!/usr/bin/env bash
# libFuzzer on every parser we wrote: the state file and its restart record, the config file,
# the header file, the reference's unit (migrate), the trigger log's tail, the upgrade
# response and the frames the probe reads, the JSON of a reply. Builds the Engine's sources
# (all but the files that import SwiftNIO or swift-prometheus) with FuzzTargets.swift
# under -sanitize=fuzzer,address, then runs each target for FUZZ_SECONDS on a corpus that
# grows between runs (.build/fuzz/corpus). A crash, a sanitizer report or a broken invariant
# stops it, names the input, and is to become a test.
#
#   make fuzz                     (FUZZ_SECONDS=60 each; FUZZ_TARGETS="frames json" for some)
#   Tests/Fuzz/fuzz.sh            (make test runs it with FUZZ_SECONDS=5)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${FUZZ_SECONDS:-60}
all="state record config headers unit logtail upgrade frames json"
targets=${FUZZ_TARGETS:-$all}
out=.build/fuzz
binary=$out/whc-fuzz
mkdir -p "$out/crashes"

# Chosen by what they import, not by name, so a new file that needs NIO leaves by itself.
sources=$(grep -L -E '^import (NIO|Prometheus)' Sources/Engine/*/*.swift Sources/Engine/*/*/*.swift)
if [ ! -x "$binary" ] || [ -n "$(find $sources Tests/Fuzz/FuzzTargets.swift -newer "$binary" | head -1)" ]; then
  echo "building $binary (the Engine's parsers, -sanitize=fuzzer,address)"
  # shellcheck disable=SC2086
  if ! swiftc -O -swift-version 6 -parse-as-library -module-name Engine -sanitize=fuzzer,address -use-ld=lld \
    $sources Tests/Fuzz/FuzzTargets.swift -o "$binary.tmp" >"$out/build.log" 2>&1; then
    echo "the fuzzers do not build (the Engine's sources without SwiftNIO):" >&2
    grep -E 'error' "$out/build.log" >&2 || cat "$out/build.log" >&2
    exit 1
  fi
  mv "$binary.tmp" "$binary"
fi

# Seeds: what each parser reads on a real box.
seed() {  # seed TARGET NAME: the seed's bytes on stdin
  mkdir -p "$out/corpus/$1"
  cat >"$out/corpus/$1/seed-$2"
}
printf '4242:0' | seed state armed
printf '4242:-1' | seed state disarmed
printf '# websocket-health-check restart record\nboot\tb1c2\npending\t12.5\t4242\t6\t2026-11-26 03:12:09.482113\tupgrade timed out\nlast\tapproved\t2026-11-26 03:20:00.000000\tby alice (cli)\nrestarts\t100.0\t200.5\nrearm-at\t300.0\nrearm-delay\t60.000\nhealthy-since\t250.0\nrestarts-total\t2\t1\n' | seed record full
printf '1795725785\tok\thealthy (connect 0.1 ms, upgrade 1.0 ms)\n' | seed record last
seed config example <systemd/example.conf
printf 'uri = ws://localhost:8085/websocket\nunit = openems.service\nthreshold = 6\nmode = approve\nmax-restarts = 3\nwithin = 1h\n' | seed config approve
printf 'apikey: s3cret\n# a comment\n\nX-Site: north\r\n' | seed headers apikey
seed unit ours <systemd/websocket-health-check.service
printf '[Service]\nWorkingDirectory=/opt/w\nExecStart=/opt/w/check.sh \\\n  "ws://localhost:8092" "openems-backend.service" --threshold 6 --log-file ./trigger.log\n' | seed unit reference
printf '\x03%s\n%s\n' '2026-11-24 03:12:09.482113: Triggered restart! (fail count: 6) openems.service: upgrade timed out' \
  '2026-11-25 09:40:02.001932: Dry run: Triggered restart! (fail count: 2)' | seed logtail lines
printf '\x07HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x02hi' | seed upgrade switching
printf '\x05HTTP/1.1 302 Found\r\nLocation: /other\r\n\r\n' | seed upgrade redirect
printf '\x03\x81\x05hello\x89\x00\x01\x03abc\x80\x02de\x88\x02\x03\xe8' | seed frames mixed
printf '{"jsonrpc":"2.0","id":"5f7c0a8e-2b8a-4c1e-9d3a-0b1c2d3e4f50","error":{"code":1,"message":"Endpoint with method \\"x\\" is not defined!","data":[]}}' | seed json reply

for target in $targets; do
  log=$out/$target.log
  # The Swift runtime's own crash handler would only blur the sanitizer's report.
  if ! SWIFT_BACKTRACE=enable=no WHC_FUZZ_TARGET=$target "$binary" -max_total_time="$seconds" -max_len=20000 -timeout=5 -rss_limit_mb=2048 \
    -artifact_prefix="$out/crashes/$target-" "$out/corpus/$target" >"$log" 2>&1; then
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    grep -E 'invariant|ERROR|SUMMARY' "$log" | head -5 >&2
    echo "fuzzing found a failure in '$target': $artifact. Reproduce: WHC_FUZZ_TARGET=$target $binary $artifact;" \
      "then turn it into a test." >&2
    exit 1
  fi
  printf '  %-8s %s\n' "$target" "$(grep -E '^#[0-9]+.*DONE' "$log" | sed 's/ *DONE */ /; s/lim: [0-9]* //')"
done
echo "fuzzing: ${seconds} s each, no crash, no sanitizer report, no broken invariant"
