"""Compose v2 for the compose test, where only docker-compose 1.29 is installed: the `docker
compose` CLI plugin built from its Go module (github.com/docker/compose/v5, through the Go module
proxy) with the Go toolchain, once, and kept between runs under ~/.cache/talks/ (or
$XDG_CACHE_HOME/talks/). It is used as a plugin through a Docker config folder of its own
(`docker --config DIR compose ...`), so nothing of the machine's Docker setup changes.

    command()  ->  (["docker", "--config", DIR, "compose"], None) or (None, "why not")

Measured here: 1 min 24 s on 2 cores with an empty Go module cache (the downloads included),
a 33 MB binary; a few ms once cached."""
import json
import os
import shutil
import subprocess
import time

MODULE, VERSION = "github.com/docker/compose/v5", "v5.6.0"
BUILD_TIMEOUT = 1200


def _go():
    for go in (os.environ.get("TALKS_GO"), shutil.which("go"), "/usr/local/go/bin/go"):
        if go and os.access(go, os.X_OK):
            return go
    return None


def _config_dir():
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "talks", f"compose-{VERSION}")


def _build(go, plugin, say):
    """Builds the plugin into plugin (renamed into place once whole); None, or why not."""
    env = dict(os.environ, GOFLAGS="-buildvcs=false")
    t = time.monotonic()
    r = subprocess.run([go, "mod", "download", "-json", f"{MODULE}@{VERSION}"], env=env,
                       capture_output=True, text=True, timeout=BUILD_TIMEOUT, cwd="/")
    if r.returncode != 0:
        return f"`go mod download {MODULE}@{VERSION}` failed: {(r.stderr or r.stdout).strip()[-300:]}"
    source = json.loads(r.stdout)["Dir"]
    # `go install module@version` refuses this module (its go.mod has exclude directives), so
    # build in its (read-only) folder of the module cache, as its Makefile does
    tmp = f"{plugin}.{os.getpid()}.tmp"
    r = subprocess.run([go, "build", "-trimpath", "-ldflags",
                        f"-w -X {MODULE}/internal.Version={VERSION}", "-o", tmp, "./cmd"],
                       cwd=source, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    if r.returncode != 0:
        return f"`go build` of {MODULE} {VERSION} failed: {(r.stderr or r.stdout).strip()[-300:]}"
    os.replace(tmp, plugin)
    say(f"built the Compose v2 plugin {VERSION} from the Go module proxy in "
        f"{time.monotonic() - t:.0f} s (cached in {os.path.dirname(plugin)})")
    return None


def command(say):
    """The `docker compose` command line to use, building the plugin first if needed."""
    config = _config_dir()
    plugin = os.path.join(config, "cli-plugins", "docker-compose")
    if not os.access(plugin, os.X_OK):
        go = _go()
        if not go:
            return None, "no Go toolchain (go, /usr/local/go/bin/go) to build Compose v2 with"
        os.makedirs(os.path.dirname(plugin), exist_ok=True)
        try:
            why = _build(go, plugin, say)
        except (OSError, subprocess.TimeoutExpired, ValueError, KeyError) as e:
            why = f"building Compose v2 failed: {e!r}"
        if why:
            return None, why
    cmd = ["docker", "--config", config, "compose"]
    r = subprocess.run(cmd + ["version", "--short"], capture_output=True, text=True, timeout=60)
    if r.returncode != 0 or VERSION.lstrip("v") not in r.stdout:
        return None, f"the Compose v2 plugin in {config} does not run: {(r.stderr or r.stdout).strip()[-300:]}"
    return cmd, None
