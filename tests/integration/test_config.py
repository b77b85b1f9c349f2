"""Bad configuration stops a process at start with one clear line naming the setting."""
import os
import subprocess

import pytest

from stack import BIN, PROCESSES, Stack, free_ports

CASES = [
    ("auth", {"TALKS_ENV": "prod"}, "TALKS_ENV"),
    ("gateway", {"TALKS_ENV": "prod"}, "TALKS_ENV"),
    ("auth", {"TALKS_WORKERS": "zero"}, "TALKS_WORKERS"),
    ("gateway", {"TALKS_ENV": "production", "SECRET_KEY": ""}, "SECRET_KEY"),
    ("gateway", {"TALKS_BUS_TIMEOUT_MS": "-1"}, "TALKS_BUS_TIMEOUT_MS"),
    ("gateway", {"TALKS_TRUSTED_PROXY": "localhost"}, "TALKS_TRUSTED_PROXY"),
    ("gateway", {"TALKS_TRUSTED_PROXY": "10.0.0.0/33"}, "TALKS_TRUSTED_PROXY"),
]


def run(tmp_path, exe, env):
    s = Stack(tmp_path, extra_env=env)
    return subprocess.run([os.path.join(BIN, exe)], env=s.env, cwd=str(tmp_path),
                          capture_output=True, text=True, timeout=10)


@pytest.mark.parametrize("process,env,setting", CASES)
def test_bad_settings_stop_a_process_with_one_line(tmp_path, process, env, setting):
    r = run(tmp_path, PROCESSES[process], env)
    assert r.returncode == 1
    assert setting in r.stderr and r.stderr.count("\n") == 1, r.stderr


def test_gateway_refuses_an_unparsable_listen_address(tmp_path):
    r = run(tmp_path, PROCESSES["gateway"], {"TALKS_HTTP_ADDR": "localhost"})
    assert r.returncode == 1 and "TALKS_HTTP_ADDR" in r.stderr


def test_unwritable_data_dir_is_refused(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    r = run(tmp_path, PROCESSES["auth"], {"TALKS_DATA_DIR": str(blocker / "var")})
    assert r.returncode == 1 and "TALKS_DATA_DIR" in r.stderr


def test_a_second_gateway_on_the_same_bus_says_which_address_is_taken(stack):
    """The gateway listens on the bus's hub and relay addresses: a second one beside it (another
    TALKS_HTTP_ADDR, the same data folder) cannot, and says so instead of a bare name."""
    env = dict(stack.env, TALKS_HTTP_ADDR=f"127.0.0.1:{free_ports(1)[0]}")
    r = subprocess.run([os.path.join(BIN, PROCESSES["gateway"])], env=env, cwd=stack.dir,
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert "TALKS_BUS_" in r.stderr and "in use" in r.stderr, r.stderr
    assert stack.request("GET", "/healthz").status == 200  # the first one goes on
