"""Prints a clear SKIP line (pytest -q shows only an "s") when a Docker test cannot run; the
session's images: the base image made when missing, and every image the tests' builds made
removed at the end (the Compose v1 and v2 runs and the swarm test share one build's cache)."""
import os
import time

import pytest

from helpers import images, remove_images_made_since, run, say, set_capture

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="session")
def docker_images(request):
    set_capture(request.config.pluginmanager.getplugin("capturemanager"))
    t = time.monotonic()
    run([os.path.join(ROOT, "scripts", "mkbase.sh")], timeout=900)
    say(f"base image (scripts/mkbase.sh): {time.monotonic() - t:.1f} s")
    before = images()
    yield
    if not os.environ.get("TALKS_COMPOSE_KEEP"):
        left = remove_images_made_since(before)
        if left:
            say(f"images LEFT BEHIND: {sorted(left)}")


def pytest_terminal_summary(terminalreporter):
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        terminalreporter.write_line(f"SKIP compose: {reason.removeprefix('Skipped: ')}")
