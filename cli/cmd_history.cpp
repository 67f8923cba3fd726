// nxp history [info N | undo N | --audit]: the transaction journal and the audit log.
#include <algorithm>
#include <ctime>

#include "cli/context.hpp"
#include "cli/table.hpp"
#include "formats/display.hpp"
#include "txn/journal.hpp"
#include "txn/local_package.hpp"
#include "txn/undo.hpp"

namespace nxp::cli {

namespace {

std::string when(std::int64_t t) { return t == 0 ? "-" : formats::utc_date_time(t); }

nlohmann::json steps_json(const txn::Intent& in) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& s : in.steps)
        arr.push_back({{"action", s.action},
                       {"name", s.name},
                       {"from", s.from},
                       {"to", s.to},
                       {"repo", s.repo},
                       {"untrusted", txn::is_untrusted_repo(s.repo)}});
    return arr;
}

// Whether a transaction brought in a package from an untrusted file (install --allow-untrusted).
bool any_untrusted(const Result<txn::Intent>& in) {
    return in && std::any_of(in->steps.begin(), in->steps.end(),
                             [](const auto& s) { return txn::is_untrusted_repo(s.repo); });
}

namespace list {

struct Flags {};

Result<int> run(Context& c, const Flags&) {
    auto root = c.open_root(txn::Access::Read);
    if (!root) return tl::unexpected(root.error());
    auto txns = root->db().txns();
    if (!txns) return tl::unexpected(txns.error());
    if (c.g.json) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& t : *txns) {
            auto in = txn::intent_from_json(t.plan_json);
            arr.push_back({{"id", t.id},
                           {"state", t.state},
                           {"started_at", t.started_at},
                           {"user", t.user},
                           {"command_line", t.command_line},
                           {"kind", in ? in->kind : ""},
                           {"from_generation", t.from_generation},
                           {"to_generation", t.to_generation},
                           {"changes", in ? in->steps.size() : 0},
                           {"untrusted", any_untrusted(in)}});
        }
        c.emit({{"command", "history"}, {"transactions", arr}});
        return 0;
    }
    if (txns->empty()) {
        c.out("No transactions yet.");
        return 0;
    }
    Table t({"ID", "DATE (UTC)", "GENERATIONS", "STATE", "CHANGES", "COMMAND"});
    for (const auto& x : *txns) {
        auto in = txn::intent_from_json(x.plan_json);
        t.add({std::to_string(x.id), when(x.started_at),
               std::to_string(x.from_generation) + " -> " + std::to_string(x.to_generation),
               x.state,
               std::to_string(in ? in->steps.size() : 0) + (any_untrusted(in) ? " UNTRUSTED" : ""),
               x.command_line});
    }
    c.out(t.render());
    return 0;
}

}  // namespace list

// history --audit: every change recorded in the audit log (transactions, grants and
// revocations, holds, repositories and their keys, NextChat settings), oldest first, and
// whether its hash chain still verifies (nxp doctor reports a break too).
namespace audit {

std::string who(const db::AuditRow& r) {
    return r.uid < 0 ? r.user : r.user + " (" + std::to_string(r.uid) + ")";
}

Result<int> run(Context& c) {
    auto root = c.open_root(txn::Access::Read);
    if (!root) return tl::unexpected(root.error());
    auto rows = root->db().audit_log();
    if (!rows) return tl::unexpected(rows.error());
    auto broken = root->db().check_audit_chain();
    if (!broken) return tl::unexpected(broken.error());
    if (c.g.json) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& r : *rows)
            arr.push_back({{"id", r.id},
                           {"at", r.at},
                           {"time", formats::utc_timestamp(r.at)},
                           {"user", r.user},
                           {"uid", r.uid < 0 ? nlohmann::json(nullptr) : nlohmann::json(r.uid)},
                           {"action", r.action},
                           {"detail", r.detail},
                           {"hash", r.hash}});
        nlohmann::json chain = {{"ok", !*broken}};
        if (*broken) {
            chain["broken_at"] = (*broken)->id;
            chain["problem"] = (*broken)->problem;
        }
        c.emit({{"command", "history audit"}, {"entries", arr}, {"chain", chain}});
        return *broken ? 1 : 0;
    }
    if (rows->empty()) {
        c.out("The audit log is empty.");
    } else {
        Table t({"ID", "DATE (UTC)", "USER (UID)", "ACTION", "WHAT"});
        for (const auto& r : *rows)
            t.add({std::to_string(r.id), when(r.at), who(r), r.action, r.detail});
        c.out(t.render());
    }
    if (*broken) {
        c.message(txn::Level::Warning, "the audit log's hash chain is broken at row " +
                                           std::to_string((*broken)->id) + ": " +
                                           (*broken)->problem + " (see 'nxp doctor')");
        return 1;
    }
    return 0;
}

}  // namespace audit

