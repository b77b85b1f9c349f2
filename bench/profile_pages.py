#!/usr/bin/python3
"""Where an uncached page's time goes: the stack's cost per page view, page cache off.

Seeds a stack once (`talksctl seed --users U --talks T --comments C`, kept in --data once the
stack is idle after it, so that runs compare on the same rows), then for each case asks for
pages spread over the data:

  talk_spread  /talk/<id> over all seeded talks
  home_pages   /?page=<n> over every timeline page
  user_spread  /user/<name> over every speaker
  home_first   /?page=1 only, and home_last the last timeline page only (what a deep page costs)
  talk_one     /talk/1 only, and home_one / only: with --page-cache-ms, the cached pages

Two measures, both per request:
  (default)    wrk, 64 connections, --seconds each: req/s, p50/p99 and each process's CPU
               time (its /proc counters), as bench/run.py reads them;
  --callgrind  every process under valgrind's callgrind, --requests sequential requests per
               case (the same paths every run): each process's instructions per request —
               deterministic, so a change shows even on a busy machine.

  bench/profile_pages.py [--cases a,b] [--callgrind] [--requests N] [--seconds S]
                         [--talks T] [--users U] [--comments C] [--data DIR] [--keep DIR]
                         [--bin DIR]

--keep DIR leaves the callgrind dumps there (callgrind_annotate them for the functions).
--bin DIR measures another build (a copy of build/bin, or a worktree's at an older commit), to
compare two builds in one session.
It reuses bench/run.py's Stack (release build in build/bin) and wrk helpers.
"""
import argparse
import glob
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (bench/run.py: Stack, wrk)

CASES = ("talk_spread", "home_pages", "user_spread", "home_first", "home_last", "talk_one",
         "home_one")
SPREAD_LUA = os.path.join(run.BENCH, "profile_spread.lua")
VALGRIND = ["valgrind", "--tool=callgrind", "--quiet"]


