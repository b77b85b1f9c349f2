import pytest

from stack import Stack


@pytest.fixture
def stack(tmp_path):
    s = Stack(tmp_path)
    s.start_all()  # stops what it started if the stack does not come up
    yield s
    s.stop_all_cleanly()