namespace info {

struct Flags {
    std::int64_t id = 0;
};

Result<int> run(Context& c, const Flags& f) {
    const std::int64_t id = f.id;
    auto root = c.open_root(txn::Access::Read);
    if (!root) return tl::unexpected(root.error());
    auto t = root->db().txn(id);
    if (!t) return tl::unexpected(t.error());
    if (!*t)
        return fail(ErrorKind::NotFound, "transaction " + std::to_string(id),
                    "no such transaction");
    auto in = txn::intent_from_json((*t)->plan_json);
    if (!in) return tl::unexpected(in.error());
    if (c.g.json) {
        c.emit({{"command", "history info"},
                {"id", id},
                {"state", (*t)->state},
                {"kind", in->kind},
                {"user", (*t)->user},
                {"command_line", (*t)->command_line},
                {"started_at", (*t)->started_at},
                {"finished_at", (*t)->finished_at},
                {"from_generation", (*t)->from_generation},
                {"to_generation", (*t)->to_generation},
                {"error", (*t)->error},
                {"steps", steps_json(*in)}});
        return 0;
    }
    std::string text = "Transaction " + std::to_string(id) + " (" + in->kind + ", " + (*t)->state +
                       ")\n" + "  by       " + (*t)->user + "\n" + "  started  " +
                       when((*t)->started_at) + " UTC\n" + "  finished " + when((*t)->finished_at) +
                       " UTC\n" + "  command  " + (*t)->command_line + "\n" + "  generations " +
                       std::to_string((*t)->from_generation) + " -> " +
                       std::to_string((*t)->to_generation) + "\n";
    if (!(*t)->error.empty()) text += "  error    " + (*t)->error + "\n";
    text += "Changes:\n";
    for (const auto& s : in->steps)
        text +=
            "  " + s.action + " " + s.name + " " + (s.from.empty() ? "" : s.from + " -> ") +
            (s.to.empty() ? "(removed)" : s.to) +
            (txn::is_untrusted_repo(s.repo) ? " UNTRUSTED (a package file no signed index lists)"
                                            : "") +
            "\n";
    c.out(text);
    return 0;
}

}  // namespace info

// history undo: the inverse of a transaction (txn::undo_request), run as a new one.
namespace undo {

struct Flags {
    std::int64_t id = 0;
};

Result<int> run(Context& c, const Flags& f) {
    auto root = c.open_root(c.g.dry_run ? txn::Access::Read : txn::Access::Write);
    if (!root) return tl::unexpected(root.error());
    auto req = txn::undo_request(*root, f.id);
    if (!req) return tl::unexpected(req.error());
    return run_and_report(c, *root, *req, txn::TxnKind::Undo);
}

}  // namespace undo

}  // namespace

void add_history(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("history", "Show past transactions");
    auto show_audit = std::make_shared<bool>(false);
    cmd->add_flag("--audit", *show_audit,
                  "Show the audit log: every change (transactions, grants, revocations, "
                  "holds, repositories, NextChat settings) with time and user, and check its "
                  "hash chain");
    cmd->callback([&ctx, cmd, show_audit] {
        if (!cmd->get_subcommands().empty()) return;
        if (*show_audit)
            ctx.action = [](Context& c) { return audit::run(c); };
        else
            ctx.action = [](Context& c) { return list::run(c, list::Flags{}); };
    });
    auto info_flags = std::make_shared<info::Flags>();
    auto* info_cmd = cmd->add_subcommand("info", "Show one transaction");
    info_cmd->add_option("id", info_flags->id, "Transaction id")->required();
    info_cmd->callback([&ctx, info_flags] {
        ctx.action = [info_flags](Context& c) { return info::run(c, *info_flags); };
    });
    auto undo_flags = std::make_shared<undo::Flags>();
    auto* undo_cmd = cmd->add_subcommand("undo", "Reverse one transaction");
    undo_cmd->add_option("id", undo_flags->id, "Transaction id")->required();
    undo_cmd->callback([&ctx, undo_flags] {
        ctx.action = [undo_flags](Context& c) { return undo::run(c, *undo_flags); };
    });
}

}  // namespace nxp::cli
