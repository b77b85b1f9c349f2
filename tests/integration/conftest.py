import pytest

from stack import Stack


@pytest.fixture
def stack(tmp_path):
    s = Stack(tmp_path)
    s.start_all()  # stops what it started if the stack does not come up
    yield s
    codes = s.stop_all()
    # Every process stops cleanly on SIGTERM: exit 0, no sanitizer report.
    for name, code in codes.items():
        assert code == 0, f"{name} exited with {code}:\n{s.log(name)[-3000:]}"
        assert "Sanitizer" not in s.log(name), s.log(name)[-3000:]
