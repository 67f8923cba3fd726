#!/usr/bin/env python3
"""Step 1 of the catalogue's selection rule (catalogue/README.md): candidates from the local
list of npm packages (name, version, downloads a month, summary), no registry query.

usage: candidates.py NPM_TSV [LIMIT]   prints name<TAB>version<TAB>downloads<TAB>summary,
most downloaded first.
A candidate's name or summary mentions MCP / Model Context Protocol, and its name does not say
it is a library, an SDK, a client, a proxy or a platform binary (the words in NOT_A_SERVER)."""
import re
import sys

MENTIONS = re.compile(r"mcp|model context protocol|modelcontextprotocol", re.I)
# Name words of packages that are not themselves a server one runs over stdio.
NOT_A_SERVER = re.compile(
    r"(^|[-/@_.])(sdk|client|clients|adapter|adapters|framework|transport|proxy|middleware|"
    r"inspector|types|utils|util|core|common|schema|config|provider|plugin|gateway|bridge|"
    r"remote|tunnel|handler|toolkit|instrumentation|evals?|ui|react|vue|nest|hono|express|"
    r"linux-x64|linux-arm64|darwin-arm64|darwin-x64|win32-x64|cli-tool|template|create|"
    r"monaco-vscode|n8n-nodes)([-/_.]|$)", re.I)


def main():
    path = sys.argv[1]
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 10 ** 9
    rows = []
    with open(path, encoding="utf-8", errors="replace") as f:
        next(f)
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3:
                continue
            name, version, downloads = parts[0], parts[1], parts[2]
            summary = parts[3] if len(parts) > 3 else ""
            if not (MENTIONS.search(name) or MENTIONS.search(summary)):
                continue
            if NOT_A_SERVER.search(name):
                continue
            try:
                d = int(downloads)
            except ValueError:
                continue
            rows.append((d, name, version, summary))
    rows.sort(key=lambda r: (-r[0], r[1]))
    for d, name, version, summary in rows[:limit]:
        print("%s\t%s\t%d\t%s" % (name, version, d, summary[:200]))


if __name__ == "__main__":
    main()
