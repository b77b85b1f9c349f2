"""A process's stop cannot hang once its work is safe. nng 1.5.2 (Debian 12's) can wait for ever
while it closes a socket (nanomsg/nng#1543, #1813, #1827), and CI saw talks-auth, its workers
gone, never return from its stop. Here nng_close never returns (tests/tools/hang_nng_close.c,
preloaded into one process): that process still exits, with status 0, once the deadline
(TP_STOP_DEADLINE_MS, 4 s) has passed, says which step it left unfinished, and what it did before
the stop is kept: svc-auth's writes, the gateway's access log."""
import os

from stack import BIN, speaker, wait_until

HANG_NNG_CLOSE = os.path.join(BIN, "..", "tests", "tools", "libhang_nng_close.so")


def restart_with_nng_close_hanging(stack, name):
    stack.stop(name)
    # ASan must otherwise come first in the list of libraries.
    stack.start(name, extra_env={
        "LD_PRELOAD": os.path.abspath(HANG_NNG_CLOSE),
        "ASAN_OPTIONS": stack.env["ASAN_OPTIONS"] + ":verify_asan_link_order=0"})
    wait_until(stack.healthy, 15, f"{name} to answer again")


def stop_past_the_deadline(stack, name, step):
    code, took = stack.stop_timed(name, timeout=20)
    log = stack.log(name)
    assert code == 0, log[-3000:]
    assert 4 <= took < 10, f"{name} took {took:.1f} s to stop"
    assert (f"stop: {step} did not finish within 4000 ms; exiting without waiting for "
            "it") in log, log[-3000:]
    assert "Sanitizer" not in log, log[-3000:]
    return log


def test_a_service_stop_that_nng_holds_ends_at_the_deadline(stack):
    restart_with_nng_close_hanging(stack, "auth")
    ann = speaker(stack, "ann")  # an account and a session, written by this svc-auth
    assert "Logout" in ann.get("/").body
    stop_past_the_deadline(stack, "auth", "closing the bus socket")
    stack.start("auth")
    wait_until(stack.healthy, 15, "svc-auth to answer after its restart")
    assert "Logout" in ann.get("/").body  # the session it wrote is still valid


def test_a_gateway_stop_that_nng_holds_ends_at_the_deadline(stack):
    restart_with_nng_close_hanging(stack, "gateway")
    assert stack.request("GET", "/talks-before-the-stop").status == 404
    log = stop_past_the_deadline(stack, "gateway", "closing the relay")
    assert "path=/talks-before-the-stop status=404" in log  # its access line was written
    stack.start("gateway")
    wait_until(stack.healthy, 15, "the gateway to answer after its restart")
