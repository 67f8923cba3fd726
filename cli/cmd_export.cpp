// nxp export mcpb NAME|DIR|FILE.nxp [-o FILE]: a plugin as an MCPB bundle (Claude Desktop's
// format, manifest_version 0.3) (issue 19 item 4).
#include <unistd.h>

#include <fstream>
#include <random>

#include "cli/context.hpp"
#include "formats/manifest.hpp"
#include "importer/mcpb.hpp"
#include "repo/archive.hpp"
#include "runtime/plugin.hpp"
#include "txn/installed.hpp"
#include "txn/tools.hpp"

namespace nxp::cli {

namespace {

namespace fs = std::filesystem;

struct ExportArgs {
    std::string what;  // installed NAME, plugin directory or .nxp file
    std::string out;   // default NAME-VERSION.mcpb
};

struct TempTree {
    fs::path dir;
    ~TempTree() {
        std::error_code ec;
        if (!dir.empty()) fs::remove_all(dir, ec);
    }
};

Result<std::string> read_text(const fs::path& p) {
    std::error_code ec;
    if (!fs::is_regular_file(fs::symlink_status(p, ec)))
        return fail(ErrorKind::NotFound, p.string(), "no such file");
    if (fs::file_size(p, ec) > (1 << 20))
        return fail(ErrorKind::Invalid, p.string(), "larger than 1 MiB");
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The plugin to export: an installed plugin by name (with its pinned or recorded tools), a
// plugin directory, or a .nxp file (extracted under the usual rules into `tmp`).
Result<importer::ExportSource> load_source(Context& c, const std::string& what, TempTree& tmp,
                                           std::string& kind) {
    importer::ExportSource src;
    std::error_code ec;
    const fs::path p(what);
    if (fs::is_directory(p, ec)) {
        kind = "directory";
        auto text = read_text(p / "plugin.json");
        if (!text) return tl::unexpected(text.error());
        auto m = formats::parse_manifest(*text);
        if (!m) return tl::unexpected(in_context(m.error(), (p / "plugin.json").string()));
        src.manifest = std::move(*m);
        src.tree = p / "files";
        return src;
    }
    if (what.find('/') != std::string::npos || p.extension() == ".nxp") {
        kind = "package";
        std::random_device rd;
        tmp.dir = fs::temp_directory_path() /
                  ("nxp-export-" + std::to_string(rd()) + std::to_string(::getpid()));
        auto ex = repo::extract_package(p, tmp.dir);
        if (!ex) return tl::unexpected(ex.error());
        src.manifest = std::move(ex->manifest);
        src.tree = tmp.dir;
        return src;
    }
    kind = "installed";
    auto root = c.open_root(txn::Access::Read);
    if (!root) return tl::unexpected(root.error());
    auto snap = txn::current_snapshot(*root);
    if (!snap) return tl::unexpected(snap.error());
    const auto* pkg = snap->find(what);
    if (pkg == nullptr)
        return fail(ErrorKind::NotFound, what,
                    "not installed (name an installed plugin, a plugin directory or a .nxp file)");
    auto m = runtime::installed_manifest(root->db(), pkg->store_path);
    if (!m) return tl::unexpected(m.error());
    src.manifest = std::move(*m);
    src.tree = fs::weakly_canonical(c.root_dir() / pkg->store_path, ec);
    auto policy = txn::tool_policy(*root, *pkg, snap->config);
    if (!policy) return tl::unexpected(policy.error());
    src.tools = policy->pins;
    return src;
}

Result<int> export_mcpb(Context& c, const ExportArgs& a) {
    TempTree tmp;
    std::string kind;
    auto src = load_source(c, a.what, tmp, kind);
    if (!src) return tl::unexpected(src.error());
    auto res = importer::mcpb_manifest(src->manifest, src->tools);
    if (!res) return tl::unexpected(res.error());
    auto bytes = importer::write_mcpb(*src, *res);
    if (!bytes) return tl::unexpected(bytes.error());
    const fs::path out =
        a.out.empty() ? fs::path(src->manifest.name + "-" + src->manifest.version.str() + ".mcpb")
                      : fs::path(a.out);
    std::error_code ec;
    if (fs::is_directory(out, ec))
        return fail(ErrorKind::Invalid, out.string(), "is a directory; name the .mcpb file");
    // Written next to its place and renamed: a failure leaves no half bundle.
    const fs::path part = out.string() + ".part";
    {
        std::ofstream f(part, std::ios::binary | std::ios::trunc);
        f.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
        f.close();
        if (!f) {
            fs::remove(part, ec);
            return fail(ErrorKind::Io, out.string(), "cannot write");
        }
    }
    fs::rename(part, out, ec);
    if (ec) {
        fs::remove(part, ec);
        return fail(ErrorKind::Io, out.string(), "cannot write: " + ec.message());
    }
    if (c.g.json) {
        c.emit({{"command", "export mcpb"},
                {"from", kind},
                {"name", src->manifest.name},
                {"version", src->manifest.version.str()},
                {"file", out.string()},
                {"entries", res->entries},
                {"size", res->bytes},
                {"tools", res->manifest.contains("tools") ? res->manifest["tools"].size() : 0},
                {"manifest", res->manifest},
                {"notes", res->notes}});
        return 0;
    }
    std::string text = "Wrote " + out.string() + " (" + src->manifest.name + " " +
                       src->manifest.version.str() + ", MCPB manifest 0.3, " +
                       std::to_string(res->entries) + " entries, " + std::to_string(res->bytes) +
                       " bytes).";
    for (const auto& n : res->notes) text += "\nNote: " + n;
    c.out(text);
    return 0;
}

}  // namespace

void add_export(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("export", "Write a plugin in another format");
    cmd->require_subcommand(1);
    auto* mcpb = cmd->add_subcommand(
        "mcpb", "Write a plugin as an MCPB bundle (Claude Desktop's .mcpb, manifest 0.3)");
    auto a = std::make_shared<ExportArgs>();
    mcpb->add_option("plugin", a->what,
                     "An installed plugin's NAME, a plugin directory or a .nxp file")
        ->required();
    mcpb->add_option("-o,--output", a->out, "The bundle to write (default: NAME-VERSION.mcpb)");
    mcpb->callback([&ctx, a] { ctx.action = [a](Context& c) { return export_mcpb(c, *a); }; });
}

}  // namespace nxp::cli
