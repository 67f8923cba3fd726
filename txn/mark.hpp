#pragma once
// `nxp mark NAME… --explicit|--dependency` (pacman -D --asexplicit/--asdeps): the reason a
// plugin is installed changed. The reason is kept per generation (generation_packages.reason),
// like the enabled flag and the configuration, so a mark is a new generation: history shows
// it (mark-explicit, mark-dependency steps) and `nxp rollback` returns to the old reasons.
// No plugin code runs and NextChat's entries do not change.
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "txn/events.hpp"
#include "txn/journal.hpp"
#include "txn/root.hpp"
#include "txn/transaction.hpp"

namespace nxp::txn {

struct MarkReport {
    TxnReport report;                    // applied false when nothing changed or dry run
    std::vector<std::string> changed;    // names whose reason changes, in the order given
    std::vector<std::string> unchanged;  // names that had that reason already
};

// Every name must be installed in the current generation (ErrorKind::NotFound names the
// first that is not, before anything changes). opts.kind should be TxnKind::Mark.
Result<MarkReport> mark_plugins(Root& root, const std::vector<std::string>& names, Reason reason,
                                const TxnOptions& opts, Events& events);

}  // namespace nxp::txn
