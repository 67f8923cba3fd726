#pragma once
// ROOT/export, the directory mounted into a NextChat container (issue 17): nxp writes the
// static launcher nxp-launch there (embedded in nxp); `nxp serve` listens on nxp.sock there.
#include "formats/error.hpp"
#include "txn/plugins.hpp"
#include "txn/root.hpp"

namespace nxp::txn {

// Creates ROOT/export (0755, owned by this uid; never through a symbolic link) and writes
// nxp-launch into it (0755, atomically) unless it already holds exactly these bytes. Errors
// name the path and what is wrong with it.
Result<ExportPaths> prepare_export(const Root& root);

}  // namespace nxp::txn
