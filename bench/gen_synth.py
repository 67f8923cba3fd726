#!/usr/bin/env python3
"""Synthetic nxp package universes for the hand-run benchmarks in bench/.

The graph is the one /work/shared/peers/pacman.sh builds for pacman, so the two tools do
the same work:

  p0000..p{N-1}, version 1.0.0;
  p_i requires p_{i//2}, p_{i//3}, p_{i//7} (distinct, < i); as in pacman.sh's code, the
      first of them in ascending order carries ">= 1.0";
  i % 100 == 0 provides "synth-virtual-{i//100} = 1.0.0"; i % 100 == 50 requires it;
  every package conflicts with the nonexistent "oldsynth-p{i:04d}";
  10 files of ~80-100 bytes each (the same bytes pacman.sh writes).

Modes (stdlib only):
  dirs      N plugin directories (plugin.json + files/) under --out, ready for `nxp pack`.
  index     a repository index.json (DESIGN.md section 4) written directly; for resolver
            benchmarks at 100,000 packages, where packing that many plugins is too slow.
            The package files it names do not exist: only --dry-run works against it.
  testcase  the same universe as a libsolv `testsolv` testcase (testtags inline) with a
            job installing --targets; the baseline for bench/resolve_vs_testsolv.sh.
  targets   print the --targets package names, one per line.
"""
import argparse
import hashlib
import json
import os
import sys
import time


def name_of(i):
    return f"p{i:04d}"


def deps_of(i, divisors):
    return sorted({i // d for d in divisors} - {i}) if i > 0 else []


def relations(i, divisors):
    """(requires, conflicts, provides) of p_i as nxp dependency strings."""
    requires = []
    for n, j in enumerate(deps_of(i, divisors)):
        requires.append(f"{name_of(j)} >= 1.0" if n == 0 else name_of(j))
    provides = []
    if i % 100 == 0:
        provides.append(f"synth-virtual-{i // 100} = 1.0.0")
    if i % 100 == 50:
        requires.append(f"synth-virtual-{i // 100}")
    conflicts = [f"oldsynth-{name_of(i)}"]
    return requires, conflicts, provides


def file_bytes(i, k):
    return (f"{name_of(i)} file {k}\n" * 6).encode()


def manifest(i, divisors):
    requires, conflicts, provides = relations(i, divisors)
    return {
        "name": name_of(i),
        "version": "1.0.0",
        "kind": "library",
        "summary": "synthetic benchmark package",
        "license": "MIT",
        "requires": requires,
        "conflicts": conflicts,
        "provides": provides,
    }


def write_dirs(args):
    for i in range(args.count):
        d = os.path.join(args.out, name_of(i))
        os.makedirs(os.path.join(d, "files"), exist_ok=True)
        with open(os.path.join(d, "plugin.json"), "w") as f:
            json.dump(manifest(i, args.divisors), f, indent=1)
            f.write("\n")
        for k in range(args.files):
            with open(os.path.join(d, "files", f"f{k}.txt"), "wb") as f:
                f.write(file_bytes(i, k))


def write_index(args):
    now = int(time.time())
    out = args.out
    if os.path.isdir(out):
        out = os.path.join(out, "index.json")
    with open(out, "w") as f:
        head = {"format": 1, "repo": args.repo_id, "version": args.index_version,
                "generated": now, "expires": now + 30 * 86400}
        f.write(json.dumps(head)[:-1] + ', "packages": [\n')
        for i in range(args.count):
            requires, conflicts, provides = relations(i, args.divisors)
            name = name_of(i)
            entry = {
                "name": name, "version": "1.0.0", "kind": "library",
                "summary": "synthetic benchmark package",
                "requires": requires, "conflicts": conflicts, "provides": provides,
                "replaces": [], "recommends": [], "permissions": {},
                "path": f"packages/{name}-1.0.0.nxp",
                "size": 1024,
                # Not the hash of any real file: index-only universes serve --dry-run.
                "sha256": hashlib.sha256(name.encode()).hexdigest(),
                "installed_size": sum(len(file_bytes(i, k)) for k in range(args.files)),
            }
            f.write(json.dumps(entry, separators=(",", ":")))
            f.write(",\n" if i + 1 < args.count else "\n")
        f.write('], "revoked": [], "advisories": []}\n')


def targets(args):
    """--targets packages spread evenly over the universe, the last one included."""
    t = min(args.targets, args.count)
    return sorted({(k + 1) * args.count // t - 1 for k in range(t)})


def write_testcase(args):
    # testsolv's testtags: "#>=Pkg: NAME VERSION RELEASE ARCH", then Req/Prv/Con lines.
    # Debian's testsolv compares versions the rpm way; 1.0.0 >= 1.0 holds there too.
    lines = ["repo system 0 empty", "repo synth 0 testtags <inline>"]
    for i in range(args.count):
        requires, conflicts, provides = relations(i, args.divisors)
        lines.append(f"#>=Pkg: {name_of(i)} 1.0.0 1 noarch")
        lines += [f"#>=Req: {r}" for r in requires]
        lines += [f"#>=Prv: {p}" for p in provides]
        lines += [f"#>=Con: {c}" for c in conflicts]
    lines.append("system x86_64 rpm system")
    lines += [f"job install name {name_of(i)}" for i in targets(args)]
    # No "result" line: testsolv then prints the transaction and exits 0.
    out = args.out
    if os.path.isdir(out):
        out = os.path.join(out, "synth.t")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", nargs="?", default="dirs",
                    choices=["dirs", "index", "testcase", "targets"])
    ap.add_argument("--count", "-n", type=int, default=1000, help="packages (default 1000)")
    ap.add_argument("--files", type=int, default=10, help="files per package (default 10)")
    ap.add_argument("--out", "-o", default=".", help="output directory (dirs) or file")
    ap.add_argument("--divisors", default="2,3,7",
                    help="p_i requires p_{i//d} for each d (default 2,3,7, as pacman.sh)")
    ap.add_argument("--targets", type=int, default=50,
                    help="install targets for testcase/targets modes (default 50)")
    ap.add_argument("--repo-id", default="synth", help="index mode: repository id")
    ap.add_argument("--index-version", type=int, default=1, help="index mode: version")
    args = ap.parse_args()
    args.divisors = [int(d) for d in args.divisors.split(",") if d]
    if args.count < 1 or any(d < 2 for d in args.divisors):
        ap.error("--count must be >= 1 and every divisor >= 2")
    if args.mode == "dirs":
        write_dirs(args)
    elif args.mode == "index":
        write_index(args)
    elif args.mode == "testcase":
        write_testcase(args)
    else:
        print("\n".join(name_of(i) for i in targets(args)))


if __name__ == "__main__":
    sys.exit(main())
