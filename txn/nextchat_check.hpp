#pragma once
// The NextChat check before a transaction's switch (DESIGN.md §8): what the after-commit
// sync would refuse is refused while nothing has changed yet.
#include "formats/error.hpp"
#include "txn/journal.hpp"
#include "txn/root.hpp"

namespace nxp::txn {

// With a NextChat directory configured (setting nextchat.dir): fails when the new generation
// has an MCP server named like an entry of app/mcp/mcp_config.json that nxp did not create
// (not in nextchat.managed, not running `--root ROOT exec NAME`), or when app, app/mcp,
// public or a file nxp would write there is a symbolic link. The error names the entry or
// path and how to resolve it.
Result<void> check_nextchat_before_switch(Root& root, const Intent& intent);

}  // namespace nxp::txn
