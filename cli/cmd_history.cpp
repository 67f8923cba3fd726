// nxp history [info N]: the transaction journal.
#include <ctime>

#include "cli/context.hpp"
#include "cli/table.hpp"
#include "formats/constraint.hpp"
#include "txn/journal.hpp"

namespace nxp::cli {

namespace {

std::string when(std::int64_t t) {
    if (t == 0) return "-";
    std::time_t tt = t;
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::gmtime(&tt));
    return buf;
}

nlohmann::json steps_json(const txn::Intent& in) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& s : in.steps)
        arr.push_back({{"action", s.action},
                       {"name", s.name},
                       {"from", s.from},
                       {"to", s.to},
                       {"repo", s.repo}});
    return arr;
}

Result<int> history_list(Context& c) {
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
                           {"changes", in ? in->steps.size() : 0}});
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
               x.state, std::to_string(in ? in->steps.size() : 0), x.command_line});
    }
    c.out(t.render());
    return 0;
}

Result<int> history_info(Context& c, std::int64_t id) {
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
        text += "  " + s.action + " " + s.name + " " + (s.from.empty() ? "" : s.from + " -> ") +
                (s.to.empty() ? "(removed)" : s.to) + "\n";
    c.out(text);
    return 0;
}

// The request that reverses transaction `id` (as dnf5's history undo): what it installed is
// removed, what it removed or replaced comes back at the version it had.
Result<int> history_undo(Context& c, std::int64_t id) {
    auto root = c.open_root(c.g.dry_run ? txn::Access::Read : txn::Access::Write);
    if (!root) return tl::unexpected(root.error());
    auto t = root->db().txn(id);
    if (!t) return tl::unexpected(t.error());
    if (!*t)
        return fail(ErrorKind::NotFound, "transaction " + std::to_string(id),
                    "no such transaction");
    if ((*t)->state != "done")
        return fail(ErrorKind::Invalid, "transaction " + std::to_string(id),
                    "it is " + (*t)->state + ", so there is nothing to undo");
    auto in = txn::intent_from_json((*t)->plan_json);
    if (!in) return tl::unexpected(in.error());
    if (in->kind == "rollback")
        return fail(ErrorKind::Invalid, "transaction " + std::to_string(id),
                    "a rollback is undone with 'nxp rollback --to " +
                        std::to_string((*t)->from_generation) + "'");
    resolver::Request req;
    req.keep_deps = true;  // reverse exactly the listed changes, nothing more
    for (const auto& s : in->steps) {
        formats::Dep dep;
        dep.name = s.name;
        if (s.action == "install") {
            req.jobs.push_back({resolver::JobKind::Remove, dep});
        } else if (s.action == "remove" || s.action == "upgrade" || s.action == "downgrade" ||
                   s.action == "reinstall") {
            auto constraint = formats::parse_constraint("= " + s.from);
            if (!constraint) return tl::unexpected(constraint.error());
            dep.constraint = *constraint;
            req.jobs.push_back({resolver::JobKind::Install, dep});
        }
    }
    if (req.jobs.empty())
        return fail(ErrorKind::Invalid, "transaction " + std::to_string(id), "changed no plugins");
    return run_and_report(c, *root, req, "undo");
}

}  // namespace

void add_history(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("history", "Show past transactions");
    cmd->callback([&ctx, cmd] {
        if (cmd->get_subcommands().empty()) ctx.action = history_list;
    });
    auto id = std::make_shared<std::int64_t>(0);
    auto* info = cmd->add_subcommand("info", "Show one transaction");
    info->add_option("id", *id, "Transaction id")->required();
    info->callback([&ctx, id] { ctx.action = [id](Context& c) { return history_info(c, *id); }; });
    auto undo_id = std::make_shared<std::int64_t>(0);
    auto* undo = cmd->add_subcommand("undo", "Reverse one transaction");
    undo->add_option("id", *undo_id, "Transaction id")->required();
    undo->callback([&ctx, undo_id] {
        ctx.action = [undo_id](Context& c) { return history_undo(c, *undo_id); };
    });
}

}  // namespace nxp::cli
