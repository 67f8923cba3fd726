#!/usr/bin/env python3
"""Builds the MCPB bundles of test_mcpb_tools.sh: a tiny node MCP server that offers the
tools named in OFFERS, with a manifest (0.3) declaring the tools named in DECLARES.

usage: mcpb_tools_zip.py OUT.mcpb NAME OFFERS DECLARES [TOOLS_JSON]
OFFERS and DECLARES are comma-separated tool names; TOOLS_JSON, when given, is the
manifest's "tools" value as JSON text instead (hostile variants); "-" leaves "tools" out.
"""
import json
import sys

import mcpb_zip  # the same deterministic zip writer (tests/cli/mcpb_zip.py)

SERVER = r"""
const readline = require('readline');
const offers = OFFERS;
const rl = readline.createInterface({ input: process.stdin });
const send = (m) => process.stdout.write(JSON.stringify(m) + '\n');
rl.on('line', (line) => {
  let m; try { m = JSON.parse(line); } catch { return; }
  if (m.method === 'initialize') send({ jsonrpc: '2.0', id: m.id, result: {
      protocolVersion: '2024-11-05', capabilities: { tools: {} },
      serverInfo: { name: 'bundle-tools', version: '1.0.0' } } });
  else if (m.method === 'tools/list') send({ jsonrpc: '2.0', id: m.id, result: { tools:
      offers.map((n) => ({ name: n, description: 'The ' + n + ' tool',
                           inputSchema: { type: 'object' } })) } });
  else if (m.method === 'tools/call') send({ jsonrpc: '2.0', id: m.id, result: { content: [
      { type: 'text', text: 'called ' + m.params.name } ] } });
  else if (m.id !== undefined) send({ jsonrpc: '2.0', id: m.id, error: { code: -32601, message: 'no' } });
});
"""


def main():
    out, name, offers, declares = sys.argv[1:5]
    offers = [n for n in offers.split(",") if n]
    manifest = {
        "manifest_version": "0.3",
        "name": name,
        "version": "1.0.0",
        "description": "A bundle that declares its tools",
        "author": {"name": "Example Org"},
        "server": {"type": "node", "entry_point": "server/index.js",
                   "mcp_config": {"command": "node", "args": ["${__dirname}/server/index.js"]}},
        "compatibility": {"platforms": ["linux"]},
    }
    if len(sys.argv) > 5:
        if sys.argv[5] != "-":
            manifest["tools"] = json.loads(sys.argv[5])
    else:
        manifest["tools"] = [{"name": n, "description": "Declared " + n}
                             for n in declares.split(",") if n]
    server = SERVER.replace("OFFERS", json.dumps(offers))
    mcpb_zip.write(out, [("manifest.json", json.dumps(manifest, indent=2)),
                         ("server/index.js", server)])


main()
