#include "txn/journal.hpp"

#include <ctime>
#include <nlohmann/json.hpp>

#include "formats/json_util.hpp"
#include "txn/fsutil.hpp"
#include "txn/root.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;
using nlohmann::json;

std::string_view step_action_name(StepAction a) {
    switch (a) {
        case StepAction::Install:
            return "install";
        case StepAction::Upgrade:
            return "upgrade";
        case StepAction::Downgrade:
            return "downgrade";
        case StepAction::Reinstall:
            return "reinstall";
        case StepAction::Remove:
            return "remove";
        case StepAction::Change:
            return "change";
        case StepAction::MarkExplicit:
            return "mark-explicit";
        case StepAction::MarkDependency:
            return "mark-dependency";
        case StepAction::Config:
            return "config";
        case StepAction::Enable:
            return "enable";
        case StepAction::Disable:
            return "disable";
        case StepAction::Tools:
            return "tools";
    }
    return "unknown";
}

std::optional<StepAction> parse_step_action(std::string_view name) {
    for (auto a : {StepAction::Install, StepAction::Upgrade, StepAction::Downgrade,
                   StepAction::Reinstall, StepAction::Remove, StepAction::Change,
                   StepAction::MarkExplicit, StepAction::MarkDependency, StepAction::Config,
                   StepAction::Enable, StepAction::Disable, StepAction::Tools})
        if (step_action_name(a) == name) return a;
    return std::nullopt;
}

StepAction step_action_of(resolver::StepKind k) {
    switch (k) {
        case resolver::StepKind::Install:
            return StepAction::Install;
        case resolver::StepKind::Upgrade:
            return StepAction::Upgrade;
        case resolver::StepKind::Downgrade:
            return StepAction::Downgrade;
        case resolver::StepKind::Reinstall:
            return StepAction::Reinstall;
        case resolver::StepKind::Remove:
            return StepAction::Remove;
    }
    return StepAction::Install;
}

std::string_view reason_name(Reason r) {
    switch (r) {
        case Reason::Explicit:
            return "explicit";
        case Reason::Dependency:
            return "dependency";
    }
    return "dependency";
}

bool is_explicit(const db::GenPackage& p) { return p.reason == reason_name(Reason::Explicit); }

std::string intent_to_json(const Intent& intent, bool with_config) {
    json j;
    j["kind"] = intent.kind;
    j["steps"] = json::array();
    for (const auto& s : intent.steps)
        j["steps"].push_back({{"action", s.action},
                              {"name", s.name},
                              {"from", s.from},
                              {"to", s.to},
                              {"repo", s.repo}});
    j["packages"] = json::array();
    for (const auto& p : intent.packages)
        j["packages"].push_back({{"name", p.name},
                                 {"version", p.version},
                                 {"store_path", p.store_path},
                                 {"reason", p.reason},
                                 {"repo", p.repo},
                                 {"enabled", p.enabled}});
    if (with_config) {
        j["config"] = json::array();
        // Secret values stay out of the journal (history shows it); the database keeps them
        // in txn_secrets until the transaction finishes.
        for (const auto& c : intent.config) {
            json row{{"package", c.package}, {"key", c.key}, {"secret", c.secret}};
            if (!c.secret) row["value"] = c.value_json;
            j["config"].push_back(std::move(row));
        }
    }
    return j.dump();
}

Result<Intent> intent_from_json(const std::string& text) {
    auto parsed = formats::parse_json(text, "transaction journal");
    if (!parsed) return tl::unexpected(parsed.error());
    try {
        const json& j = *parsed;
        Intent in;
        in.kind = j.at("kind").get<std::string>();
        for (const auto& s : j.at("steps"))
            in.steps.emplace_back(s.at("action").get<std::string>(),
                                  s.at("name").get<std::string>(), s.at("from").get<std::string>(),
                                  s.at("to").get<std::string>(), s.at("repo").get<std::string>());
        for (const auto& p : j.at("packages")) {
            db::GenPackage g;
            g.name = p.at("name");
            g.version = p.at("version");
            g.store_path = p.at("store_path");
            g.reason = p.at("reason");
            g.repo = p.at("repo");
            g.enabled = p.at("enabled");
            in.packages.push_back(std::move(g));
        }
        if (j.contains("config"))
            for (const auto& c : j.at("config"))
                in.config.push_back(
                    {c.at("package"), c.at("key"), c.value("value", ""), c.at("secret")});
        return in;
    } catch (const json::exception& e) {
        return fail(ErrorKind::Invalid, "transaction journal", std::string("corrupt: ") + e.what());
    }
}

