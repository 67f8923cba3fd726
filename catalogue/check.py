#!/usr/bin/env python3
"""Step 2 of the catalogue's selection rule (catalogue/README.md): one `npm view NAME@VERSION
--json` per candidate (VERSION from the local package list), cached in CACHE/view/, and the
rule's checks on what npm says.

usage: check.py NPM_TSV CACHE NAME...    prints NAME<TAB>VERSION<TAB>verdict<TAB>why
verdict is 'ok' or 'drop'."""
import concurrent.futures
import json
import os
import re
import subprocess
import sys

HOST_NODE = 20
KEYWORDS = {"mcp", "modelcontextprotocol", "mcp-server", "model-context-protocol"}


def view(cache, name, version):
    path = os.path.join(cache, "view", name.replace("/", "%2f") + "@" + version + ".json")
    if not os.path.exists(path):
        r = subprocess.run(["npm", "view", "%s@%s" % (name, version), "--json"],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            return None, (r.stderr.strip().splitlines() or ["npm view failed"])[-1]
        with open(path + ".tmp", "w") as f:
            f.write(r.stdout)
        os.replace(path + ".tmp", path)
    with open(path) as f:
        data = json.load(f)
    if isinstance(data, list):
        data = data[-1]
    return data, None


def lowest_major(spec):
    """The lowest Node.js major an engines.node range allows (None: no lower bound)."""
    m = re.search(r"(\d+)", spec or "")
    return int(m.group(1)) if m else None


def verdict(meta):
    if not meta.get("bin"):
        return "drop", "no bin"
    kw = {k.lower() for k in (meta.get("keywords") or []) if isinstance(k, str)}
    deps = meta.get("dependencies") or {}
    declares = []
    if meta.get("mcpName"):
        declares.append("mcpName")
    if kw & KEYWORDS:
        declares.append("keyword " + ",".join(sorted(kw & KEYWORDS)))
    for sdk in ("@modelcontextprotocol/sdk", "@modelcontextprotocol/server"):  # SDK v1, v2
        if sdk in deps:
            declares.append("depends on " + sdk)
    if not declares:
        return "drop", "declares no MCP server"
    os_ = meta.get("os") or []
    if os_ and "linux" not in os_:
        return "drop", "os %s" % ",".join(os_)
    engines = (meta.get("engines") or {}).get("node", "")
    low = lowest_major(engines)
    if low is not None and low > HOST_NODE:
        return "drop", "engines.node %s (host Node.js %d)" % (engines, HOST_NODE)
    return "ok", "; ".join(declares)


def main():
    tsv, cache = sys.argv[1], sys.argv[2]
    names = sys.argv[3:]
    os.makedirs(os.path.join(cache, "view"), exist_ok=True)
    versions = {}
    want = set(names)
    with open(tsv, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.split("\t")
            if parts[0] in want:
                versions[parts[0]] = parts[1]

    def one(name):
        version = versions.get(name)
        if not version:
            return name, "", "drop", "not in the package list"
        meta, err = view(cache, name, version)
        if meta is None:
            return name, version, "drop", "npm view: " + err
        v, why = verdict(meta)
        return name, version, v, why

    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        for row in ex.map(one, names):
            print("\t".join(row))


if __name__ == "__main__":
    main()
