#!/usr/bin/env python3
"""Builds MCPB bundles for the tests: a good one and hostile variants.

usage: mcpb_zip.py VARIANT OUT.mcpb

The good bundle is a tiny node MCP server (server/index.js, two tools) with a manifest
(manifest_version 0.3) using user_config: an API key in the environment, a directory
setting (a filesystem grant) and a number with min/max passed as an argument.
"""
import io
import json
import struct
import sys
import zipfile
import zlib

SERVER = r"""
const readline = require('readline');
const rl = readline.createInterface({ input: process.stdin });
const send = (m) => process.stdout.write(JSON.stringify(m) + '\n');
rl.on('line', (line) => {
  let m; try { m = JSON.parse(line); } catch { return; }
  if (m.method === 'initialize') send({ jsonrpc: '2.0', id: m.id, result: {
      protocolVersion: '2024-11-05', capabilities: { tools: {} },
      serverInfo: { name: 'bundle-hello', version: '1.0.0' } } });
  else if (m.method === 'tools/list') send({ jsonrpc: '2.0', id: m.id, result: { tools: [
      { name: 'greet', description: 'Say hello', inputSchema: { type: 'object',
        properties: { who: { type: 'string' } } } },
      { name: 'limit', description: 'The configured limit', inputSchema: { type: 'object' } } ] } });
  else if (m.method === 'tools/call') send({ jsonrpc: '2.0', id: m.id, result: { content: [
      { type: 'text', text: 'hello ' + ((m.params.arguments || {}).who || 'world') +
        ' key=' + (process.env.HELLO_API_KEY ? 'set' : 'unset') + ' argv=' +
        process.argv.slice(2).join(' ') } ] } });
  else if (m.id !== undefined) send({ jsonrpc: '2.0', id: m.id, error: { code: -32601, message: 'no' } });
});
"""


def manifest():
    return {
        "manifest_version": "0.3",
        "name": "bundle-hello",
        "display_name": "Bundle Hello",
        "version": "1.0.0",
        "description": "A tiny MCP server in an MCPB bundle",
        "author": {"name": "Example Org", "url": "https://example.org"},
        "license": "MIT",
        "homepage": "https://example.org/bundle-hello",
        "server": {
            "type": "node",
            "entry_point": "server/index.js",
            "mcp_config": {
                "command": "node",
                "args": ["${__dirname}/server/index.js", "--limit", "${user_config.limit}"],
                "env": {"HELLO_API_KEY": "${user_config.api_key}",
                        "HELLO_DATA": "${__dirname}/data"},
            },
        },
        "tools": [{"name": "greet", "description": "Say hello"},
                  {"name": "limit", "description": "The configured limit"}],
        "compatibility": {"platforms": ["darwin", "linux", "win32"],
                          "runtimes": {"node": ">=16.0.0"}},
        "user_config": {
            "api_key": {"type": "string", "title": "API key", "description": "The key",
                        "sensitive": True, "required": False},
            "workdir": {"type": "directory", "title": "Work directory",
                        "description": "Where files go", "required": False},
            "limit": {"type": "number", "title": "Limit", "description": "How many",
                      "default": 5, "min": 1, "max": 10},
        },
    }


def good_entries(m=None):
    return [("manifest.json", json.dumps(m or manifest(), indent=2).encode()),
            ("server/", b""),
            ("server/index.js", SERVER.encode()),
            ("README.md", b"bundle-hello\n")]


def write(out, entries, mode=None, attrs=None, extra=None):
    z = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED)
    for name, data in entries:
        info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
        info.create_system = 3
        info.external_attr = ((attrs or {}).get(name, 0o40755 if name.endswith("/") else 0o100644)) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, data)
    z.close()


def zip64_huge(out):
    """A stored entry whose central directory declares (through ZIP64) 1 TiB."""
    entries = good_entries()
    buf = io.BytesIO()
    central = b""
    for name, data in entries + [("big.bin", b"x" * 16)]:
        n = name.encode()
        crc = zlib.crc32(data) & 0xFFFFFFFF
        off = buf.tell()
        if name == "big.bin":
            extra = struct.pack("<HHQQ", 1, 16, 1 << 40, len(data))
            buf.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF,
                                  0xFFFFFFFF, len(n), len(extra)) + n + extra + data)
            cextra = struct.pack("<HHQQQ", 1, 24, 1 << 40, len(data), off)
            central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x031E, 45, 0, 0, 0, 0, crc,
                                   0xFFFFFFFF, 0xFFFFFFFF, len(n), len(cextra), 0, 0, 0,
                                   0o100644 << 16, 0xFFFFFFFF) + n + cextra
            continue
        buf.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, crc, len(data),
                              len(data), len(n), 0) + n + data)
        attr = (0o40755 if name.endswith("/") else 0o100644) << 16
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x031E, 20, 0, 0, 0, 0, crc,
                               len(data), len(data), len(n), 0, 0, 0, 0, attr, off) + n
    cd_off = buf.tell()
    buf.write(central)
    count = len(entries) + 1
    buf.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), cd_off, 0))
    open(out, "wb").write(buf.getvalue())


