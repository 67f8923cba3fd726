#!/usr/bin/env bash
# Every command `nxp --help` lists has a man page that Meson builds and installs, naming
# every option the command's --help lists; nxp(1) links to each; nxp-json(7) names every
# field the commands' --json documents hold.
. "$(dirname "$0")/testlib.sh"
command -v scdoc >/dev/null || fail "scdoc is not installed (.ci/install-deps installs it)"
MAN=$SRC/man

subs_of() {  # the subcommands `nxp $1 --help` lists
    # shellcheck disable=SC2086
    "$NXP" $1 --help | sed -n '/^Subcommands:/,$p' | awk '/^  [a-z]/ { print $1 }' | sort -u
}
opts_of() {  # the options `nxp $1 --help` lists, short and long, without -h/--help
    # shellcheck disable=SC2086
    "$NXP" $1 --help | sed -n '/^Options:/,/^[A-Z]/p' | grep -oE '^  (-[a-zA-Z],)?--[a-z][-a-z]*' |
        tr ',' '\n' | tr -d ' ' | grep -vx -- '-h\|--help' || true
}
render() {  # the text of a page as a reader sees it, roughly: roff fonts and escapes removed
    scdoc <"$1" | sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/\\(en/-/g' -e 's/\\&//g'
}
built() {  # the page is in Meson's list (so it is built and installed)
    grep -q "'$1'" "$MAN/meson.build" || fail "man/meson.build does not build $1"
}

commands=$(subs_of "")
[ "$(wc -l <<<"$commands")" -ge 20 ] || fail "too few commands in --help"
overview=$(render "$MAN/nxp.1.scd")
for o in $(opts_of ""); do grep -q -- "$o" <<<"$overview" || fail "nxp(1) does not mention $o"; done
for c in $commands; do
    src=$MAN/nxp-$c.1.scd
    [ -f "$src" ] || fail "no man page for 'nxp $c' ($src)"
    built "nxp-$c.1"
    text=$(render "$src") || fail "scdoc cannot build $src"
    head -1 "$src" | grep -qx "nxp-$c(1)" || fail "$src does not start with nxp-$c(1)"
    grep -q "^\.SH NAME" <<<"$text" || fail "$src has no NAME section"
    grep -q "nxp-$c - " <<<"$text" || fail "$src: NAME is not 'nxp-$c - …'"
    for o in $(opts_of "$c"); do grep -q -- "$o" <<<"$text" || fail "nxp-$c(1) does not mention $o"; done
    for s in $(subs_of "$c"); do
        grep -q "nxp $c $s" <<<"$text" || fail "nxp-$c(1) does not show 'nxp $c $s'"
        for o in $(opts_of "$c $s"); do
            grep -q -- "$o" <<<"$text" || fail "nxp-$c(1) does not mention $o of '$c $s'"
        done
    done
    grep -q "nxp-$c(1)\|nxp-$c\*(1)" "$MAN/nxp.1.scd" || fail "nxp(1) does not link to nxp-$c(1)"
done
for page in nxp-plugin.json.5 nxp-index.5 nxp-json.7; do
    built "$page"
    render "$MAN/$page.scd" >/dev/null || fail "scdoc cannot build $page"
    grep -q "${page%.*}\*(${page##*.})" "$MAN/nxp.1.scd" || fail "nxp(1) does not link to $page"
done
# Every page a page links to exists.
for f in "$MAN"/*.scd; do
    for ref in $(grep -oE '\*nxp-[a-z.-]+\*\([157]\)' "$f" | tr -d '*' | sort -u); do
        name=${ref%(*}; sec=${ref#*(}; sec=${sec%)}
        [ -f "$MAN/$name.$sec.scd" ] || fail "$(basename "$f") links to $ref, which does not exist"
    done
done

# The pages Meson built are installed under mandir.
BUILD=$(dirname "$(dirname "$NXP")")
if [ -f "$BUILD/build.ninja" ]; then
    meson install -C "$BUILD" --destdir "$T/dest" --no-rebuild >/dev/null 2>&1 ||
        fail "meson install failed"
    for c in $commands; do
        ls "$T"/dest/*/share/man/man1/nxp-"$c".1* >/dev/null 2>&1 ||
            ls "$T"/dest/*/*/share/man/man1/nxp-"$c".1* >/dev/null 2>&1 || fail "nxp-$c.1 is not installed"
    done
fi

# nxp-json(7) names every field the --json documents hold (as *field*).
json_page=$(cat "$MAN/nxp-json.7.scd")
documented() {  # CMD…: every key of its --json document is in nxp-json(7)
    local doc rc=0
    doc=$(nxp --json "$@" 2>/dev/null) || rc=$?
    [ -n "$doc" ] || fail "'nxp --json $*' printed nothing (exit $rc)"
    jq -e '.schema == 1' <<<"$doc" >/dev/null || fail "'nxp --json $*' has no schema 1"
    for k in $(jq -r '[paths | .[] | strings] | unique | .[]' <<<"$doc"); do
        case $k in translator-mask | weather | notes-*) continue ;; esac  # object keys that are names
        grep -qF -- "*$k*" <<<"$json_page" || fail "nxp-json(7) does not document '$k' of 'nxp $*'"
    done
}
make_repo
documented init --nextchat-version 2.16.0
documented repo add demo "file://$T/repo" --key "$T/key.pub"
documented repo list
documented refresh
documented search mask
documented info weather
documented --dry-run install weather
documented --yes --grant all install translator-mask weather
documented list
documented history
documented history info 1
documented why translator-mask
documented hold translator-mask
documented unhold translator-mask
documented verify
documented repair
documented audit
documented doctor
documented files translator-mask
documented owns "$NXP_ROOT/current/plugins/translator-mask/mask.json"
documented config weather
documented --yes config weather units imperial
documented permissions weather
documented --yes permissions weather --grant
documented --dry-run permissions weather --revoke
documented permissions weather --log
documented info weather
documented --yes tools weather --disable forecast
documented --yes tools weather --enable
documented --yes disable weather
documented --yes enable weather
documented --yes rollback
documented --yes remove weather
documented gc
head -c 100 /dev/zero >"$NXP_ROOT/cache/packages/stale.nxp.part"
documented --dry-run clean
documented clean
documented install --download-only weather
documented lint "$SRC/examples/plugins/weather"
documented pack "$SRC/examples/plugins/weather" -o "$T/w.nxp"
documented key generate -o "$T/k2"
documented repo build "$T/r2" "$T/w.nxp" --key "$T/k2.key" --id r2
documented info no-such-plugin
documented new "$T/newdoc" --kind mask
documented test "$SRC/examples/plugins/translator-mask"
documented test "$SRC/examples/authoring/hello-mcp"
pass "man pages for every command and option, installed; nxp-json(7) covers every field"
