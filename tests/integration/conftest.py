import pytest

from smtp_sink import SmtpSink
from stack import Stack


@pytest.fixture
def stack(tmp_path):
    s = Stack(tmp_path)
    s.start_all()  # stops what it started if the stack does not come up
    yield s
    s.stop_all_cleanly()


@pytest.fixture
def smtp(tmp_path):
    """A real SMTP server (aiosmtpd) writing what it accepts into a Maildir under tmp_path."""
    sink = SmtpSink(tmp_path)
    sink.start()
    yield sink
    sink.stop()
