#!/usr/bin/env python3
"""Runs the declarative resolver scenarios (tests/resolver/scenarios/*.test) through the real
nxp binary with `--dry-run --json`. The format is described in tests/resolver/README.md.

usage: run_scenarios.py [-v] [-k] [SCENARIO.test ...]   (default: every scenario)
environment: NXP (the nxp binary, required), NXP_SCENARIO_JOBS (parallel scenarios, default 2),
             NXP_SCENARIO_TMP (work directory; default /dev/shm when writable),
             NXP_SCENARIO_NARROW=1 (every root gets resolve.narrow_min=0, so each request
             loads only the packages it can reach; the scenario must give the same answer,
             and the run must say it narrowed),
             NXP_SCENARIO_SHARD=K/N (only the scenarios whose position in the sorted list is
             K modulo N: build-asan shares the scenarios out between its two modes)
"""
import concurrent.futures
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RELATIONS = ("requires", "conflicts", "provides", "replaces", "recommends")
ACTIONS = ("install", "upgrade", "downgrade", "reinstall", "remove")
SETUP_REPO = "setup"
SETUP_META = "zz-scenario-setup"
DEFAULT_REPO = "main"
NARROW = os.environ.get("NXP_SCENARIO_NARROW") == "1"
NARROWED = "resolving within "  # nxp -v's line when it loaded only what the request reaches


class ScenarioError(Exception):
    """A malformed scenario file (the file is at fault, not nxp)."""


class Package:
    def __init__(self, name, version):
        self.name, self.version = name, version
        self.rel = {r: [] for r in RELATIONS}
        self.repo = DEFAULT_REPO
        self.dep = False
        self.held = False
        self.kind = "library"

    def manifest(self):
        m = {"name": self.name, "version": self.version, "kind": self.kind,
             "summary": "scenario package " + self.name}
        for r in RELATIONS:
            if self.rel[r]:
                m[r] = self.rel[r]
        return m


class Scenario:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)
        self.repo = []        # Package
        self.installed = []   # Package
        self.priority = {}    # repo -> int
        self.nextchat = "2.16.0"
        self.args = None
        self.expect = []      # dicts: action, name, from, to, attrs
        self.expect_nothing = False
        self.marked = None    # expected marked_explicit, sorted list, or None (unchecked)
        self.unsolvable = False
        self.problems = []
        self.solutions = []
        self.errors = []
        self.exit = None
        self.ordered = False


def words(line):
    try:
        return shlex.split(line, comments=False)
    except ValueError as e:
        raise ScenarioError(str(e))


def parse_package(tokens, installed):
    if len(tokens) < 2:
        raise ScenarioError("a package needs NAME VERSION")
    p = Package(tokens[0], tokens[1])
    for t in tokens[2:]:
        if installed and t in ("dep", "explicit", "held"):
            if t == "dep":
                p.dep = True
            elif t == "held":
                p.held = True
            continue
        key, eq, value = t.partition("=")
        if not eq:
            raise ScenarioError("expected KEY=VALUE, got '%s'" % t)
        if key in RELATIONS:
            p.rel[key].append(value)
        elif key == "repo" and not installed:
            p.repo = value
        elif key == "kind":
            p.kind = value
        else:
            raise ScenarioError("unknown attribute '%s'" % key)
    return p


def parse_expect(tokens):
    if not tokens or tokens[0] not in ACTIONS:
        raise ScenarioError("@EXPECT needs one of %s" % ", ".join(ACTIONS))
    action, rest = tokens[0], tokens[1:]
    attrs = {}
    while rest and "=" in rest[-1]:
        k, _, v = rest.pop().partition("=")
        attrs[k] = v
    two = action in ("upgrade", "downgrade", "reinstall")
    if len(rest) != (3 if two else 2):
        raise ScenarioError("@EXPECT %s needs NAME %s" % (action, "FROM TO" if two else "VERSION"))
    e = {"action": action, "name": rest[0], "from": None, "to": None, "attrs": attrs}
    if two:
        e["from"], e["to"] = rest[1], rest[2]
    elif action == "remove":
        e["from"] = rest[1]
    else:
        e["to"] = rest[1]
    return e


