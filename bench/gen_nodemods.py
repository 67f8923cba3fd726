#!/usr/bin/env python3
"""Plugins shaped like MCP servers vendored from npm, for bench/install_nodemods.sh (issue 20).

A plugin imported from npm is hundreds to thousands of small files in nested node_modules
directories. This writes --count such plugins (default 300), deterministic for a --seed:

  nm000..nm{N-1}, version 1.0.0, kind library, no dependencies between them;
  files/package.json, files/dist/index.js, files/dist/index.d.ts, then 5-8 dependencies
  files/node_modules/<pkg>/{package.json,README.md,LICENSE,lib/…,dist/…} (some scoped,
  @scope/pkg), a third of them with their own node_modules/<pkg>/ one level further down;
  about --files files per plugin in all (default 100), each 100 B - 6 KiB (log-uniform),
  of JavaScript-looking text (identifiers, requires, functions, comments), so that zstd
  compresses it about as much as real npm code.

Outputs (any combination):
  --dirs DIR     plugin directories for `nxp pack` (DIR/<name>/{plugin.json,files/…})
  --pacman DIR   pacman build trees of the same payload (DIR/<name>/.PKGINFO and
                 DIR/<name>/usr/lib/nxpbench/<name>/…, hard links to --dirs' files when
                 both are given), to be packed as /work/shared/peers/pacman.sh packs
                 (bsdtar | zstd, .PKGINFO first)
Both trees hold the same bytes; the floor's tarball is made from --dirs by the script.
Prints a one-line summary (plugins, files, directories, bytes) on stdout.
"""
import argparse
import json
import math
import os
import random
import sys

WORDS = ("value options config result request response handler callback context buffer "
         "stream parser token schema server client session message payload target source "
         "element index length offset cache entry module exports require promise resolve "
         "reject error state params headers method status event listener timeout").split()
KEYWORDS = ["const", "let", "var", "function", "return", "if", "else", "for", "while",
            "typeof", "new", "this", "null", "undefined", "true", "false", "await", "async"]
PKG_STEMS = ("zod ajv debug ms semver uri-js fast-deep-equal json-schema-traverse "
             "cross-spawn which isexe path-key shebang-command express body-parser "
             "raw-body iconv-lite safer-buffer content-type bytes depd http-errors "
             "statuses inherits setprototypeof toidentifier eventsource-parser "
             "zod-to-json-schema pkce-challenge cors vary object-assign qs side-channel "
             "get-intrinsic has-symbols function-bind es-errors call-bind mime-types "
             "mime-db negotiator accepts type-is media-typer").split()
SCOPES = ["@modelcontextprotocol", "@types", "@babel", "@smithy", "@aws-sdk", "@octokit"]


def ident(rng):
    w = rng.choice(WORDS)
    return w if rng.random() < 0.5 else w + rng.choice(WORDS).capitalize()


def js_line(rng, depth):
    pad = "  " * depth
    r = rng.random()
    if r < 0.12:
        return f"{pad}// {' '.join(rng.choice(WORDS) for _ in range(rng.randint(3, 9)))}"
    if r < 0.22:
        return f"{pad}const {ident(rng)} = require('{rng.choice(PKG_STEMS)}');"
    if r < 0.40:
        a, b = ident(rng), ident(rng)
        return f"{pad}{rng.choice(KEYWORDS[:3])} {a} = {b}.{ident(rng)}({ident(rng)}, {rng.randint(0, 4096)});"
    if r < 0.52:
        return f"{pad}if (typeof {ident(rng)} !== 'undefined' && {ident(rng)}.length > {rng.randint(0, 64)}) {{"
    if r < 0.62:
        return f"{pad}return {{ {ident(rng)}: {ident(rng)}, {ident(rng)}: '{rng.choice(WORDS)}' }};"
    if r < 0.72:
        return f"{pad}function {ident(rng)}({ident(rng)}, {ident(rng)}) {{"
    if r < 0.80:
        return f"{pad}}}"
    if r < 0.90:
        return f"{pad}exports.{ident(rng)} = {ident(rng)};"
    return f"{pad}throw new TypeError('{' '.join(rng.choice(WORDS) for _ in range(4))}');"


def js_text(rng, size):
    lines = ["'use strict';"]
    n = len(lines[0]) + 1
    while n < size:
        line = js_line(rng, rng.randint(0, 3))
        lines.append(line)
        n += len(line) + 1
    return ("\n".join(lines) + "\n").encode()[:size]


def file_size(rng):
    return int(math.exp(rng.uniform(math.log(100), math.log(6144))))


def package_json(name, version, rng):
    return (json.dumps({"name": name, "version": version, "description": " ".join(
        rng.choice(WORDS) for _ in range(6)), "main": "lib/index.js", "license": "MIT"},
        indent=2) + "\n").encode()


