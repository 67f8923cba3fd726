#pragma once
#include <functional>
// Rendering shared by several commands: plans, permissions and held-back updates for people
// and as JSON, and the report of a request run through the transaction.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"
#include "repo/archive.hpp"
#include "resolver/resolver.hpp"
#include "txn/root.hpp"
#include "txn/transaction.hpp"

namespace nxp::cli {

class Context;

// The plan's totals in bytes: what is downloaded (at most), what the new versions take,
// what removals and replaced versions free.
struct PlanSizes {
    std::uint64_t download = 0, installed = 0, removed = 0;
    bool installed_unknown = false;  // an index entry without installed_size
    std::int64_t net() const {
        return static_cast<std::int64_t>(installed) - static_cast<std::int64_t>(removed);
    }
};
PlanSizes plan_sizes(const resolver::Plan& plan);

// The plan as a table with each package's download and installed size (removals: the space
// freed), then the totals (pacman's Total Download/Installed/Removed Size).
std::string render_plan(const Context& ctx, const resolver::Plan& plan);
// nxp lint's and nxp test's findings: each printed on stderr as "error: WHERE: MESSAGE" (not
// with --json) and as {"severity", "where", "message"} in `json`, counted.
struct LintReport {
    nlohmann::json json = nlohmann::json::array();
    int errors = 0;
    int warnings = 0;
};
LintReport report_lint(const Context& ctx, const std::vector<repo::LintFinding>& findings);

nlohmann::json plan_json(const resolver::Plan& plan);  // sizes in bytes
nlohmann::json plan_sizes_json(const resolver::Plan& plan);
nlohmann::json unsolvable_json(const resolver::Unsolvable& u);
// "Permissions to grant:" and each plugin's, for the plan (empty when none), and as JSON.
std::string render_grants(const std::vector<txn::PlannedGrant>& grants);
nlohmann::json grants_json(const std::vector<txn::PlannedGrant>& grants);
// "a,b" (Question::ProceedAndGrant's plugins) as the flags that grant them: "--grant a --grant b".
std::string grant_flags(std::string_view plugins);
nlohmann::json held_back_json(const std::vector<txn::HeldBack>& held);
// What updates change in MCP tool definitions (issue 16): for people (empty when nothing to
// say) and as JSON.
std::string render_tool_changes(const std::vector<txn::ToolChange>& changes);
nlohmann::json tool_changes_json(const std::vector<txn::ToolChange>& changes);
std::string render_held_back(const std::vector<txn::HeldBack>& held);

// An unsolvable request as the command's result: with --json its document (command, ok
// false, the explanation) is printed here; the error (ErrorKind::Unsolvable, `what` and the
// explanation) is for main to print.
Error unsolvable_error(Context& ctx, const std::string& command, const std::string& what,
                       const resolver::Unsolvable& u);

// Runs a request through the transaction (txn::run_request) and reports it (human or JSON);
// `adjust`, when given, changes the options first (--download-only, package files).
Result<int> run_and_report(Context& ctx, txn::Root& root, const resolver::Request& request,
                           txn::TxnKind kind, const std::vector<std::string>& purge = {},
                           const std::function<void(txn::TxnOptions&)>& adjust = {});

}  // namespace nxp::cli
