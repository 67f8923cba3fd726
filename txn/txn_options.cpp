// What TxnOptions carries that is read from files, settings and the environment.
#include "runtime/grants.hpp"
#include "txn/fsutil.hpp"
#include "txn/settings.hpp"
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
        case TxnKind::Mark:
            return "mark";
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

bool allow_unsandboxed(const Root& root, bool flag) {
    if (flag) return true;
    auto v = root.db().setting("sandbox.allow_unsandboxed");
    return v && *v && **v == "true";
}

Result<runtime::RunPolicy> run_policy(const Root& root, bool allow_unsandboxed_flag) {
    runtime::RunPolicy p;
    p.allow_unsandboxed = allow_unsandboxed(root, allow_unsandboxed_flag);
    auto timeout = hook_timeout(root);
    if (!timeout) return tl::unexpected(timeout.error());
    if (*timeout) p.hook_timeout_s = **timeout;
    return p;
}

}  // namespace nxp::txn
