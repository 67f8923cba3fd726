#!/usr/bin/env bash
# Issue 18 item 1, security: a package file given on the command line goes through every
# archive and manifest rule of a downloaded one, even with --allow-untrusted. Each corrupt
# or hostile variant is refused with a non-zero exit and a message naming the file, nothing
# is written outside ROOT, nothing installed changes, and nothing is left in the cache.
. "$(dirname "$0")/testlib.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 is needed"; exit 77; }
command -v zstd >/dev/null || { echo "SKIP: zstd is needed"; exit 77; }

plugin base 1.0.0
make_repo "$T/src/base-1.0.0"
make_root
run_rc 0 nxp --yes install base
mkdir -p "$T/outside"
echo precious >"$T/outside/victim"
state() {
    (cd "$T/outside" && find . -printf '%p %y %s\n' | sort && cat victim)
    readlink "$NXP_ROOT/current"
    nxp list --json | jq -c '.packages'
    ls -A "$NXP_ROOT/cache/packages" | sort
    ls "$NXP_ROOT/store" | sort
}
BEFORE=$(state)

# mk NAME SPEC: writes $T/h/NAME.nxp, a zstd-compressed tar built by python from SPEC, a
# list of entries "type path [data|target]" (f file, d dir, l symlink, h hard link,
# c char device, s setuid file). plugin.json is a valid manifest for "evil" unless given.
mkdir -p "$T/h"
mk() {
    local name=$1; shift
    python3 - "$T/h/$name.tar" "$@" <<'PY'
import io, sys, tarfile
out, specs = sys.argv[1], sys.argv[2:]
manifest = b'{ "name": "evil", "version": "1.0.0", "kind": "library", "summary": "x" }\n'
tar = tarfile.open(out, "w", format=tarfile.PAX_FORMAT)
def add(kind, path, data=b""):
    ti = tarfile.TarInfo(path)
    ti.mtime = 0
    if kind == "f" or kind == "s":
        ti.size = len(data); ti.mode = 0o4755 if kind == "s" else 0o644
        tar.addfile(ti, io.BytesIO(data)); return
    if kind == "d": ti.type = tarfile.DIRTYPE; ti.mode = 0o755
    elif kind == "l": ti.type = tarfile.SYMTYPE; ti.linkname = data.decode()
    elif kind == "h": ti.type = tarfile.LNKTYPE; ti.linkname = data.decode()
    elif kind == "c": ti.type = tarfile.CHRTYPE; ti.devmajor = 1; ti.devminor = 3
    tar.addfile(ti)
if not any(s.split(" ", 2)[1] == "plugin.json" for s in specs):
    add("f", "plugin.json", manifest)
for s in specs:
    parts = s.split(" ", 2)
    add(parts[0], parts[1], (parts[2] if len(parts) > 2 else "").encode())
tar.close()
PY
    zstd -q -f "$T/h/$name.tar" -o "$T/h/$name.nxp" && rm "$T/h/$name.tar"
}
mk dotdot "d files" "f files/../../../outside/victim pwned"
mk absolute "d files" "f /$T/outside/abs pwned"
mk symlink_out "d files" "l files/link ../../../../outside" "f files/link/victim pwned"
mk abs_symlink "d files" "l files/link /etc/passwd"
mk hardlink "d files" "f files/a x" "h files/b files/a"
mk device "d files" "c files/null"
mk setuid "d files" "s files/run #!/bin/sh"
mk duplicate "d files" "f files/a one" "f files/a two"
mk no_manifest_first "d files" "f files/a x" "f plugin.json {}"
mk bad_manifest "f plugin.json {not json" "d files"
mk bad_name "f plugin.json {\"name\":\"../evil\",\"version\":\"1.0.0\",\"kind\":\"library\",\"summary\":\"x\"}" "d files"
mk outside_files "d files" "f other/x x"
head -c 3000 /dev/urandom >"$T/h/random.nxp"
head -c 5000 /dev/urandom | zstd -q -c >"$T/h/zstd_not_tar.nxp"
nxp pack "$T/src/base-1.0.0" -o "$T/h/" >/dev/null
sz=$(stat -c %s "$T/h/base-1.0.0.nxp")
head -c $((sz / 2)) "$T/h/base-1.0.0.nxp" >"$T/h/truncated.nxp"
: >"$T/h/empty.nxp"
rm "$T/h/base-1.0.0.nxp"

n=0
for f in "$T"/h/*.nxp; do
    name=$(basename "$f")
    rc=0
    "$NXP" --yes install --allow-untrusted "$f" >"$T/out" 2>"$T/err" || rc=$?
    [ "$rc" -ne 0 ] || { cat "$T/err"; fail "$name: installed (exit 0)"; }
    [ "$rc" -lt 128 ] || { cat "$T/err"; fail "$name: nxp crashed (exit $rc)"; }
    grep -q "$name" "$T/err" || { cat "$T/err"; fail "$name: the message does not name the file"; }
    [ "$(state)" = "$BEFORE" ] || { diff <(echo "$BEFORE") <(state) || true; fail "$name: something changed"; }
    [ ! -e "$T/outside/abs" ] || fail "$name: wrote outside ROOT"
    n=$((n + 1))
done
[ "$n" -ge 16 ] || fail "only $n hostile files were tried"
pass "$n corrupt or hostile package files refused, named, nothing changed"

# Without --allow-untrusted the file is refused before its archive is opened at all.
run_rc 4 nxp --yes install "$T/h/dotdot.nxp"
err_has "--allow-untrusted"
[ "$(state)" = "$BEFORE" ] || fail "a refused untrusted file changed something"
pass "without --allow-untrusted nothing is read beyond the hash"
