#!/usr/bin/env bash
# Issue 13 items 4, 5, 6 and 14 through the real binary: a mask package whose symlinks chain
# out of its tree (each link alone looks inside) never gets its target published in
# NextChat's masks.json; a NextChat directory with a component pointed elsewhere makes nxp
# refuse, creating nothing there; an mcp_config.json entry nxp did not create is never
# taken over or removed; a control character in an archive name is refused.
. "$(dirname "$0")/testlib.sh"
command -v minisign >/dev/null || { echo "SKIP: minisign is needed to sign hostile indexes"; exit 77; }

make_repo
cp -r "$SRC/tests/nextchat/fixtures/nextchat" "$T/nc"
CFG=$T/nc/app/mcp/mcp_config.json MASKS=$T/nc/public/masks.json
SECRET='root:$6$SECRET-NEVER-PUBLISHED:19000:0:99999:7:::'
printf '{"name": "leak", "context": [{"role": "user", "content": "%s"}]}\n' "$SECRET" >"$T/secret.json"

fresh_root() {
    rm -rf "$NXP_ROOT"
    nxp init --nextchat "$T/nc" >/dev/null
    nxp repo add demo "file://$T/repo" --key "$T/key.pub" >/dev/null
}

# hostile_mask NAME LINKS…: packs a legitimate mask NAME, then replaces its archive by one
# holding files/mask.json plus the given links (each "path=target"), and signs an index
# listing the hostile bytes, as a malicious publisher would.
hostile_mask() {
    local name=$1; shift
    mkdir -p "$T/src/$name/files"
    printf '{"name": "%s", "version": "1.0.0", "kind": "mask", "summary": "hostile"}\n' "$name" \
        >"$T/src/$name/plugin.json"
    printf '{"name": "M", "context": [{"role": "user", "content": "hi"}]}\n' >"$T/src/$name/files/mask.json"
    nxp pack "$T/src/$name" -o "$T/pkgs/" >/dev/null
    nxp repo build "$T/repo" "$T/pkgs/$name-1.0.0.nxp" --key "$T/key.key" >/dev/null
    python3 - "$T/src/$name/plugin.json" "$T/hostile.tar" "$@" <<'PY'
import io, sys, tarfile
manifest, out, links = sys.argv[1], sys.argv[2], sys.argv[3:]
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
    data = open(manifest, "rb").read()
    info = tarfile.TarInfo("plugin.json"); info.size = len(data); tar.addfile(info, io.BytesIO(data))
    d = tarfile.TarInfo("files/"); d.type = tarfile.DIRTYPE; d.mode = 0o755; tar.addfile(d)
    for spec in links:
        path, target = spec.split("=", 1)
        if target == "/":
            e = tarfile.TarInfo("files/" + path); e.type = tarfile.DIRTYPE; e.mode = 0o755
        elif target.startswith("@"):
            body = target[1:].encode()
            e = tarfile.TarInfo("files/" + path); e.size = len(body)
            tar.addfile(e, io.BytesIO(body)); continue
        else:
            e = tarfile.TarInfo("files/" + path); e.type = tarfile.SYMTYPE; e.linkname = target
        tar.addfile(e)
PY
    zstd -q -f "$T/hostile.tar" -o "$T/repo/packages/$name-1.0.0.nxp"
    local sha size
    sha=$(sha256sum "$T/repo/packages/$name-1.0.0.nxp" | cut -d' ' -f1)
    size=$(stat -c %s "$T/repo/packages/$name-1.0.0.nxp")
    zstd -dc "$T/repo/index.json.zst" |
        jq -c --arg n "$name" --arg sha "$sha" --argjson size "$size" \
            '.version += 1 | .packages |= map(if .name == $n then .sha256 = $sha | .size = $size else . end)' |
        zstd -q -19 -f -o "$T/repo/index.new"
    mv "$T/repo/index.new" "$T/repo/index.json.zst"
    rm -f "$T/repo/index.json.zst.minisig"*
    minisign -S -s "$T/key.key" -m "$T/repo/index.json.zst" -t "hostile" </dev/null >/dev/null 2>&1 \
        || fail "minisign could not sign the hostile index"
}

# --- item 4: symlink chains out of a mask's tree. The store tree is ROOT/store/TREE, so
# three levels up from it is $T, where secret.json lies.
fresh_root
cp "$MASKS" "$T/masks-before"
i=0
for shape in \
    "x=. y1=x/.. y2=y1/.. y3=y2/.. mask.json=y3/secret.json" \
    "a=/ a/b=/ a/b/c=/ a/b/c/l=../../.. u1=a/b/c/l/.. u2=a/b/c/l/../u1/.. u3=u2/x/.. u3=u1 mask.json=u2/../secret.json" \
    "l1=. l2=l1 l3=l2/.. l4=l3/.. l5=l4/.. mask.json=l5/secret.json" \
    "d=/ d/self=. d/up=self/.. d/up2=up/.. up3=d/up2/.. up4=up3/.. mask.json=up4/secret.json" \
    "mask.json=$T/secret.json"; do
    i=$((i + 1))
    name=chain-mask-$i
    # shellcheck disable=SC2086
    hostile_mask "$name" $shape
    # The publisher side refuses the same archive.
    run_rc 4 nxp repo build "$T/other-repo-$i" "$T/repo/packages/$name-1.0.0.nxp" --key "$T/key.key" --id x
    grep -Eq "leaves the plugin tree|duplicate entry" "$T/err" || { cat "$T/err"; fail "$name: repo build accepted it"; }
    run_rc 0 nxp refresh
    rc=0
    nxp --yes install "$name" >"$T/out" 2>"$T/err" || rc=$?
    [ "$rc" = 4 ] || { cat "$T/err"; fail "$name: install exited $rc, not 4 (verification)"; }
    grep -Eq "leaves the plugin tree|duplicate entry" "$T/err" || { cat "$T/err"; fail "$name: no clear reason"; }
    assert_not_installed "$name"
    ! grep -rq "SECRET-NEVER-PUBLISHED" "$T/nc" || fail "$name: the secret reached NextChat's files"
    cmp -s "$MASKS" "$T/masks-before" || fail "$name: masks.json changed"