class GrindStack(run.Stack):
    """The stack with every process under callgrind, its dumps in outdir."""

    def __init__(self, tmpdir, outdir):
        super().__init__(tmpdir, page_cache_ms=0)
        self.outdir = outdir
        self.env["TALKS_BUS_TIMEOUT_MS"] = "60000"  # valgrind is ~50x slower

    def start(self, timeout=120):
        for name, exe in run.PROCESSES.items():
            out = open(os.path.join(self.dir, f"{name}.log"), "ab")
            self.logs.append(out)
            dump = os.path.join(self.outdir, f"callgrind.{name}")
            self.procs[name] = subprocess.Popen(
                [*VALGRIND, f"--callgrind-out-file={dump}", os.path.join(run.BIN, exe)],
                env=self.env_of(name), cwd=self.dir, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.healthy():
                return
            time.sleep(0.2)
        raise run.BenchError("/healthz not 200 under valgrind:\n" + self.log_tail("gateway"))

    def control(self, flag):
        for p in self.procs.values():
            subprocess.run(["callgrind_control", flag, str(p.pid)], capture_output=True,
                           timeout=60)

    def totals(self):
        """{process: instructions since the last zero}, from a fresh dump of each."""
        self.control("--dump")
        out = {}
        for name in self.procs:
            files = glob.glob(os.path.join(self.outdir, f"callgrind.{name}*"))
            newest = max(files, key=os.path.getmtime)
            with open(newest) as f:
                m = re.search(r"^(?:totals|summary): (\d+)", f.read(), re.M)
            out[name] = int(m.group(1)) if m else 0
        return out


def wait_until_idle(stack, quiet_ticks=5, window_s=1.5, timeout_s=600):
    """Waits until the stack spends under quiet_ticks of CPU in window_s (longer than svc-talks'
    one-second poll): the work a seed leaves behind (speakers' names reaching talks stored before
    them, and their search index) is then done, and kept with the data, instead of being counted
    in the first case's requests."""
    deadline = time.monotonic() + timeout_s
    before = sum(stack.cpu_ticks().values())
    while time.monotonic() < deadline:
        time.sleep(window_s)
        now = sum(stack.cpu_ticks().values())
        if now - before < quiet_ticks:
            return
        before = now
    raise run.BenchError(f"the stack was still busy {timeout_s} s after the seed")


def seed(opts):
    """The seeded data dir (made once per size), copied for this run."""
    key = f"u{opts.users}-t{opts.talks}-c{opts.comments}" + ("-bulk" if opts.bulk else "")
    src = os.path.join(opts.data, key)
    if not os.path.isdir(os.path.join(src, "var")):
        tmp = tempfile.mkdtemp(prefix="talks-prof-")
        stack = run.Stack(tmp)
        try:  # a start that fails stops what it started too
            stack.start()
            t0 = time.monotonic()
            r = stack.talksctl("seed", "--users", str(opts.users), "--talks", str(opts.talks),
                               "--comments", str(opts.comments), *(["--bulk"] if opts.bulk else []),
                               timeout=3600)
            if r.returncode != 0:
                raise run.BenchError(f"seed: {r.stdout}{r.stderr}")
            run.log(f"seeded {key} in {time.monotonic() - t0:.0f} s")
            wait_until_idle(stack)
        finally:
            stack.stop()
        os.makedirs(opts.data, exist_ok=True)
        shutil.rmtree(src, ignore_errors=True)
        shutil.copytree(tmp, src)
        shutil.rmtree(tmp)
    work = tempfile.mkdtemp(prefix="talks-prof-")
    shutil.copytree(os.path.join(src, "var"), os.path.join(work, "var"))
    return work


def paths(stack, opts):
    """Each case's URLs: every talk, every timeline page, every speaker."""
    st, _, body = stack.request("GET", "/")
    m = re.findall(rb"[?&]page=(\d+)", body)
    pages = max([int(x) for x in m] + [1])
    names = sorted({n.decode() for n in re.findall(rb'href="/user/([^"/?#]+)"', body)})
    # Speakers: the seed names them speaker1..N (the timeline shows only a few of them).
    users = [f"speaker{i}" for i in range(1, opts.users + 1)] if opts.users else names
    return {
        "talk_spread": [f"/talk/{i}" for i in range(1, opts.talks + 1)],
        "home_pages": [f"/?page={i}" for i in range(1, pages + 1)],
        "user_spread": [f"/user/{u}" for u in users],
        "home_first": ["/?page=1"],
        "home_last": [f"/?page={pages}"],
        "talk_one": ["/talk/1"],
        "home_one": ["/"],
    }


def sample(urls, n):
    """n of urls, the same ones every run."""
    rnd = random.Random(23)
    return [rnd.choice(urls) for _ in range(n)]


def grind(opts, work, outdir):
    stack = GrindStack(work, outdir)
    try:  # a start that fails (the gateway refusing its templates) stops the services it started
        stack.start()
        urls = paths(stack, opts)
        for case in opts.cases:
            todo = sample(urls[case], opts.requests)
            for u in todo[:5]:  # warm: first-use allocations, SQLite's page cache
                stack.request("GET", u, timeout=120)
            stack.control("--zero")
            for u in todo:
                st, _, _ = stack.request("GET", u, timeout=120)
                if st != 200:
                    raise run.BenchError(f"GET {u}: {st}")
            tot = stack.totals()
            per = {k: round(v / len(todo)) for k, v in tot.items()}
            run.log(f"{case:<12} instructions/request: total {sum(per.values()):>9,}  "
                    + "  ".join(f"{k} {v:,}" for k, v in per.items()))
    finally:
        stack.stop()


def load(opts, work):
    stack = run.Stack(work, page_cache_ms=opts.page_cache_ms)
    tick_us = 1e6 / os.sysconf("SC_CLK_TCK")
    try:
        stack.start()
        urls = paths(stack, opts)
        for case in opts.cases:
            listing = os.path.join(work, f"{case}.paths")
            with open(listing, "w") as f:
                f.write("\n".join(sample(urls[case], 20000)) + "\n")
            os.environ["PROFILE_PATHS"] = listing
            run.wrk(stack.url("/"), "profile_spread.lua", duration=1)
            before = stack.cpu_ticks()
            res = run.wrk(stack.url("/"), "profile_spread.lua", duration=opts.seconds)
            after = stack.cpu_ticks()
            cpu = {n: round((after[n] - before[n]) * tick_us / res["requests"]) for n in after}
            rps = res["requests"] / (res["duration_us"] / 1e6)
            bad = res["bad_status"] + res["socket_errors"]
            run.log(f"{case:<12} {rps:>7.0f} req/s  p50 {res['p50_us'] / 1000:.2f} ms  "
                    f"p99 {res['p99_us'] / 1000:.2f} ms  errors {bad}  stack CPU "
                    f"{sum(cpu.values())} us/req {cpu}")
    finally:
        stack.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=lambda v: v.split(","), default=list(CASES[:3]))
    ap.add_argument("--callgrind", action="store_true")
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--talks", type=int, default=2000)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--comments", type=int, default=4)
    ap.add_argument("--bulk", action="store_true",
                    help="seed with talksctl seed --bulk (100 000 talks in about a minute)")
    ap.add_argument("--data", default=os.path.join(tempfile.gettempdir(), "talks-prof-data"))
    ap.add_argument("--keep", metavar="DIR")
    ap.add_argument("--bin", metavar="DIR", help="the binaries to measure (build/bin)")
    ap.add_argument("--page-cache-ms", type=int, default=0, metavar="MS",
                    help="TALKS_PAGE_CACHE_MS for the wrk runs (0: every view asks the services)")
    opts = ap.parse_args()
    if opts.bin:
        run.BIN = os.path.abspath(opts.bin)
    if not set(opts.cases) <= set(CASES):
        ap.error(f"--cases: choose among {', '.join(CASES)}")
    if opts.callgrind and not shutil.which("valgrind"):
        ap.error("--callgrind needs valgrind (as root: apt-get install valgrind)")
    work = seed(opts)
    outdir = opts.keep or tempfile.mkdtemp(prefix="talks-grind-")
    os.makedirs(outdir, exist_ok=True)
    try:
        if opts.callgrind:
            grind(opts, work, outdir)
        else:
            run.ensure_wrk()
            load(opts, work)
    except run.BenchError as e:
        print(f"profile: {e}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not opts.keep:
            shutil.rmtree(outdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
