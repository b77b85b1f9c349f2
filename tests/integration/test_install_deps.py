"""scripts/install-deps.sh waits for the dpkg lock another apt holds (a fresh machine's
unattended upgrade) and says so when it gives up. apt-get and dpkg-query are stand-ins on PATH
that record how they were called, so nothing is installed."""
import os
import subprocess
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "install-deps.sh")


def fake_tools(tmp_path, apt_exit):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "apt-calls"
    (bin_dir / "dpkg-query").write_text("#!/bin/sh\nexit 1\n")  # every package looks missing
    (bin_dir / "apt-get").write_text(textwrap.dedent(f"""\
        #!/bin/sh
        echo "$@" >> {calls}
        exit {apt_exit}
        """))
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", APT_LOCK_TIMEOUT="7")
    return env, calls


def test_apt_waits_for_the_dpkg_lock(tmp_path):
    env, calls = fake_tools(tmp_path, apt_exit=0)
    r = subprocess.run(["sh", SCRIPT, "build"], env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    lines = calls.read_text().splitlines()
    assert [line.split()[2] for line in lines] == ["update", "install"]
    assert all(line.startswith("-o DPkg::Lock::Timeout=7 ") for line in lines)


def test_a_lock_held_too_long_is_one_clear_line(tmp_path):
    env, calls = fake_tools(tmp_path, apt_exit=100)
    r = subprocess.run(["sh", SCRIPT, "build"], env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert "dpkg" in r.stderr and "lock" in r.stderr and "7s" in r.stderr
    assert len(calls.read_text().splitlines()) == 1  # gave up at the first failure


def test_without_root_or_sudo_it_says_what_to_install(tmp_path):
    env, calls = fake_tools(tmp_path, apt_exit=0)
    bin_dir = tmp_path / "bin"
    (bin_dir / "id").write_text("#!/bin/sh\necho 1000\n")  # not root
    (bin_dir / "id").chmod(0o755)
    # A PATH without sudo: the stand-ins, and the folders sh, grep and dpkg-query's stand-in need.
    env["PATH"] = f"{bin_dir}:/usr/bin:/bin"
    if any(os.path.exists(os.path.join(d, "sudo")) for d in ("/usr/bin", "/bin")):
        env["PATH"] = f"{bin_dir}:{tmp_path / 'nosudo'}"
        nosudo = tmp_path / "nosudo"
        nosudo.mkdir()
        for tool in ("sh", "grep", "echo", "cat"):
            for d in ("/usr/bin", "/bin"):
                if os.path.exists(os.path.join(d, tool)):
                    os.symlink(os.path.join(d, tool), nosudo / tool)
                    break
    r = subprocess.run(["/bin/sh", SCRIPT, "build"], env=env, capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 1
    assert "as root, run: apt-get update && apt-get install -y" in r.stderr
    assert "libh2o-evloop-dev" in r.stderr
    assert not calls.exists()  # apt was never run
