# A service that answers WebSocket upgrades for its first seconds (so the watchdog arms), then
# accepts and never answers, alive until it is restarted; it says so if it is ever sent
# SIGQUIT (which would kill a process that is no JVM). Arguments: marker file, port.
import base64, hashlib, signal, socket, sys, time

def quit_received(signum, frame):
    open(sys.argv[1], "w").write("SIGQUIT\n")

signal.signal(signal.SIGQUIT, quit_received)
silent_from = time.monotonic() + 5
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[2])))
server.listen(50)
held = []
while True:
    connection, _ = server.accept()
    if time.monotonic() >= silent_from:
        held.append(connection)
        continue
    connection.settimeout(2)
    try:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = connection.recv(4096)
            if not chunk:
                break
            request += chunk
        key = next(line.split(b":", 1)[1].strip() for line in request.split(b"\r\n")
                   if line.lower().startswith(b"sec-websocket-key:"))
        accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
        connection.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                           b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
        connection.recv(256)
        connection.sendall(b"\x88\x02\x03\xe8")
    except Exception:
        pass
    connection.close()
