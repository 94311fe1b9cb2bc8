#!/usr/bin/python3
"""The reference tool's algorithm, re-implemented from ../shared/REFERENCE.md for benchmarks.

Same command line, state file, log lines and library (Debian's python3-websockets) as the
Python watchdog OpenEMS ships; used only to compare our `check` with it, side by side.
"""
import argparse
import asyncio
import datetime
import os
import subprocess
import sys

import websockets


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("uri")
    parser.add_argument("service")
    parser.add_argument("--state-file", default="/tmp/websocket-health-check/failcount")
    parser.add_argument("--threshold", type=int, default=3)
    parser.add_argument("--log-file", default="./trigger.log")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    if args.threshold < 1:
        print("[Error] threshold must be at least 1")
        sys.exit(1)

    try:
        pid = subprocess.run(
            ["systemctl", "show", args.service, "--property=MainPID", "--value"],
            check=True, capture_output=True, text=True).stdout.strip()
    except Exception as error:
        print(f"[Error] {error}")
        sys.exit(1)

    count = -1
    try:
        with open(args.state_file) as f:
            stored_pid, stored_count = f.read().split(":")
            if stored_pid == pid:
                count = int(stored_count)
    except Exception:
        count = -1

    async def probe():
        async with websockets.connect(args.uri) as ws:
            await ws.close(1000, "Health check")

    try:
        asyncio.run(probe())
        ok = True
    except Exception as error:
        print(f"[Error] {error}")
        ok = False

    def write(value):
        os.makedirs(os.path.dirname(args.state_file) or ".", exist_ok=True)
        with open(args.state_file, "w") as f:
            f.write(f"{pid}:{value}")

    if ok:
        write(0)
        print("[Info] WebSocket healthy")
    elif count == -1:
        print("[Watchdog] connection never succeeded")
    else:
        count += 1
        if count >= args.threshold:
            write(-1)
            message = "Triggered restart!"
            if args.dry_run:
                message = f"Dry run: Triggered restart! (fail count: {count})"
            with open(args.log_file, "a") as f:
                f.write(f"{datetime.datetime.now()}: {message}\n")
            if not args.dry_run:
                try:
                    subprocess.run(["systemctl", "restart", args.service], check=True)
                except Exception as error:
                    print(f"[Error] {error}")
        else:
            write(count)
            print(f"[Watchdog] WebSocket not working! ({count}/{args.threshold})")


if __name__ == "__main__":
    main()
