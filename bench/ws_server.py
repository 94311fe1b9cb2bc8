#!/usr/bin/python3
"""A WebSocket server nobody here wrote (Debian's python3-websockets) for benchmarks and the
end-to-end test: answers the upgrade and the close handshake; answers a JSON-RPC request as
a current OpenEMS Edge does (subscribeEdges an empty success, any other method an error with
the request's id); echoes any other message. On the path /edge-app it refuses the connection
at once with close code 1003, as OpenEMS's Edge.Application does without an apikey."""
import asyncio
import json
import signal
import sys
import uuid

import websockets


def openems_answer(message):
    """OpenEMS's reply to a well-formed request for an unknown method, else None."""
    try:
        request = json.loads(message)
        uuid.UUID(request["id"])
        if not isinstance(request["params"], dict):
            return None
        if request["method"] == "subscribeEdges":
            return json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": {}})
        return json.dumps({"jsonrpc": "2.0", "id": request["id"], "error": {
            "code": 1, "message": f'Endpoint with method "{request["method"]}" is not defined!', "data": []}})
    except Exception:
        return None


connections = 0


async def echo(ws, path=None):
    global connections
    connections += 1
    # Legacy websockets keeps the path on the connection, newer ones on its request.
    path = path or getattr(ws, "path", None) or getattr(getattr(ws, "request", None), "path", "/")
    if path == "/edge-app":
        await ws.close(1003, "Apikey is not valid")
        return
    async for message in ws:
        await ws.send(openems_answer(message) or message)


async def main(host, port):
    # Port 0: the kernel picks a free one; the line below says which.
    async with websockets.serve(echo, host, port) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"listening on {host}:{port}", flush=True)
        # SIGUSR1 says how many connections were upgraded so far: benchmarks count probes.
        asyncio.get_running_loop().add_signal_handler(
            signal.SIGUSR1, lambda: print(f"connections {connections}", flush=True))
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 2 else "127.0.0.1", int(sys.argv[-1])))
