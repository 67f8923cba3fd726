#pragma once
// Read-only checks of a root: `nxp audit` (revoked packages and advisories) and `nxp doctor`
// (everything an operator should know is wrong, each finding with the command that fixes it).
#include <cstdint>
#include <string>
#include <vector>

#include "txn/events.hpp"
#include "txn/plugins.hpp"
#include "txn/repos.hpp"
#include "txn/root.hpp"

namespace nxp::txn {

struct AuditFinding {
    std::string name;
    std::string version;
    std::string repo;      // the repository that says so
    std::string kind;      // "revoked" or "advisory"
    std::string id;        // advisory id
    std::string severity;  // "critical" for a revocation
    std::string summary;
};

// Installed plugins of the current generation that a repository revoked (by sha256) or has
// an advisory for (by version range).
Result<std::vector<AuditFinding>> audit(Root& root, const std::vector<RepoIndex>& repos);

enum class Severity { Notice, Warning, Error };
const char* severity_name(Severity s);

struct DoctorFinding {
    std::string check;  // "database", "audit-log", "generation", "store", "index", "audit",
                        // "config", "sandbox", "nextchat"
    Severity severity = Severity::Error;
    std::string subject;  // the plugin, repository, file or "root"
    std::string problem;  // a sentence
    std::string fix;      // the command that fixes it ("" when none applies)
};

struct DoctorOptions {
    std::int64_t now = 0;
    std::int64_t expiry_warning_s = 3 * 24 * 3600;  // an index expiring sooner is a notice
    std::string nxp_exe;  // what NextChat's entries should start (drift check)
};

// Every check in turn; a check that cannot run is itself a finding, never an abort. Only an
// unreadable database is an error of the call.
Result<std::vector<DoctorFinding>> doctor(Root& root, const DoctorOptions& opts);

// The drift between what nxp wants in NextChat's files (mcp_config.json, masks.json,
// prompts.json) and the files: one (name, problem) per entry. Empty when all is in step.
using Drift = std::vector<std::pair<std::string, std::string>>;
Result<Drift> nextchat_drift(const NextchatState& want, const std::string& nextchat_dir);
// The same for the root's configured NextChat; empty when none is set.
Result<Drift> nextchat_drift(Root& root, const std::string& nxp_exe);

}  // namespace nxp::txn
