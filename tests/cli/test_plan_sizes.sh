#!/usr/bin/env bash
# Plans with sizes (issue 18 item 8): each package's download and installed size, the totals
# (pacman's Total Download Size and Total Installed Size), and for removals the space freed
# (Total Removed Size); human units in the table, bytes in --json.
. "$(dirname "$0")/testlib.sh"

plugin big 1.0.0 '"requires": ["small"],'
head -c 300000 /dev/urandom >"$T/src/big-1.0.0/files/blob"   # incompressible: downloads 290+ KiB
plugin small 1.0.0 ''
head -c 5000 /dev/zero >"$T/src/small-1.0.0/files/zeros"
plugin big 2.0.0 '"requires": ["small"],'
head -c 600000 /dev/urandom >"$T/src/big-2.0.0/files/blob"
make_repo "$T"/src/big-1.0.0/ "$T"/src/small-1.0.0/
make_root

# --- install: per package and totals ------------------------------------------------------
run_rc 0 nxp --dry-run --json install big
jq -e '.plan | length == 2 and ([.[] | .download_size > 0 and .installed_size > 0] | all)' "$T/out" >/dev/null ||
    fail "a step lacks its sizes: $(cat "$T/out")"
jq -e '.plan[] | select(.name == "big") | .installed_size >= 300000 and .download_size >= 290000' \
    "$T/out" >/dev/null || fail "big's sizes are wrong: $(cat "$T/out")"
jq -e '.sizes.download == ([.plan[].download_size] | add) and
       .sizes.installed == ([.plan[].installed_size] | add) and .sizes.removed == 0' \
    "$T/out" >/dev/null || fail "the totals are not the sums: $(cat "$T/out")"
# The index's installed size is what the package takes once unpacked.
index_size=$(nxp --json info big | jq '.installed_size')
[ "$(jq '.plan[] | select(.name == "big") | .installed_size' "$T/out")" = "$index_size" ] ||
    fail "plan and info disagree on big's installed size"
total=$(jq '.sizes.installed' "$T/out")

run_rc 0 nxp --dry-run install big
head -2 "$T/out" | tail -1 | grep -q 'NAME  *VERSION  *REPO  *DOWNLOAD  *INSTALLED' ||
    { cat "$T/out"; fail "the plan table has no size columns"; }
grep -q '^  install  *big  *1.0.0  *demo  *29[0-9].[0-9] KiB  *29[0-9].[0-9] KiB' "$T/out" ||
    { cat "$T/out"; fail "big's row lacks its sizes in KiB"; }
out_has "Total download size:"
grep -q "^Total installed size:  *$(python3 -c "print('%.1f KiB' % ($total / 1024))")" "$T/out" ||
    { cat "$T/out"; fail "the total installed size is not $total bytes in KiB"; }
pass "install: each package's download and installed size, and the totals"

# --- remove: the space freed --------------------------------------------------------------
run_rc 0 nxp --yes install big
run_rc 0 nxp --dry-run --json remove big
jq -e '.plan | length == 2' "$T/out" >/dev/null || fail "remove big should take small along"
jq -e '([.plan[] | .removed_size > 0] | all) and .sizes.removed == ([.plan[].removed_size] | add)
       and .sizes.download == 0 and .sizes.installed == 0' "$T/out" >/dev/null ||
    fail "removal sizes: $(cat "$T/out")"
[ "$(jq '.sizes.removed' "$T/out")" = "$total" ] || fail "removing frees $(jq '.sizes.removed' "$T/out"), installed $total"
run_rc 0 nxp --dry-run remove big
grep -q "^Total removed size:  *$(python3 -c "print('%.1f KiB' % ($total / 1024))")" "$T/out" ||
    { cat "$T/out"; fail "no Total removed size of $total bytes"; }
grep -q '^  remove  *big  *1.0.0 .* -29[0-9].[0-9] KiB' "$T/out" || { cat "$T/out"; fail "big's row does not show what it frees"; }
pass "remove: each package's freed size and Total removed size"

# --- upgrade: both sides and the net change -----------------------------------------------
make_repo "$T"/src/*/
run_rc 0 nxp refresh
run_rc 0 nxp --dry-run --json update
jq -e '.plan[] | select(.name == "big") | .installed_size > 600000 and .removed_size > 300000' \
    "$T/out" >/dev/null || fail "the upgrade lacks its sizes: $(cat "$T/out")"
jq -e '.sizes.net == .sizes.installed - .sizes.removed and .sizes.net > 250000' "$T/out" >/dev/null ||
    fail "the net change is wrong: $(cat "$T/out")"
run_rc 0 nxp --dry-run update
out_has "Net size change:       +"
pass "upgrade: new and old sizes, and the net change"
