"""The documents that list what the code defines cannot drift from it: every bus operation of
proto/tp_ops.h is named in docs/ARCHITECTURE.md, and every setting of proto/tp_config.h is a row
of the README's configuration table with the same default."""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def read(*path):
    with open(os.path.join(ROOT, *path), encoding="utf-8") as f:
        return f.read()


def test_every_operation_is_in_the_architecture_document():
    ops = re.findall(r'X\(TP_OP_\w+, "([a-z_.]+)"', read("proto", "tp_ops.h"))
    assert len(ops) > 20
    doc = read("docs", "ARCHITECTURE.md")
    missing = [op for op in ops if f"`{op}`" not in doc]
    assert not missing, f"docs/ARCHITECTURE.md does not name: {missing}"


def test_every_setting_is_in_the_readme_with_its_default():
    header = read("proto", "tp_config.h")
    bus_dir = re.search(r'#define TP_BUS_DIR "([^"]+)"', header).group(1)
    settings = re.findall(r'X\((\w+),\s*((?:TP_BUS_DIR\s*)?"[^"]*")', header)
    assert len(settings) > 25
    readme = read("README.md")
    rows = dict(re.findall(r"^\| `(\w+)` \|.*\| (.+) \|$", readme, re.M))
    for name, default in settings:
        value = default.replace("TP_BUS_DIR", f'"{bus_dir}"').replace('" "', "").replace('""', "")
        value = value.strip().strip('"')
        assert name in rows, f"README's configuration table has no row for {name}"
        shown = rows[name].strip()
        if value:
            assert shown == f"`{value}`", f"{name}: README says {shown}, the code {value}"
        else:
            assert shown in ("—", "-"), f"{name}: README says {shown}, the code has no default"