def parse(path):
    s = Scenario(path)
    arch = platform.machine()
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip().replace("${ARCH}", arch)
            if not line or line.startswith("#"):
                continue
            try:
                directive, _, rest = line.partition(" ")
                rest = rest.strip()
                if directive == "@REPO":
                    s.repo.append(parse_package(words(rest), installed=False))
                elif directive == "@INSTALLED":
                    s.installed.append(parse_package(words(rest), installed=True))
                elif directive == "@HOST":
                    t = words(rest)
                    if len(t) != 2 or t[0] != "nextchat":
                        raise ScenarioError("@HOST takes 'nextchat VERSION' or 'nextchat none'")
                    s.nextchat = None if t[1] == "none" else t[1]
                elif directive == "@PRIORITY":
                    t = words(rest)
                    if len(t) != 2:
                        raise ScenarioError("@PRIORITY takes REPO NUMBER")
                    s.priority[t[0]] = int(t[1])
                elif directive == "@ARGS":
                    s.args = words(rest)
                elif directive == "@EXPECT":
                    s.expect.append(parse_expect(words(rest)))
                elif directive == "@EXPECT-NOTHING":
                    s.expect_nothing = True
                elif directive == "@EXPECT-EXPLICIT":
                    s.marked = sorted(words(rest))
                elif directive == "@EXPECT-UNSOLVABLE":
                    s.unsolvable = True
                elif directive == "@EXPECT-PROBLEM":
                    s.problems.append(rest)
                elif directive == "@EXPECT-SOLUTION":
                    s.solutions.append(rest)
                elif directive == "@EXPECT-ERROR":
                    s.errors.append(rest)
                elif directive == "@EXIT":
                    s.exit = int(rest)
                elif directive == "@ORDERED":
                    s.ordered = True
                else:
                    raise ScenarioError("unknown directive '%s'" % directive)
            except ScenarioError as e:
                raise ScenarioError("%s:%d: %s" % (path, lineno, e))
    if s.args is None:
        raise ScenarioError(path + ": no @ARGS")
    if s.unsolvable or s.problems or s.solutions:
        s.unsolvable = True
        if s.exit is None:
            s.exit = 3
    if s.exit is None:
        s.exit = 1 if s.errors else 0
    # Every expectation must be one that check() compares: an expectation that is never
    # looked at would let the scenario pass whatever nxp does.
    plan_checked = s.exit == 0 and not s.unsolvable
    if plan_checked and not (s.expect or s.expect_nothing):
        raise ScenarioError(path + ": expects success but asserts no plan "
                            "(@EXPECT steps, or @EXPECT-NOTHING for an empty plan)")
    if s.expect and s.expect_nothing:
        raise ScenarioError(path + ": @EXPECT-NOTHING contradicts its @EXPECT steps")
    if not plan_checked and (s.expect or s.expect_nothing or s.marked is not None):
        raise ScenarioError(path + ": @EXPECT, @EXPECT-NOTHING and @EXPECT-EXPLICIT are only "
                            "checked on success (exit 0, not unsolvable)")
    return s