namespace {

// The switch happened: record generation N+1 exactly as the journal describes it.
Result<void> finish(Root& root, const db::TxnRow& t, Intent intent) {
    auto& db = root.db();
    auto secrets = db.txn_secrets(t.id);
    if (!secrets) return tl::unexpected(secrets.error());
    for (auto& c : intent.config) {
        if (!c.secret) continue;
        for (const auto& s : *secrets)
            if (s.package == c.package && s.key == c.key) c.value_json = s.value_json;
    }
    std::erase_if(intent.config,
                  [](const db::ConfigRow& c) { return c.secret && c.value_json.empty(); });
    if (auto r = db.begin(); !r) return r;
    auto existing = db.generation(t.to_generation);
    if (!existing) return tl::unexpected(existing.error());
    if (!*existing) {
        db::Generation g{t.to_generation, static_cast<std::int64_t>(std::time(nullptr)), t.id};
        if (auto r = db.add_generation(g, intent.packages, intent.config); !r) {
            db.rollback();
            return r;
        }
    }
    if (auto r = db.set_current_generation(t.to_generation); !r) {
        db.rollback();
        return r;
    }
    if (auto r = db.update_txn(t.id, "done", "", std::time(nullptr)); !r) {
        db.rollback();
        return r;
    }
    return db.commit();
}

// The switch did not happen: drop the half-built generation, keep the old one in effect.
Result<void> undo(Root& root, const db::TxnRow& t, std::int64_t on_disk) {
    std::error_code ec;
    auto recorded = root.db().generation(t.to_generation);
    if (!recorded) return tl::unexpected(recorded.error());
    // A rollback targets a generation that already exists: never delete a recorded one.
    if (t.to_generation != on_disk && !*recorded)
        fs::remove_all(root.generation_dir(t.to_generation), ec);
    return root.db().update_txn(t.id, "undone", "interrupted before the switch; nothing changed",
                                std::time(nullptr));
}

}  // namespace

// Half-written temporaries (an extraction or a generation being built when the process
// died) are never referenced by anything: the writer that holds the lock drops them.
static void remove_temporaries(const Root& root) {
    std::error_code ec;
    for (const fs::path& dir : {root.store_dir(), root.generations_dir(), root.dir()}) {
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
            if (entry.path().filename().string().rfind(".tmp-", 0) == 0 ||
                entry.path().filename().string().rfind("current.tmp-", 0) == 0)
                fs::remove_all(entry.path(), ec);
        }
    }
}

Result<void> recover_interrupted(Root& root, Events& events) {
    remove_temporaries(root);
    auto pending = root.db().unfinished_txns();
    if (!pending) return tl::unexpected(pending.error());
    auto on_disk = root.current_on_disk();
    if (!on_disk) return tl::unexpected(on_disk.error());
    for (const auto& t : *pending) {
        auto intent = intent_from_json(t.plan_json);
        if (!intent)
            return tl::unexpected(
                in_context(intent.error(), "transaction " + std::to_string(t.id)));
        if (*on_disk == t.to_generation) {
            if (auto r = finish(root, t, *intent); !r) return r;
            events.message(Level::Warning, "recovered interrupted transaction " +
                                               std::to_string(t.id) + " (" + t.command_line +
                                               "): it had taken effect; recorded generation " +
                                               std::to_string(t.to_generation));
        } else {
            if (auto r = undo(root, t, *on_disk); !r) return r;
            events.message(Level::Warning, "recovered interrupted transaction " +
                                               std::to_string(t.id) + " (" + t.command_line +
                                               "): it had not taken effect; undone, generation " +
                                               std::to_string(*on_disk) + " stays current");
        }
    }
    // A crash after the switch but before the database commit of a rollback leaves the link
    // ahead of the database; the link is the truth.
    auto db_current = root.db().current_generation();
    if (!db_current) return tl::unexpected(db_current.error());
    if (*db_current != *on_disk) return root.db().set_current_generation(*on_disk);
    return {};
}

}  // namespace nxp::txn
