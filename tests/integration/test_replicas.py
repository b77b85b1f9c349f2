"""svc-comments scales out: three replicas share comments.db, each serves requests, and one of
them killed mid-load costs no comment and duplicates none (request ids make a resent request
idempotent)."""
import re
import signal
import threading

from stack import PROCESSES, publish, speaker


def test_three_replicas_one_killed_mid_load_every_comment_exactly_once(stack):
    for name in ("comments2", "comments3"):
        stack.start(name, PROCESSES["comments"])
    ann = speaker(stack)
    talk = publish(ann)
    results, lock = [], threading.Lock()
    killed = threading.Event()

    def post(worker, count):
        b = stack.browser()
        b.cookies = dict(ann.cookies)
        token = b.csrf(talk)
        for i in range(count):
            r = b.post(talk, {"body": f"w{worker}-c{i}", "csrf_token": token})
            with lock:
                results.append(r.status)
                if len(results) == 30 and not killed.is_set():
                    killed.set()
                    stack.procs["comments2"].send_signal(signal.SIGKILL)

    threads = [threading.Thread(target=post, args=(w, 15)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert killed.is_set()
    assert results.count(303) == 60, results

    bodies = []
    page = 1
    while True:
        html = stack.request("GET", f"{talk}?page={page}").body
        found = re.findall(r"w\d-c\d+", html)
        if not found or (bodies and found[0] in bodies):
            break
        bodies += found
        page += 1
    assert sorted(bodies) == sorted(f"w{w}-c{i}" for w in range(4) for i in range(15))

    for name in ("comments", "comments2", "comments3"):
        assert "op=comments.create" in stack.log(name), f"{name} served no comment"
    stack.procs.pop("comments2").wait()
    stack.logs.pop("comments2").close()
