"""Prints a clear SKIP line (pytest -q shows only an "s") when the compose test cannot run."""


def pytest_terminal_summary(terminalreporter):
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        terminalreporter.write_line(f"SKIP compose: {reason.removeprefix('Skipped: ')}")
