"""The gateway stops gracefully on SIGTERM (SPEC section 10): it stops accepting at once, lets a
request in flight finish with its real answer, closes idle keep-alive connections instead of
waiting for them, and exits 0 within its bound (10 s) even when a request never finishes."""
import http.client
import json
import signal
import socket
import time

from stack import Stack, freeze, publish, speaker, wait_until

GRACE_S = 10


def read_by_gateway(port, client):
    """True once the gateway has accepted the connection from local port client and read all
    that was sent on it (its end's receive queue, /proc/net/tcp, is empty)."""
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            local, remote, rx = fields[1], fields[2], fields[4].split(":")[1]
            if int(local.split(":")[1], 16) == port and int(remote.split(":")[1], 16) == client:
                return int(rx, 16) == 0
    return False


def refused(port):
    """True when a connection is refused. One accepted into the backlog as the listener closed
    is reset instead, and on a loaded machine a handshake can outlast the connect timeout:
    then try again."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return False
    except ConnectionRefusedError:
        return True
    except (ConnectionResetError, TimeoutError):
        return False


def start_slow_request(stack, path):
    """Sends GET path on a connection of its own while svc-talks is stopped; returns the socket
    once the gateway has read the request (so it is in flight there)."""
    sock = socket.create_connection(("127.0.0.1", stack.port), timeout=30)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: talks\r\n\r\n".encode())
    client = sock.getsockname()[1]
    wait_until(lambda: read_by_gateway(stack.port, client), 5, "the gateway to read the request")
    return sock


def read_all(sock):
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def take(stack, name):
    """The process, no longer the stack's to stop."""
    stack.logs.pop(name).close()
    return stack.procs.pop(name)


def test_a_request_in_flight_finishes_and_nothing_new_is_accepted(tmp_path):
    s = Stack(tmp_path, extra_env={"TALKS_BUS_TIMEOUT_MS": "20000"})
    s.start_all()
    try:
        talk_id = publish(speaker(s, "ann")).rsplit("/", 1)[1]
        idle = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
        idle.request("GET", "/healthz")
        assert idle.getresponse().read() and idle.sock  # kept alive, now idle

        freeze(s.procs["talks"].pid)
        slow = start_slow_request(s, f"/api/1.0/talks/{talk_id}")
        gateway = take(s, "gateway")
        gateway.send_signal(signal.SIGTERM)
        stopped_at = time.monotonic()

        wait_until(lambda: refused(s.port), 5, "the gateway to close its listener")
        idle.sock.settimeout(3)
        assert idle.sock.recv(1) == b""  # closed by the gateway, not left to its timeout
        assert gateway.poll() is None  # still finishing the slow request

        s.procs["talks"].send_signal(signal.SIGCONT)
        answer = read_all(slow)
        head, _, body = answer.partition("\r\n\r\n")
        assert head.startswith("HTTP/1.1 200"), answer
        assert "connection: close" in head.lower()
        assert json.loads(body)["talk"]["title"] == "Fearless C"
        assert gateway.wait(timeout=GRACE_S) == 0
        assert time.monotonic() - stopped_at < GRACE_S
        assert "Sanitizer" not in s.log("gateway"), s.log("gateway")[-3000:]
    finally:
        if "talks" in s.procs:
            s.procs["talks"].send_signal(signal.SIGCONT)
        codes = s.stop_all()
    assert all(code == 0 for code in codes.values()), codes


def test_a_request_that_never_finishes_holds_the_stop_at_most_10_s(tmp_path):
    s = Stack(tmp_path, extra_env={"TALKS_BUS_TIMEOUT_MS": "30000"})
    s.start_all()
    try:
        talk_id = publish(speaker(s, "ann")).rsplit("/", 1)[1]
        freeze(s.procs["talks"].pid)
        slow = start_slow_request(s, f"/api/1.0/talks/{talk_id}")
        gateway = take(s, "gateway")
        gateway.send_signal(signal.SIGTERM)
        stopped_at = time.monotonic()
        assert gateway.wait(timeout=GRACE_S + 5) == 0
        took = time.monotonic() - stopped_at
        assert GRACE_S - 1 < took < GRACE_S + 2, took
        assert not read_all(slow).startswith("HTTP/1.1 200")
        assert "still open after 10 s" in s.log("gateway")
        assert "Sanitizer" not in s.log("gateway"), s.log("gateway")[-3000:]
    finally:
        if "talks" in s.procs:
            s.procs["talks"].send_signal(signal.SIGCONT)
        codes = s.stop_all()
    assert all(code == 0 for code in codes.values()), codes