class Runner:
    def __init__(self, nxp, work, verbose):
        self.nxp, self.work, self.verbose = nxp, work, verbose
        self.key = os.path.join(work, "key")
        self.run([nxp, "key", "generate", "-o", self.key], os.environ.copy())
        # `nxp pack` is reproducible, so a package that several scenarios share (493 packages,
        # 198 distinct) is packed once per run; every scenario still builds, signs and adds
        # its own repositories.
        self.packs = os.path.join(work, "packs")
        os.makedirs(self.packs)

    def run(self, argv, env, ok=(0,)):
        r = subprocess.run(argv, env=env, capture_output=True, text=True)
        if r.returncode not in ok:
            raise RuntimeError("`%s` exited %d\n%s%s" % (" ".join(argv), r.returncode,
                                                         r.stdout, r.stderr))
        return r

    def build_repo(self, d, repo_id, pkgs, env):
        src, out = os.path.join(d, "src", repo_id), os.path.join(d, "nxp", repo_id)
        os.makedirs(out)
        files = []
        for p in pkgs:
            target = os.path.join(out, "%s-%s.nxp" % (p.name, p.version))
            os.link(self.packed(p, src, env), target)
            files.append(target)
        repo_dir = os.path.join(d, "repo", repo_id)
        self.run([self.nxp, "repo", "build", repo_dir, *files, "--key", self.key + ".key",
                  "--id", repo_id], env)
        return repo_dir

    def packed(self, p, src, env):
        """The .nxp of package p, packed by `nxp pack` the first time it is asked for."""
        manifest = json.dumps(p.manifest(), sort_keys=True)
        digest = hashlib.sha256(manifest.encode()).hexdigest()[:24]
        cached = os.path.join(self.packs, digest + ".nxp")
        if os.path.exists(cached):
            return cached
        pd = os.path.join(src, "%s-%s" % (p.name, p.version))
        os.makedirs(os.path.join(pd, "files"))
        with open(os.path.join(pd, "plugin.json"), "w") as f:
            f.write(manifest)
        if p.kind == "runtime":  # nxp pack wants its node (never run: dry runs only)
            os.makedirs(os.path.join(pd, "files", "bin"))
            with open(os.path.join(pd, "files", "bin", "node"), "w") as f:
                f.write("")
        with open(os.path.join(pd, "files", "README"), "w") as f:
            f.write("%s %s\n" % (p.name, p.version))
        packed = os.path.join(pd, "out.nxp")
        self.run([self.nxp, "pack", pd, "-o", packed], env)
        os.replace(packed, cached)  # atomic: the other worker may pack the same package
        return cached

    def add_repo(self, repo_id, repo_dir, env, priority=None):
        argv = [self.nxp, "repo", "add", repo_id, "file://" + repo_dir, "--key", self.key + ".pub"]
        if priority is not None:
            argv += ["--priority", str(priority)]
        self.run(argv, env)

    def setup_installed(self, d, s, env):
        """Installs the @INSTALLED set from a private repository that is removed afterwards:
        explicit ones by exact version, dependencies through a meta package that is then
        removed with --keep-deps, which leaves them installed with reason 'dependency'."""
        pkgs = list(s.installed)
        deps = [p for p in pkgs if p.dep]
        if deps:
            meta = Package(SETUP_META, "1.0.0")
            meta.rel["requires"] = ["%s = %s" % (p.name, p.version) for p in deps]
            pkgs.append(meta)
        repo_dir = self.build_repo(d, SETUP_REPO, pkgs, env)
        self.add_repo(SETUP_REPO, repo_dir, env)
        targets = ["%s@%s" % (p.name, p.version) for p in s.installed if not p.dep]
        if deps:
            targets.append(SETUP_META)
        self.run([self.nxp, "--yes", "install", "--no-recommends", *targets], env)
        if deps:
            self.run([self.nxp, "--yes", "remove", "--keep-deps", SETUP_META], env)
        held = [p.name for p in s.installed if p.held]
        if held:
            self.run([self.nxp, "hold", *held], env)
        self.run([self.nxp, "repo", "remove", SETUP_REPO], env)
        state = json.loads(self.run([self.nxp, "list", "--json"], env).stdout)
        got = sorted("%s %s %s" % (p["name"], p["version"], p["reason"]) for p in state["packages"])
        want = sorted("%s %s %s" % (p.name, p.version, "dependency" if p.dep else "explicit")
                      for p in s.installed)
        if got != want:
            raise RuntimeError("setting up @INSTALLED gave\n  %s\ninstead of\n  %s"
                               % ("\n  ".join(got), "\n  ".join(want)))

    def scenario(self, s):
        d = tempfile.mkdtemp(prefix=s.name + ".", dir=self.work)
        env = dict(os.environ, NXP_ROOT=os.path.join(d, "root"), NO_COLOR="1")
        env.pop("NXP_CRASH_AT", None)
        init = [self.nxp, "init"]
        if NARROW:
            init += ["--set", "resolve.narrow_min=0"]
        if s.nextchat:
            init += ["--nextchat-version", s.nextchat]
        self.run(init, env)
        if s.installed:
            self.setup_installed(d, s, env)
        repos = {}
        for p in s.repo:
            repos.setdefault(p.repo, []).append(p)
        for repo_id in sorted(set(repos) | set(s.priority)):
            repo_dir = self.build_repo(d, repo_id, repos.get(repo_id, []), env)
            self.add_repo(repo_id, repo_dir, env, s.priority.get(repo_id))
        verbose = ["-v"] if NARROW else []
        r = self.run([self.nxp, *verbose, "--dry-run", "--json", *s.args], env, ok=range(256))
        failures = check(s, r)
        if NARROW and NARROWED not in r.stderr and (repos or s.priority):
            failures.append("the request was not narrowed (no '%s' on stderr)\n--- stderr\n%s"
                            % (NARROWED, r.stderr))
        if not failures and not self.verbose:
            shutil.rmtree(d, ignore_errors=True)
        return failures


def step_text(st):
    a = st.get("action")
    if a in ("upgrade", "downgrade", "reinstall"):
        return "%s %s %s %s" % (a, st["name"], st.get("from"), st.get("to"))
    return "%s %s %s" % (a, st["name"], st.get("from") if a == "remove" else st.get("to"))


def expect_text(e):
    base = "%s %s %s" % (e["action"], e["name"], e["to"] if e["to"] else e["from"])
    if e["action"] in ("upgrade", "downgrade", "reinstall"):
        base = "%s %s %s %s" % (e["action"], e["name"], e["from"], e["to"])
    return base + "".join(" %s=%s" % kv for kv in sorted(e["attrs"].items()))


def matches(e, st):
    if step_text(st) != expect_text(dict(e, attrs={})):
        return False
    return all(str(st.get(k)) == v for k, v in e["attrs"].items())


