"""The documents that list what the code defines cannot drift from it: every bus operation of
proto/tp_ops.h is named in docs/ARCHITECTURE.md, and every setting of proto/tp_config.h is a row
of the README's configuration table with the same default; and every reply field a page reads
by name is declared in a reply shape."""
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


# The keys of the envelope every reply has (tp_svc.c, gw_call.c) and of the ping and batch
# replies, which no op's shape lists.
ENVELOPE_KEYS = {"ok", "err", "msg", "fields", "replies", "alone", "service", "op", "rid", "type"}
# Files that read what no reply shape describes: the metrics text format (checked by its own
# reader, metrics_text.c) and the relay, which forwards requests without reading their fields.
OWN_FORMATS = {"metrics.c", "metrics_text.c", "relay.c"}


def test_every_reply_key_a_page_reads_is_declared_in_a_shape():
    """A page reads reply fields by name (tp_get_int(r->map, "author_id"), …); a misspelt name
    would read as missing. Every such name must be a field of some shape in gateway/reply.c."""
    shapes = read("gateway", "reply.c")
    declared = set(re.findall(r'F_[A-Z_]+\("(\w+)"', shapes))
    declared |= set(re.findall(r'\{"(\w+)", REPLY_', shapes))
    assert len(declared) > 40
    unknown = []
    for name in sorted(os.listdir(os.path.join(ROOT, "gateway"))):
        if not name.endswith(".c") or name == "reply.c" or name in OWN_FORMATS:
            continue
        text = read("gateway", name)
        for key in re.findall(r'(?:tp_get_\w+|tp_opt_\w+|tp_map_get)\([^,()]+, "(\w+)"', text):
            if key not in declared and key not in ENVELOPE_KEYS:
                unknown.append(f"{name}: {key}")
    assert not unknown, f"read by the gateway but declared in no reply shape: {unknown}"
