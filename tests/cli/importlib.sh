# A fake npm for `nxp import npm` tests that need no registry: $T/bin/npm answers
#   npm view SPEC --json     from $T/npm/view/SPEC.json ('/' in SPEC written as '%'), else
#                            npm's 404 (exit 1)
#   npm install … NAME@VER   by copying $T/npm/pkg/NAME@VER/ (else $T/npm/pkg/default/) to
#                            PREFIX/node_modules/NAME
# and logs each call's arguments, one line per call, to $T/npm/calls.
# NXP_NPM_PATH is the PATH to run nxp with.
mkdir -p "$T/bin" "$T/npm/view" "$T/npm/pkg"
cat >"$T/bin/npm" <<'SH'
#!/bin/sh
D=${FAKE_NPM:?}
echo "$*" >>"$D/calls"
case $1 in
view)
    f=$D/view/$(printf '%s' "$2" | tr / %).json
    [ -f "$f" ] || { echo "npm error code E404" >&2; echo "npm error 404 Not Found - GET https://registry.npmjs.org/$2 - Not found" >&2; exit 1; }
    cat "$f" ;;
install)
    prefix=; for a in "$@"; do [ "$prev" = --prefix ] && prefix=$a; prev=$a; last=$a; done
    name=${last%@*}
    src=$D/pkg/$(printf '%s' "$last" | tr / %)
    [ -d "$src" ] || src=$D/pkg/default
    mkdir -p "$prefix/node_modules/$name" && cp -R "$src/." "$prefix/node_modules/$name/" ;;
*) exit 9 ;;
esac
SH
chmod +x "$T/bin/npm"
export FAKE_NPM=$T/npm
NXP_NPM_PATH=$T/bin:$PATH

# view_doc SPEC JSON: what `npm view SPEC --json` prints.
view_doc() { printf '%s\n' "$2" >"$T/npm/view/$(printf '%s' "$1" | tr / %).json"; }
# package_files NAME@VER DIR: the files `npm install NAME@VER` installs.
package_files() {
    local d=$T/npm/pkg/$(printf '%s' "$1" | tr / %)
    rm -rf "$d"; mkdir -p "$d"; cp -R "$2/." "$d/"
}
# nxp_npm ARGS…: nxp with the fake npm first on PATH.
nxp_npm() { PATH=$NXP_NPM_PATH "$NXP" "$@"; }