def check(s, r):
    out = []
    if r.returncode != s.exit:
        out.append("exit code %d, expected %d" % (r.returncode, s.exit))
    for text in s.errors:
        if text not in r.stderr:
            out.append("stderr lacks '%s'" % text)
    doc = None
    if r.stdout.strip():
        try:
            doc = json.loads(r.stdout)
        except ValueError as e:
            out.append("stdout is not JSON: %s" % e)
        else:
            if not isinstance(doc, dict):
                out.append("stdout is JSON but not an object")
                doc = None
    if s.unsolvable:
        probs = (doc or {}).get("unsolvable")
        if not probs or not isinstance(probs, list):
            out.append("no 'unsolvable' explanation in the output")
            probs = []
        texts = [p.get("problem", "") + "\n" + "\n".join(p.get("details", [])) for p in probs]
        for want in s.problems:
            if not any(want in t for t in texts):
                out.append("no problem mentions '%s'" % want)
        sols = [x for p in probs for x in p.get("solutions", [])]
        for want in s.solutions:
            if not any(want in x for x in sols):
                out.append("no solution mentions '%s'" % want)
    elif s.exit == 0:
        # A success must show the plan it expects: no output, no "plan" or no "ok": true is
        # a failure, never a pass (an empty plan is only right under @EXPECT-NOTHING).
        out += check_success(s, doc, r.stdout)
    if out:
        out.append("--- stdout\n" + r.stdout + "--- stderr\n" + r.stderr)
    return out


def check_success(s, doc, stdout):
    if doc is None:
        return ["expected a JSON result with a plan, got %s"
                % ("no output" if not stdout.strip() else "something else")]
    out = []
    if doc.get("ok") is not True:
        out.append("the result does not say \"ok\": true")
    plan = doc.get("plan")
    if not isinstance(plan, list) or not all(isinstance(st, dict) for st in plan):
        out.append("the result has no \"plan\" list of steps")
    else:
        out += compare_plan(s, plan)
    if s.marked is not None:
        marked = doc.get("marked_explicit")
        if not isinstance(marked, list) or sorted(marked) != s.marked:
            out.append("marked_explicit is %s, expected %s" % (marked, s.marked))
    return out


def compare_plan(s, plan):
    got = [step_text(st) for st in plan]
    want = [expect_text(e) for e in s.expect]
    if s.ordered:
        ok = len(plan) == len(s.expect) and all(matches(e, st) for e, st in zip(s.expect, plan))
    else:
        left = list(plan)
        ok = True
        for e in s.expect:
            hit = next((st for st in left if matches(e, st)), None)
            if hit is None:
                ok = False
                break
            left.remove(hit)
        ok = ok and not left
    if ok:
        return []
    return ["plan differs%s:\n  got:      %s\n  expected: %s"
            % (" (ordered)" if s.ordered else "", "\n            ".join(got) or "(nothing)",
               "\n            ".join(want) or "(nothing)")]


def main(argv):
    verbose = "-v" in argv
    files = [a for a in argv if not a.startswith("-")]
    nxp = os.environ.get("NXP")
    if not nxp:
        print("NXP must name the nxp binary", file=sys.stderr)
        return 2
    if not files:
        d = os.path.join(HERE, "scenarios")
        files = sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".test"))
    shard = os.environ.get("NXP_SCENARIO_SHARD")
    if shard:
        m = re.fullmatch(r"(\d+)/(\d+)", shard)
        if not m or int(m.group(1)) >= int(m.group(2)):
            print("NXP_SCENARIO_SHARD must be K/N with K < N, not %r" % shard, file=sys.stderr)
            return 2
        k, n = int(m.group(1)), int(m.group(2))
        files = [f for i, f in enumerate(sorted(files)) if i % n == k]
    if not files:
        print("no scenarios to run", file=sys.stderr)
        return 1
    # tmpfs when there is one: every set-up transaction syncs, and a sync on a disk shared
    # with a busy build can take longer than the scenario itself.
    base = os.environ.get("NXP_SCENARIO_TMP")
    if not base and os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        base = "/dev/shm"
    work = tempfile.mkdtemp(prefix="nxp-scenarios.", dir=base)
    failed = []
    try:
        runner = Runner(nxp, work, verbose)

        def one(path):
            t0 = time.monotonic()
            try:
                problems = runner.scenario(parse(path))
            except (ScenarioError, RuntimeError) as e:
                problems = [str(e)]
            except Exception as e:  # an output the checks did not foresee: a failure too
                problems = ["%s: %s" % (type(e).__name__, e)]
            return path, problems, time.monotonic() - t0

        jobs = int(os.environ.get("NXP_SCENARIO_JOBS", "2"))
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            for path, problems, secs in pool.map(one, files):
                name = os.path.basename(path)
                if problems:
                    failed.append(name)
                    print("FAIL %s (%.2fs)\n    %s" % (name, secs,
                                                      "\n".join(problems).replace("\n", "\n    ")))
                else:
                    print("ok   %s (%.2fs)" % (name, secs))
                sys.stdout.flush()
    finally:
        if not verbose:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("work directory kept: " + work)
    print("%d scenario(s), %d failed%s" % (len(files), len(failed),
                                           (": " + " ".join(failed)) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
