#!/usr/bin/env python3
"""Applies a plugin's row of catalogue/permissions.tsv to the manifest `nxp import npm` wrote.

usage: apply_permissions.py PERMISSIONS_TSV PLUGIN IN_JSON OUT_JSON
Columns: plugin, network (JSON array of host[:port]), filesystem (JSON array of
{path, access}), config (JSON object merged into .config: keys with env/arg, type, default),
args (JSON array appended to .mcp.args), import options (used by build.sh). '-' is none.
${fixture_port} anywhere in a row is the loopback fixture server's port (CAT_PORT).
The manifest's permissions become exactly the row's (nothing else is granted)."""
import json
import os
import sys


def main():
    table, plugin, src, dst = sys.argv[1:5]
    row = None
    with open(table) as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if cols[0] == plugin:
                # The loopback fixture server's port, which build.sh chooses (CAT_PORT).
                port = os.environ.get("CAT_PORT", "18765")
                cols = [c.replace("${fixture_port}", port) for c in cols]
                row = cols + ["-"] * (6 - len(cols))
    with open(src) as f:
        m = json.load(f)

    def col(i, default):
        if row is None or row[i] in ("", "-"):
            return default
        try:
            return json.loads(row[i])
        except ValueError as e:
            sys.exit("permissions.tsv: %s, column %d: not JSON (%s)" % (plugin, i + 1, e))

    perms = {}
    network, filesystem = col(1, []), col(2, [])
    if network:
        perms["network"] = network
    if filesystem:
        perms["filesystem"] = filesystem
    m["permissions"] = perms
    config = col(3, {})
    if config:
        have = m.setdefault("config", {})
        # A key of the table replaces one `nxp import npm` made for the same variable (its
        # name may differ), and a table key passed as an argument replaces every argument
        # key the importer made (it may have read the README's examples differently: one
        # `directories` array where the table passes one directory): the table wins.
        for key, spec in config.items():
            if not isinstance(spec, dict):
                continue
            env, arg = spec.get("env"), spec.get("arg")
            for old in [k for k, v in have.items() if isinstance(v, dict) and k != key and
                        ((env and v.get("env") == env) or (arg and v.get("arg")))]:
                del have[old]
        have.update(config)
    args = col(4, [])
    if args:
        m["mcp"]["args"] = list(m["mcp"].get("args", [])) + args
    with open(dst, "w") as f:
        json.dump(m, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