def main():
    variant, out = sys.argv[1], sys.argv[2]
    m = manifest()
    if variant == "good":
        write(out, good_entries())
    elif variant == "signed":
        write(out, good_entries())
        sig = b"\x30\x82fake-pkcs7"
        with open(out, "ab") as f:
            f.write(b"MCPB_SIG_V1" + struct.pack("<I", len(sig)) + sig + b"MCPB_SIG_END")
    elif variant == "duplicate":
        import warnings
        warnings.simplefilter("ignore")
        write(out, good_entries() + [("server/index.js", b"process.exit(1)\n")])
    elif variant == "duplicate-dir":
        write(out, good_entries() + [("README.md/", b"")])
    elif variant == "symlink":
        write(out, good_entries() + [("server/link", b"/etc/passwd")],
              attrs={"server/link": 0o120777})
    elif variant == "symlink-relative":
        write(out, good_entries() + [("server/link", b"index.js")],
              attrs={"server/link": 0o120777})
    elif variant == "fifo":
        write(out, good_entries() + [("server/pipe", b"")], attrs={"server/pipe": 0o010644})
    elif variant == "setuid":
        write(out, good_entries() + [("server/su", b"#!/bin/sh\n")],
              attrs={"server/su": 0o104755})
    elif variant == "dotdot":
        write(out, good_entries() + [("../escaped.txt", b"x")])
    elif variant == "dotdot-inner":
        write(out, good_entries() + [("server/../../escaped.txt", b"x")])
    elif variant == "absolute":
        write(out, good_entries() + [("/tmp/nxp-mcpb-absolute.txt", b"x")])
    elif variant == "backslash":
        write(out, good_entries() + [("..\\..\\escaped.txt", b"x")])
    elif variant == "control":
        write(out, good_entries() + [("server/a\x1b[31m.js", b"x")])
    elif variant == "zip64":
        zip64_huge(out)
    elif variant == "bomb":
        z = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9)
        for name, data in good_entries():
            z.writestr(name, data)
        z.writestr("zeros.bin", b"\0" * (120 << 20))
        z.close()
    elif variant == "deep-json":
        write(out, [("manifest.json", b"[" * 100000 + b"]" * 100000)] + good_entries()[1:])
    elif variant == "huge-json":
        text = json.dumps(m)[:-1] + ', "_meta": {"x": {"pad": "' + "a" * (2 << 20) + '"}}}'
        write(out, [("manifest.json", text.encode())] + good_entries()[1:])
    elif variant == "dupkey-json":
        text = '{"name": "bundle-hello", ' + json.dumps(m)[1:]
        write(out, [("manifest.json", text.encode())] + good_entries()[1:])
    elif variant == "no-linux":
        m["compatibility"]["platforms"] = ["darwin", "win32"]
        write(out, good_entries(m))
    elif variant == "missing-entry":
        m["server"]["entry_point"] = "server/main.js"
        write(out, good_entries(m))
    elif variant == "command-outside":
        m["server"]["mcp_config"]["command"] = "/usr/bin/curl"
        write(out, good_entries(m))
    elif variant == "command-escape":
        m["server"]["type"] = "binary"
        m["server"]["mcp_config"]["command"] = "${__dirname}/../../bin/sh"
        write(out, good_entries(m))
    elif variant == "bad-name":
        m["name"] = "@@@"
        write(out, good_entries(m))
    elif variant == "secret-arg":
        m["server"]["mcp_config"]["args"].append("${user_config.api_key}")
        write(out, good_entries(m))
    elif variant == "unknown-key":
        m["server"]["mcp_config"]["env"]["X"] = "${user_config.nope}"
        write(out, good_entries(m))
    elif variant == "no-manifest":
        write(out, good_entries()[1:])
    elif variant == "not-zip":
        open(out, "wb").write(b"this is not a zip\n" * 10)
    elif variant == "binary-not-elf":
        m["server"]["type"] = "binary"
        m["server"]["entry_point"] = "server/index.js"
        m["server"]["mcp_config"]["command"] = "${__dirname}/server/index.js"
        write(out, good_entries(m))
    else:
        sys.exit("unknown variant " + variant)


if __name__ == "__main__":
    main()
