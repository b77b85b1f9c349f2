#!/usr/bin/python3
"""Runs every suite of `make test` — the C unit tests, then the integration, browser and Docker
compose tests (pytest) — and ends with one line: "N passed, N failed". Exit status 1 if anything
failed."""
import argparse
import glob
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_unit(build):
    passed = failed = 0
    for exe in sorted(glob.glob(os.path.join(build, "tests", "*", "*"))):
        # tests/tools/ holds programs the suites drive (busprobe), not unit tests.
        if not os.access(exe, os.X_OK) or os.path.isdir(exe) or os.path.basename(os.path.dirname(exe)) == "tools":
            continue
        r = subprocess.run([exe], capture_output=True, text=True, timeout=300)
        sys.stdout.write(r.stdout)
        sys.stderr.write(r.stderr[-5000:])
        m = re.search(r"^\S+: (\d+) passed, (\d+) failed$", r.stdout, re.M)
        if not m:
            print(f"{exe}: no summary line (exit {r.returncode})")
            failed += 1
            continue
        passed += int(m.group(1))
        failed += int(m.group(2)) + (1 if r.returncode != 0 and int(m.group(2)) == 0 else 0)
    return passed, failed


def run_pytest(build, suite):
    report = os.path.join(ROOT, build, f"pytest-{suite}.xml")
    env = dict(os.environ, TALKS_BIN=os.path.join(ROOT, build, "bin"))
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        f"--junitxml={report}", os.path.join(ROOT, "tests", suite)], env=env)
    if not os.path.exists(report):
        return 0, 1
    root = ET.parse(report).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    total = sum(int(s.get("tests", 0)) for s in suites)
    bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    if r.returncode not in (0, 1, 5):  # 5: no tests collected
        bad += 1
    return total - bad - skipped, bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build/san")
    args = ap.parse_args()
    up, uf = run_unit(args.build)
    print(f"unit: {up} passed, {uf} failed")
    ip, inf = run_pytest(args.build, "integration")
    print(f"integration: {ip} passed, {inf} failed")
    bp, bf = run_pytest(args.build, "browser")
    print(f"browser: {bp} passed, {bf} failed")
    cp, cf = run_pytest(args.build, "compose")  # real Docker; skipped with a reason without one
    print(f"compose: {cp} passed, {cf} failed")
    passed, failed = up + ip + bp + cp, uf + inf + bf + cf
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
