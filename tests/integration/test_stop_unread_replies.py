"""A service stops promptly on SIGTERM even when a peer has stopped reading its replies. nng
1.5.2's REP socket queues a reply while the pipe is still sending an earlier one; a peer that
never reads left those replies waiting for ever, and with them every worker (each waits for a
pooled request's last reply before reusing it) and the stop, which waited for every reply on its
way: the service never exited. A reply now waits for its pipe at most REPLY_SEND_MS (2 s)."""
import array
import fcntl
import socket
import struct
import termios

from stack import wait_until

REQ0 = 0x30  # the SP protocol number of REQ (REP answers with 0x31)
PING = b"\x82\xa2op\xa4ping\xa3rid\xa1x"  # msgpack {"op": "ping", "rid": "x"}


def sp_connect(path):
    """A raw nng REQ peer on an ipc:// socket: the SP header exchanged, nothing else."""
    c = socket.socket(socket.AF_UNIX)
    c.settimeout(5)
    c.connect(path)
    c.sendall(b"\x00SP\x00" + struct.pack(">H", REQ0) + b"\x00\x00")
    assert c.recv(8) == b"\x00SP\x00" + struct.pack(">H", REQ0 + 1) + b"\x00\x00"
    return c


def sp_request(i, body):
    """One ipc:// message: type 1, 64-bit length, the REQ header (request id, high bit set), body."""
    return b"\x01" + struct.pack(">QI", 4 + len(body), 0x80000000 | i) + body


def unread(sock):
    n = array.array("i", [0])
    fcntl.ioctl(sock, termios.FIONREAD, n)
    return n[0]


def test_a_service_stops_while_a_peer_does_not_read_its_replies(stack):
    path = stack.address("auth.ctl")[len("ipc://"):]
    peer = sp_connect(path)
    # Thousands of pings, never reading an answer: the socket's buffer fills after a couple of
    # hundred replies, and the rest wait in nng behind them.
    requests = b"".join(sp_request(i, PING) for i in range(20000))
    peer.setblocking(False)
    sent = 0

    def replies_back_up():
        nonlocal sent
        try:
            sent += peer.send(requests[sent:])
        except BlockingIOError:
            pass
        return unread(peer) >= 10000  # some 130 replies of ~75 bytes: the pipe is all but full
    wait_until(replies_back_up, 10, "the service's replies to fill the unread socket")
    try:
        code, took = stack.stop_timed("auth")
    finally:
        peer.close()
    assert code == 0, stack.log("auth")[-3000:]
    assert took < 6, f"svc-auth took {took:.1f} s to stop"
    assert "Sanitizer" not in stack.log("auth")