def dep_name(rng, used):
    while True:
        n = rng.choice(PKG_STEMS)
        if rng.random() < 0.2:
            n = rng.choice(SCOPES) + "/" + n
        if n not in used:
            used.add(n)
            return n


def dep_files(rng, prefix, budget):
    """(path, bytes) of one npm package of about `budget` files under `prefix`."""
    out = [(f"{prefix}/package.json", package_json(prefix.rsplit("node_modules/", 1)[1],
                                                   f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}", rng)),
           (f"{prefix}/README.md", js_text(rng, file_size(rng)).replace(b"//", b"##")),
           (f"{prefix}/LICENSE", b"MIT License\n\n" + js_text(rng, rng.randint(200, 1100)))]
    subdirs = rng.sample(["lib", "dist", "lib/internal", "dist/esm", "dist/cjs", "lib/utils"],
                         rng.randint(1, 3))
    k = 0
    while len(out) < budget:
        d = subdirs[k % len(subdirs)]
        base = rng.choice(WORDS)
        ext = rng.choice([".js", ".js", ".js", ".d.ts", ".js.map", ".mjs", ".cjs"])
        path = f"{prefix}/{d}/{base}{k}{ext}"
        out.append((path, js_text(rng, file_size(rng))))
        k += 1
    return out


def plugin_files(i, files, rng):
    name = f"nm{i:03d}"
    out = [("package.json", package_json(name, "1.0.0", rng)),
           ("dist/index.js", js_text(rng, file_size(rng))),
           ("dist/index.d.ts", js_text(rng, file_size(rng)))]
    ndeps = rng.randint(5, 8)
    used = set()
    left = files - len(out)
    for d in range(ndeps):
        budget = max(4, left // (ndeps - d))
        top = f"node_modules/{dep_name(rng, used)}"
        if rng.random() < 0.33 and budget >= 10:  # a nested dependency of its own
            inner = max(4, budget // 3)
            out += dep_files(rng, f"{top}/node_modules/{dep_name(rng, set())}", inner)
            budget -= inner
        out += dep_files(rng, top, budget)
        left = files - len(out)
        if left <= 0:
            break
    return name, out


def manifest(name):
    return {"name": name, "version": "1.0.0", "kind": "library",
            "summary": "node_modules-shaped benchmark package", "license": "MIT"}


def pkginfo(name, size):
    return "\n".join([f"pkgname = {name}", f"pkgbase = {name}", "pkgver = 1.0.0-1",
                      "pkgdesc = node_modules-shaped benchmark package",
                      "url = http://localhost/", "builddate = 1700000000",
                      "packager = bench <bench@localhost>", f"size = {size}", "arch = any",
                      "license = MIT"]) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", "-n", type=int, default=300, help="plugins (default 300)")
    ap.add_argument("--files", type=int, default=100, help="files per plugin (default ~100)")
    ap.add_argument("--seed", type=int, default=20, help="random seed (default 20)")
    ap.add_argument("--dirs", help="write plugin directories for `nxp pack` here")
    ap.add_argument("--pacman", help="write pacman build trees of the same payload here")
    args = ap.parse_args()
    if args.count < 1 or args.files < 10:
        ap.error("--count must be >= 1 and --files >= 10")
    if not args.dirs and not args.pacman:
        ap.error("give --dirs and/or --pacman")
    nfiles = nbytes = 0
    ndirs = set()
    for i in range(args.count):
        rng = random.Random(args.seed * 1_000_003 + i)
        name, files = plugin_files(i, args.files, rng)
        size = sum(len(b) for _, b in files)
        nfiles += len(files)
        nbytes += size
        for rel, _ in files:
            parts = rel.split("/")[:-1]
            for k in range(1, len(parts) + 1):
                ndirs.add((name, "/".join(parts[:k])))
        src = None
        if args.dirs:
            d = os.path.join(args.dirs, name)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "plugin.json"), "w") as f:
                json.dump(manifest(name), f, indent=1)
                f.write("\n")
            src = os.path.join(d, "files")
            for rel, data in files:
                p = os.path.join(src, rel)
                os.makedirs(os.path.dirname(p), exist_ok=True)
                with open(p, "wb") as f:
                    f.write(data)
        if args.pacman:
            d = os.path.join(args.pacman, name)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, ".PKGINFO"), "w") as f:
                f.write(pkginfo(name, size))
            dst = os.path.join(d, "usr", "lib", "nxpbench", name)
            for rel, data in files:
                p = os.path.join(dst, rel)
                os.makedirs(os.path.dirname(p), exist_ok=True)
                if src:
                    os.link(os.path.join(src, rel), p)
                else:
                    with open(p, "wb") as f:
                        f.write(data)
    print(f"{args.count} plugins, {nfiles} files, {len(ndirs)} directories, {nbytes} bytes "
          f"({nbytes / max(nfiles, 1):.0f} B per file)")


if __name__ == "__main__":
    sys.exit(main())
