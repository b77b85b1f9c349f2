"""talksctl adduser, exactly as SPEC §3 words it, and talksctl ping."""
import socket


def test_adduser_registers_and_the_user_can_log_in(stack):
    r = stack.talksctl("adduser", "--password-stdin", "bob@example.com", "bob", stdin="s3cret-pass\n")
    assert r.returncode == 0
    assert r.stdout == "User bob was registered successfully.\n"
    assert stack.browser().login("bob@example.com", "s3cret-pass").status == 303


def test_adduser_admin_flag(stack):
    r = stack.talksctl("adduser", "--admin", "--password-stdin", "root@example.com", "root", stdin="s3cret-pass\n")
    assert r.returncode == 0


def test_adduser_refuses_duplicates_weak_and_invalid(stack):
    stack.adduser("bob@example.com", "bob")
    cases = [
        (("bob@example.com", "other"), "correct horse", "Email already registered."),
        (("BOB@example.com", "other"), "correct horse", "Email already registered."),
        (("new@example.com", "bob"), "correct horse", "Username already taken."),
        (("x@example.com", "x"), "short", "at least 8 characters"),
        (("not-an-email", "y"), "correct horse", "valid email"),
    ]
    for args, pw, message in cases:
        r = stack.talksctl("adduser", "--password-stdin", *args, stdin=pw + "\n")
        assert r.returncode == 1, args
        assert message in r.stderr and r.stderr.count("\n") == 1, r.stderr


def test_adduser_without_a_terminal_or_stdin_flag_says_how(stack):
    r = stack.talksctl("adduser", "a@example.com", "a", stdin="")
    assert r.returncode == 1 and "--password-stdin" in r.stderr


def test_adduser_when_auth_is_down_says_so(stack):
    stack.stop("auth")
    r = stack.talksctl("adduser", "--password-stdin", "a@example.com", "a", stdin="correct horse\n")
    assert r.returncode == 1
    assert "unreachable" in r.stderr and r.stderr.count("\n") == 1


def test_help_describes_the_commands(stack):
    r = stack.talksctl("--help")
    assert r.returncode == 0 and "adduser [--admin]" in r.stdout
    r = stack.talksctl("adduser", "--help")
    assert r.returncode == 0 and "--password-stdin" in r.stdout


def test_ping_names_the_process_that_answers_and_fails_for_one_that_does_not(stack):
    """talksctl ping: the containers' health check asks each service itself over its control
    address; the answer names the process (host:pid)."""
    host = socket.gethostname()
    r = stack.talksctl("ping")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [f"svc-{s}: up (replica {host}:{stack.procs[s].pid})"
                                     for s in ("auth", "talks", "comments", "mail")]
    stack.stop("mail")
    r = stack.talksctl("ping", "auth", "mail")
    assert r.returncode == 1
    assert r.stdout == f"svc-auth: up (replica {host}:{stack.procs['auth'].pid})\n"
    assert r.stderr.startswith("talksctl: svc-mail does not answer on ipc://") and \
        r.stderr.count("\n") == 1, r.stderr
    r = stack.talksctl("ping", "gateway")
    assert r.returncode == 1 and "usage: talksctl ping [SERVICE...]" in r.stderr