done
pass "symlink chains out of a mask's tree: refused at repo build and install, nothing published"

# --- item 14: control characters in archive names, refused at install with the name escaped.
for c in 01 07 0a 0d 1b 7f; do
    name=ctl-mask-$c
    printf -v ch "\\x$c"   # (not $(…): it would drop a newline)
    hostile_mask "$name" "a${ch}b=@x"
    run_rc 0 nxp refresh
    run_rc 4 nxp --yes install "$name"
    err_has "control character U+00$(echo $c | tr a-f A-F)"
    [ "$c" = 0a ] || ! grep -q "$ch" "$T/err" || fail "$name: raw control character in the message"
    grep -q "files/a.*b" "$T/err" || fail "$name: the entry is not named"
    assert_not_installed "$name"
done
name=ctl-mask-issue
hostile_mask "$name" "$(printf 'a\nb\033[31m')=@x"
run_rc 0 nxp refresh
run_rc 4 nxp --yes install "$name"
err_has 'files/a\\nb\\e\[31m'
! grep -q "$(printf '\033')" "$T/err" || fail "ESC reached the terminal"
pass "control characters in archive names refused, shown escaped"

# --- item 5: NextChat components pointed elsewhere. Each time nothing appears or changes
# elsewhere, the transaction is refused before the switch, and the link is left as it was.
snapshot() { (cd "$1" && find . -printf '%p %y %s\n' | sort && find . -type f -exec sha256sum {} + | sort); }
for redirect in app app/mcp app/mcp/mcp_config.json public public/masks.json; do
    fresh_root
    rm -rf "$T/elsewhere" && mkdir -p "$T/elsewhere"
    target=$T/elsewhere/$(basename "$redirect")
    if [ "$redirect" = app ]; then mkdir -p "$target/mcp"; elif [ -d "$T/nc/$redirect" ]; then mkdir -p "$target"; else echo '{}' >"$target"; fi
    mv "$T/nc/$redirect" "$T/moved" && ln -s "$target" "$T/nc/$redirect"
    before=$(snapshot "$T/elsewhere")
    case $redirect in public*) pkg=translator-mask ;; *) pkg=notes-json ;; esac
    rc=0
    nxp --yes --grant "$pkg" install "$pkg" >"$T/out" 2>"$T/err" || rc=$?
    [ "$rc" != 0 ] || fail "$redirect -> elsewhere: install succeeded"
    err_has "$T/nc/$redirect: is a symbolic link; nxp writes only inside the NextChat directory"
    assert_not_installed "$pkg"
    [ "$before" = "$(snapshot "$T/elsewhere")" ] || fail "$redirect -> elsewhere: something was written there"
    [ -L "$T/nc/$redirect" ] || fail "$redirect: the link was replaced"
    rm "$T/nc/$redirect" && mv "$T/moved" "$T/nc/$redirect"
done
pass "symlinked app, app/mcp, public and their files: refused, nothing written elsewhere"

# --- item 6: an entry the operator wrote under a plugin's name.
fresh_root
jq '.mcpServers["notes-json"] = {"command": "npx", "args": ["-y", "my-notes"],
     "env": {"NOTES_TOKEN": "operator-secret-token"}}' "$CFG" >"$T/x" && cp "$T/x" "$CFG"
cp "$CFG" "$T/cfg-before"
run_rc 1 nxp --yes install notes-json
err_has "mcp_config.json: mcpServers.notes-json: an entry named \"notes-json\" was not created by nxp"
err_has "Rename or remove that entry in $CFG"
assert_not_installed notes-json
cmp -s "$CFG" "$T/cfg-before" || fail "the operator's entry was touched"
# Another server installs and is removed; the operator's entry stays exactly as written.
run_rc 0 nxp --yes install translator-mask
run_rc 0 nxp --yes remove translator-mask
jq -e '.mcpServers["notes-json"] == {"command": "npx", "args": ["-y", "my-notes"],
       "env": {"NOTES_TOKEN": "operator-secret-token"}}' "$CFG" >/dev/null \
    || fail "the operator's entry changed"
# Renamed by the operator: the plugin installs, and its removal leaves the renamed entry.
jq '.mcpServers["my-notes"] = .mcpServers["notes-json"] | del(.mcpServers["notes-json"])' "$CFG" >"$T/x" && cp "$T/x" "$CFG"
run_rc 0 nxp --yes install notes-json
jq -e '.mcpServers["notes-json"].args[-2:] == ["exec", "notes-json"]' "$CFG" >/dev/null || fail "not written"
run_rc 0 nxp --yes remove notes-json
jq -e '(.mcpServers | has("notes-json") | not) and .mcpServers["my-notes"].env.NOTES_TOKEN == "operator-secret-token"' \
    "$CFG" >/dev/null || fail "remove touched the operator's entry"
pass "an entry nxp did not create: install refused before the switch, entry and env intact"
