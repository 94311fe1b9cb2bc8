#!/usr/bin/python3
"""A WebSocket server nobody here wrote (Debian's python3-websockets) for benchmarks and the
end-to-end test: answers the upgrade and the close handshake, echoes messages."""
import asyncio
import sys

import websockets


async def echo(ws, path=None):
    async for message in ws:
        await ws.send(message)


async def main(host, port):
    # Port 0: the kernel picks a free one; the line below says which.
    async with websockets.serve(echo, host, port) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"listening on {host}:{port}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 2 else "127.0.0.1", int(sys.argv[-1])))
