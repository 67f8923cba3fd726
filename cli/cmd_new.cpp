// nxp new DIR --kind KIND: a plugin directory that passes `nxp lint` and `nxp pack` as is.
#include <algorithm>
#include <cctype>

#include "cli/context.hpp"
#include "formats/constraint.hpp"
#include "repo/scaffold.hpp"
#include "txn/fsutil.hpp"
#include "txn/nextchat_version.hpp"

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

// Where plugin.json's `nextchat >= V` came from and how it meets the root's NextChat: the
// requirement is nxp new's default, and a root without a recorded version (nxp init without a
// NextChat and without --nextchat-version) would refuse to install it until one is set.
struct NextchatNote {
    nlohmann::json doc;
    std::string text;
};

NextchatNote explain_nextchat(Context& c, const std::string& kind) {
    const auto def = repo::default_nextchat_requirement(kind);
    const std::string req = "nextchat >= " + def.minimum;
    const fs::path root = c.root_dir();
    const std::string init_cmd = "nxp init --nextchat-version V";
    NextchatNote n;
    n.doc = {
        {"requirement", req},          {"default", true},
        {"reason", def.reason},        {"root", root.string()},
        {"recorded_version", nullptr}, {"set_with", {init_cmd, txn::nextchat_version_command("")}}};
    n.text = "plugin.json requires \"" + req + "\": nxp new's default, not a detected version (" +
             def.reason + "); change \"requires\" to match the NextChat you target.\n";
    std::error_code ec;
    std::optional<txn::NextchatVersion> recorded;
    if (fs::exists(root / "nxp.db", ec)) {
        if (auto r = txn::Root::open(root, {txn::Access::Read, true}, c)) {
            if (auto v = txn::recorded_nextchat_version(r->db())) recorded = *v;
        }
    }
    if (!recorded) {
        n.doc["root_exists"] = false;
        n.text += "No nxp root at " + root.string() + " records a NextChat version; '" + init_cmd +
                  "' (or '" + txn::nextchat_version_command("") +
                  "') sets the host's version that plugins requiring nextchat are checked against.";
        return n;
    }
    n.doc["root_exists"] = true;
    n.doc["set_with"] = {init_cmd, txn::nextchat_version_command(recorded->dir)};
    if (recorded->version.empty()) {
        n.text += "Root " + root.string() +
                  " records no NextChat version (nxp init ran without --nextchat and without "
                  "--nextchat-version): it cannot install this plugin until one is set with '" +
                  txn::nextchat_version_command(recorded->dir) + "' (or '" + init_cmd +
                  "' for a new root).";
        return n;
    }
    n.doc["recorded_version"] = recorded->version;
    n.doc["version_source"] = recorded->source;
    bool meets = true;
    auto want = formats::parse_constraint(">= " + def.minimum);
    auto have = formats::parse_version(recorded->version);
    if (want && have) meets = want->matches(*have);
    n.doc["satisfied"] = meets;
    const std::string from =
        recorded->source == txn::kExplicitVersion
            ? "given with --nextchat-version"
            : (recorded->source.empty() ? "source not recorded" : "from " + recorded->source);
    n.text += "Root " + root.string() + " records NextChat " + recorded->version + " (" + from +
              (meets ? "), which meets it." : "), which does not meet it: lower the requirement") +
              (meets ? ""
                     : ", or set the host's version with '" +
                           txn::nextchat_version_command(recorded->dir) + "'.");
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
    const NextchatNote note = explain_nextchat(c, a.kind);
    if (c.g.json) {
        c.emit({{"command", "new"},
                {"dir", dir.string()},
                {"name", name},
                {"kind", a.kind},
                {"files", written},
                {"nextchat", note.doc}});
        return 0;
    }
    std::string text = "Created " + a.kind + " plugin " + name + " in " + dir.string() + ":\n";
    for (const auto& f : *files) text += "  " + f.path + "\n";
    text += "Next: edit plugin.json (summary, license, publisher";
    text += a.kind == "mcp-server" ? ", permissions)" : ")";
    text += " and files/, then\n  nxp lint " + dir.string() + "\n  nxp pack " + dir.string() +
            " -o packages/\n" + note.text;
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
