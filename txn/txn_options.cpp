// What TxnOptions carries that is read from files, settings and the environment.
#include <algorithm>
#include <cstdlib>

#include "runtime/grants.hpp"
#include "txn/fsutil.hpp"
#include "txn/transaction.hpp"

namespace nxp::txn {

std::string_view txn_kind_name(TxnKind kind) {
    switch (kind) {
        case TxnKind::Install:
            return "install";
        case TxnKind::Remove:
            return "remove";
        case TxnKind::Update:
            return "update";
        case TxnKind::Undo:
            return "undo";
        case TxnKind::Autoremove:
            return "autoremove";
        case TxnKind::Config:
            return "config";
        case TxnKind::Enable:
            return "enable";
        case TxnKind::Disable:
            return "disable";
        case TxnKind::Rollback:
            return "rollback";
        case TxnKind::Apply:
            return "apply";
    }
    return "install";
}

Result<std::optional<formats::Permissions>> read_policy(const std::string& path) {
    if (path.empty()) return std::optional<formats::Permissions>{};
    auto text = read_file(path, 16u << 20);
    if (!text) return fail(ErrorKind::NotFound, path, "cannot read the policy file");
    auto p = runtime::parse_policy(*text, path);
    if (!p) return tl::unexpected(p.error());
    return std::optional<formats::Permissions>(std::move(*p));
}

runtime::RunPolicy run_policy(const Root& root, bool allow_unsandboxed) {
    runtime::RunPolicy p;
    auto setting = [&](const char* key) {
        auto v = root.db().setting(key);
        return v && *v ? **v : std::string();
    };
    p.allow_unsandboxed = allow_unsandboxed || setting("sandbox.allow_unsandboxed") == "true";
    std::string timeout = setting("hooks.timeout");
    if (const char* env = std::getenv("NXP_HOOK_TIMEOUT"); env && *env) timeout = env;
    if (!timeout.empty()) p.hook_timeout_s = std::max(1, std::atoi(timeout.c_str()));
    return p;
}

}  // namespace nxp::txn
