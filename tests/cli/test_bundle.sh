#!/usr/bin/env bash
# nxp bundle / nxp apply --bundle: a signed offline bundle installs on a fresh root with no
# repository and no network; a tampered bundle is refused (exit 4) with nothing installed;
# a bundle is only ever verified against keys the operator pins.
. "$(dirname "$0")/testlib.sh"
. "$(dirname "$0")/applylib.sh"

make_apply_repo
nxp init --nextchat-version 2.16.0 >/dev/null
write_desired "$T/desired.json"
export VAULT_TOKEN=s3cr3t-value
run_rc 0 nxp --yes apply "$T/desired.json"
nxp key generate -o "$T/bundle" >/dev/null      # the CI's signing key, not the repository's

run_rc 0 nxp bundle -o "$T/plugins.bundle" --key "$T/bundle.key"
n=$(installed | wc -l)
out_has "$n package(s)"
out_has "signed"
tar -tf "$T/plugins.bundle" >"$T/list"
[ "$(head -n 1 "$T/list")" = lockfile.json ] || fail "lockfile.json must come first"
grep -qx lockfile.json.minisig "$T/list" || fail "no lockfile signature"
grep -qx repos/demo/index.json.zst "$T/list" || fail "no index"
grep -qx repos/demo/index.json.zst.minisig "$T/list" || fail "no index signature"
[ "$(grep -c '^packages/[0-9a-f]\{64\}\.nxp$' "$T/list")" = "$n" ] || fail "expected $n packages"
grep -q s3cr3t "$T/plugins.bundle" && fail "the bundle holds a secret"
pass "bundle writes lockfile, signature, signed index and packages"

# The target: a fresh root, no repository, and the repository out of reach. Grants stay the
# operator's decision: a bundle carries none (--grant here, or an apply file).
mv "$T/repo" "$T/repo.offline"
fresh() { rm -rf "$T/target"; nxp --root "$T/target" init --nextchat-version 2.16.0 >/dev/null; }
target_installed() { NXP_ROOT=$T/target installed | sort; }
fresh
run_rc 2 nxp --root "$T/target" --yes apply --bundle "$T/plugins.bundle"
err_has "nothing to verify the bundle against"
nxp key generate -o "$T/other" >/dev/null
run_rc 4 nxp --root "$T/target" --yes apply --bundle "$T/plugins.bundle" --key "$T/other.pub"
err_has "lockfile.json"
[ -z "$(target_installed)" ] || fail "a bundle signed by another key installed something"
run_rc 0 nxp --root "$T/target" --yes --grant netty apply --bundle "$T/plugins.bundle" --key "$T/bundle.pub"
[ "$(target_installed)" = "$(installed | sort)" ] || fail "the bundle did not install the source's set"
[ "$(nxp --root "$T/target" repo list --json | jq '.repositories | length')" = 0 ] || fail "the bundle added a repository"
[ "$(readlink "$T/target/current")" = generations/1 ] || fail "the bundle should install in one generation"
nxp --root "$T/target" verify >/dev/null || fail "nxp verify fails after the bundle install"
run_rc 0 nxp --root "$T/target" --yes --grant netty apply --bundle "$T/plugins.bundle" --key "$T/bundle.pub"
out_has "Nothing to do"
ls -a "$T/target/cache" | grep -q '^\.bundle' && fail "the unpacked bundle was left in the cache"
pass "offline install on a fresh root with no repositories, verified by the pinned key"

# Unsigned bundle, verified through the apply file's pinned repository key instead; the file's
# configuration applies too.
run_rc 0 nxp bundle -o "$T/unsigned.bundle"
out_has "unsigned"
fresh
run_rc 0 nxp --root "$T/target" --yes apply --bundle "$T/unsigned.bundle" "$T/desired.json"
[ "$(target_installed)" = "$(installed | sort)" ] || fail "unsigned bundle + apply file did not install"
nxp --root "$T/target" config vault --json | jq -e '.keys[] | select(.key == "level") | .value == 3' >/dev/null \
    || fail "the apply file's config was not applied with the bundle"
fresh
run_rc 4 nxp --root "$T/target" --yes apply --bundle "$T/unsigned.bundle" --key "$T/bundle.pub"
err_has "not signed"
pass "unsigned bundle: accepted only against the apply file's repository keys"

# Tampering: one byte of one package, or the lockfile, or an extra entry.
retar() {  # OUT PYTHON-EXPR-ON-(name,data) → data
    python3 - "$T/plugins.bundle" "$1" "$2" <<'PY'
import io, sys, tarfile
src, dst, expr = sys.argv[1:4]
with tarfile.open(src) as tin, tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as tout:
    for m in tin.getmembers():
        name, data = m.name, tin.extractfile(m).read()
        data = eval(expr)
        m.size = len(data)
        tout.addfile(m, io.BytesIO(data))
PY
}
nxp lock -o "$T/first.lock" >/dev/null
vault_sha=$(jq -r '.packages[] | select(.name == "vault") | .sha256' "$T/first.lock")
retar "$T/t1.bundle" "data[:200] + bytes([data[200] ^ 1]) + data[201:] if name == 'packages/$vault_sha.nxp' else data"
fresh
run_rc 4 nxp --root "$T/target" --yes apply --bundle "$T/t1.bundle" --key "$T/bundle.pub"
err_has "packages/$vault_sha.nxp"
err_has "altered"
[ -z "$(target_installed)" ] || fail "a tampered bundle installed something"
[ "$(readlink "$T/target/current")" = generations/0 ] || fail "a tampered bundle made a generation"
[ -z "$(ls "$T/target/store")" ] || fail "a tampered bundle reached the store"
retar "$T/t2.bundle" "data.replace(b'\"1.0.0\"', b'\"1.0.1\"', 1) if name == 'lockfile.json' else data"
run_rc 4 nxp --root "$T/target" --yes apply --bundle "$T/t2.bundle" --key "$T/bundle.pub"
err_has "lockfile.json"
[ -z "$(target_installed)" ] || fail "a bundle with an altered lockfile installed something"
retar "$T/t3.bundle" "data[:-1] + bytes([data[-1] ^ 1]) if name == 'repos/demo/index.json.zst' else data"
run_rc 4 nxp --root "$T/target" --yes apply --bundle "$T/t3.bundle" --key "$T/bundle.pub"
err_has "index.json.zst"
[ -z "$(target_installed)" ] || fail "a bundle with an altered index installed something"
printf 'not a tar' >"$T/garbage.bundle"
run_rc 1 nxp --root "$T/target" --yes apply --bundle "$T/garbage.bundle" --key "$T/bundle.pub"
err_has "garbage.bundle"
pass "tampered bundles refused with exit 4, naming what failed, nothing installed"
