// nxp new DIR --kind KIND: a plugin directory that passes `nxp lint` and `nxp pack` as is.
#include <algorithm>
#include <cctype>

#include "cli/context.hpp"
#include "repo/scaffold.hpp"
#include "txn/fsutil.hpp"

namespace nxp::cli {
namespace fs = std::filesystem;

namespace {

struct NewArgs {
    std::string dir;
    std::string kind;
    std::string name;
};

// The default name: the directory's last component, lower-cased.
std::string name_from_dir(const fs::path& dir) {
    std::string n = fs::absolute(dir).lexically_normal().filename().string();
    if (n.empty()) n = fs::absolute(dir).lexically_normal().parent_path().filename().string();
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
    return n;
}

Result<int> make_new(Context& c, const NewArgs& a) {
    const fs::path dir(a.dir);
    const std::string name = a.name.empty() ? name_from_dir(dir) : a.name;
    auto files = repo::scaffold(name, a.kind);
    if (!files) {
        auto e = files.error();
        if (a.name.empty() && e.context.find("name") != std::string::npos)
            e.message += " (the name comes from the directory; give one with --name)";
        return tl::unexpected(e);
    }
    std::error_code ec;
    if (fs::exists(fs::symlink_status(dir, ec)) &&
        (!fs::is_directory(dir, ec) || !fs::is_empty(dir, ec)))
        return fail(ErrorKind::Invalid, dir.string(),
                    "exists and is not an empty directory; nxp new writes only new plugins");
    nlohmann::json written = nlohmann::json::array();
    for (const auto& f : *files) {
        const fs::path p = dir / f.path;
        fs::create_directories(p.parent_path(), ec);
        if (ec)
            return fail(ErrorKind::Io, p.parent_path().string(),
                        "cannot create directory: " + ec.message());
        if (auto r = txn::write_file_atomic(p, f.text, f.executable ? 0755 : 0644); !r)
            return tl::unexpected(r.error());
        written.push_back(f.path);
    }
    if (c.g.json) {
        c.emit({{"command", "new"},
                {"dir", dir.string()},
                {"name", name},
                {"kind", a.kind},
                {"files", written}});
        return 0;
    }
    std::string text = "Created " + a.kind + " plugin " + name + " in " + dir.string() + ":\n";
    for (const auto& f : *files) text += "  " + f.path + "\n";
    text += "Next: edit plugin.json (summary, license, publisher";
    text += a.kind == "mcp-server" ? ", permissions)" : ")";
    text += " and files/, then\n  nxp lint " + dir.string() + "\n  nxp pack " + dir.string() +
            " -o packages/";
    c.out(text);
    return 0;
}

}  // namespace

void add_new(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("new", "Create a plugin directory that passes lint and pack");
    auto a = std::make_shared<NewArgs>();
    cmd->add_option("dir", a->dir, "Directory to create (must not exist, or be empty)")->required();
    cmd->add_option("--kind", a->kind, "mcp-server, mask or prompts")
        ->required()
        ->check(CLI::IsMember({"mcp-server", "mask", "prompts"}));
    cmd->add_option("--name", a->name, "Plugin name (default: the directory's name)");
    cmd->callback([&ctx, a] { ctx.action = [a](Context& c) { return make_new(c, *a); }; });
}

}  // namespace nxp::cli
