// nxp files NAME: the files an installed plugin owns; nxp owns PATH: which plugin owns a file
// (a path inside ROOT/current/plugins/NAME/, relative to the plugin, or absolute).
#include "cli/context.hpp"
#include "cli/table.hpp"
#include "cli/term.hpp"

namespace nxp::cli {
namespace {

namespace fs = std::filesystem;

Result<db::GenPackage> installed_package(txn::Root& root, const std::string& name) {
    auto snap = txn::current_snapshot(root);
    if (!snap) return tl::unexpected(snap.error());
    if (auto* p = snap->find(name)) return *p;
    return fail(ErrorKind::NotFound, name, "not installed");
}

std::string mode_text(std::uint32_t mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
    return buf;
}

Result<int> files(Context& c, const std::string& name) {
    auto root = c.open_root(txn::Access::Read);
    if (!root) return tl::unexpected(root.error());
    auto pkg = installed_package(*root, name);
    if (!pkg) return tl::unexpected(pkg.error());
    auto rows = root->db().files(pkg->store_path);
    if (!rows) return tl::unexpected(rows.error());
    const std::string base = "current/plugins/" + name + "/";
    if (c.g.json) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& f : *rows)
            arr.push_back({{"path", f.path},
                           {"type", std::string(1, f.type)},
                           {"mode", mode_text(f.mode)},
                           {"size", f.size},
                           {"sha256", f.sha256}});
        c.emit({{"command", "files"},
                {"name", name},
                {"version", pkg->version},
                {"dir", (c.root_dir() / base).string()},
                {"files", arr}});
        return 0;
    }
    std::string text;
    // One path a line: a newline inside a name is shown as \n, not as a second file (the
    // output filter escapes every other control character).
    for (const auto& f : *rows)
        text += terminal_safe((c.root_dir() / base / f.path).string(), /*one_line=*/true) + "\n";
    if (!text.empty()) text.pop_back();
    c.out(text);
    return 0;
}

// The path relative to a plugin tree: "NAME/rel" from ROOT/current/plugins/NAME/rel or from
// ROOT/store/TREE/rel; otherwise the argument as given (a path inside some plugin).
std::pair<std::string, std::string> split_owner_path(const fs::path& root, const std::string& arg) {
    fs::path p = fs::absolute(arg).lexically_normal();
    for (const char* top : {"current/plugins", "store"}) {
        fs::path rel = p.lexically_relative((fs::absolute(root) / top).lexically_normal());
        if (!rel.empty() && *rel.begin() != "..") {
            auto it = rel.begin();
            std::string first = it->string();
            fs::path rest;
            for (++it; it != rel.end(); ++it) rest /= *it;
            return {std::string(top) == "store" ? "@" + first : first, rest.string()};
        }
    }
    return {"", arg};
}

Result<int> owns(Context& c, const std::string& arg) {
    auto root = c.open_root(txn::Access::Read);
    if (!root) return tl::unexpected(root.error());
    auto snap = txn::current_snapshot(*root);
    if (!snap) return tl::unexpected(snap.error());
    auto [where, rel] = split_owner_path(c.root_dir(), arg);
    std::vector<std::pair<std::string, std::string>> owners;  // name, version
    for (const auto& pkg : snap->packages) {
        if (!where.empty()) {
            bool by_name = where == pkg.name;
            bool by_tree = where[0] == '@' && "store/" + where.substr(1) == pkg.store_path;
            if (!by_name && !by_tree) continue;
        }
        auto rows = root->db().files(pkg.store_path);
        if (!rows) return tl::unexpected(rows.error());
        for (const auto& f : *rows)
            if (f.path == rel) owners.emplace_back(pkg.name, pkg.version);
    }
    if (c.g.json) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& [n, v] : owners) arr.push_back({{"name", n}, {"version", v}});
        c.emit({{"command", "owns"}, {"path", arg}, {"owners", arr}});
    } else if (!owners.empty()) {
        std::string text;
        for (const auto& [n, v] : owners)
            text += terminal_safe(arg, /*one_line=*/true) + " is owned by " + n + " " + v + "\n";
        text.pop_back();
        c.out(text);
    }
    if (owners.empty()) return fail(ErrorKind::NotFound, arg, "no installed plugin owns this file");
    return 0;
}

}  // namespace

void add_files(CLI::App& app, Context& ctx) {
    auto name = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("files", "List the files an installed plugin owns");
    cmd->add_option("name", *name, "Installed plugin")->required();
    cmd->callback([&ctx, name] { ctx.action = [name](Context& c) { return files(c, *name); }; });

    auto path = std::make_shared<std::string>();
    auto* o = app.add_subcommand("owns", "Show which installed plugin owns a file");
    o->add_option("path", *path,
                  "A file under ROOT/current/plugins/NAME/, or a path inside a plugin")
        ->required();
    o->callback([&ctx, path] { ctx.action = [path](Context& c) { return owns(c, *path); }; });
}

}  // namespace nxp::cli
