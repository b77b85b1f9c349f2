"""A service's stop cannot hang once its data is safe. nng 1.5.2 (Debian 12's) can wait for ever
while it closes a socket (nanomsg/nng#1543, #1813, #1827), and CI saw talks-auth, its workers
gone, never return from its stop. Here nng_close never returns (tests/tools/hang_nng_close.c,
preloaded into svc-auth alone): the service still exits, with status 0, once the deadline
(TP_STOP_DEADLINE_MS, 4 s) has passed, says which step it left unfinished, and what it wrote
before the stop is kept."""
import os
import signal
import subprocess
import time

from stack import BIN, speaker, wait_until

HANG_NNG_CLOSE = os.path.join(BIN, "..", "tests", "tools", "libhang_nng_close.so")


def test_a_stop_that_nng_holds_ends_at_the_deadline(stack):
    stack.stop("auth")
    # ASan must otherwise come first in the list of libraries.
    stack.start("auth", extra_env={
        "LD_PRELOAD": os.path.abspath(HANG_NNG_CLOSE),
        "ASAN_OPTIONS": stack.env["ASAN_OPTIONS"] + ":verify_asan_link_order=0"})
    wait_until(stack.healthy, 15, "svc-auth to answer again")
    ann = speaker(stack, "ann")  # an account and a session, written by this svc-auth
    assert "Logout" in ann.get("/").body

    auth = stack.procs.pop("auth")
    stack.logs.pop("auth").close()
    start = time.monotonic()
    auth.send_signal(signal.SIGTERM)
    try:
        code = auth.wait(timeout=20)
    except subprocess.TimeoutExpired:
        auth.kill()
        auth.wait()
        raise AssertionError("svc-auth did not stop within 20 s of SIGTERM")
    took = time.monotonic() - start
    log = stack.log("auth")
    assert code == 0, log[-3000:]
    assert 4 <= took < 10, f"svc-auth took {took:.1f} s to stop"
    assert ("stop: closing the bus socket did not finish within 4000 ms; exiting without "
            "waiting for it") in log, log[-3000:]
    assert "Sanitizer" not in log, log[-3000:]

    stack.start("auth")
    wait_until(stack.healthy, 15, "svc-auth to answer after its restart")
    assert "Logout" in ann.get("/").body  # the session it wrote is still valid
