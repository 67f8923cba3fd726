// Publisher commands: key generate, pack, lint, repo build.
#include <unistd.h>

#include <iostream>

#include "cli/context.hpp"
#include "formats/display.hpp"
#include "formats/minisign.hpp"
#include "os/file.hpp"
#include "repo/archive.hpp"
#include "repo/keys.hpp"
#include "repo/publish.hpp"
#include "txn/tool_pins.hpp"

namespace nxp::cli {
namespace fs = std::filesystem;

namespace {

struct KeyArgs {
    std::string out = "nxp";
    std::string password_file;
    bool force = false;
};

Result<int> key_generate(Context& c, const KeyArgs& a) {
    fs::path pub = a.out + ".pub", sec = a.out + ".key";
    if (!a.force && (fs::exists(pub) || fs::exists(sec)))
        return fail(ErrorKind::Invalid, sec.string(), "key file exists; pass --force to overwrite");
    auto pw = repo::read_password_file(a.password_file);
    if (!pw) return tl::unexpected(pw.error());
    auto kp = repo::generate_key_pair();
    if (auto r = os::write_file_atomic(sec, repo::secret_key_file_text(kp, *pw), 0600); !r)
        return tl::unexpected(r.error());
    if (auto r = os::write_file_atomic(pub, formats::format_public_key(kp.public_key), 0644); !r)
        return tl::unexpected(r.error());
    std::string id = formats::key_id_hex(kp.public_key.key_id);
    if (c.g.json)
        c.emit({{"command", "key generate"},
                {"public_key", pub.string()},
                {"secret_key", sec.string()},
                {"key_id", id},
                {"public_key_base64", formats::public_key_base64(kp.public_key)},
                {"encrypted", pw->has_value()}});
    else
        c.out("Secret key " + sec.string() +
              (pw->has_value() ? " (password-protected)" : " (unencrypted)") + "\nPublic key " +
              pub.string() + ", key id " + id +
              "\nRepository users pin it with: nxp repo add NAME URL --key " +
              formats::public_key_base64(kp.public_key));
    return 0;
}

Result<int> pack(Context& c, const std::string& dir, const std::string& out_arg) {
    auto bytes = repo::pack_directory(dir);
    if (!bytes) return tl::unexpected(bytes.error());
    auto text = os::read_file(fs::path(dir) / "plugin.json", 1 << 20);
    if (!text) return tl::unexpected(text.error());
    auto manifest = formats::parse_manifest(*text);
    if (!manifest) return tl::unexpected(in_context(manifest.error(), dir + "/plugin.json"));
    fs::path out = out_arg.empty()
                       ? fs::path(manifest->name + "-" + manifest->version.str() + ".nxp")
                       : fs::path(out_arg);
    if (!out_arg.empty() && out_arg.back() == '/') {
        std::error_code ec;
        fs::create_directories(out, ec);
        if (ec)
            return fail(ErrorKind::Io, out.string(), "cannot create directory: " + ec.message());
    }
    if (fs::is_directory(out)) out /= manifest->name + "-" + manifest->version.str() + ".nxp";
    // Like tar and cp, a file is not given directories it lacks ("-o DIR/" creates DIR);
    // say which one is missing rather than the temporary file's name.
    if (fs::path parent = out.parent_path(); !parent.empty() && !fs::is_directory(parent))
        return fail(ErrorKind::Io, out.string(),
                    "directory " + parent.string() + " does not exist (write -o " +
                        parent.string() + "/ to create it)");
    if (auto r = os::write_file_atomic(out, *bytes, 0644); !r) return tl::unexpected(r.error());
    std::string sha = repo::sha256_hex(*bytes);
    if (c.g.json)
        c.emit({{"command", "pack"},
                {"file", out.string()},
                {"name", manifest->name},
                {"version", manifest->version.str()},
                {"size", bytes->size()},
                {"sha256", sha}});
    else
        c.out("Packed " + manifest->name + " " + manifest->version.str() + " into " + out.string() +
              " (" + formats::human_size(bytes->size()) + ", sha256 " + sha.substr(0, 16) + "…)");
    return 0;
}

Result<int> lint(Context& c, const std::string& target) {
    auto findings = repo::lint(target);
    if (!findings) return tl::unexpected(findings.error());
    const LintReport report = report_lint(c, *findings);
    const int errors = report.errors;
    if (c.g.json)
        c.emit({{"command", "lint"}, {"ok", errors == 0}, {"findings", report.json}});
    else if (findings->empty())
        c.out(target + ": no problems found.");
    return errors == 0 ? 0 : 1;
}

nlohmann::json key_ids(const std::vector<formats::MinisignPublicKey>& keys) {
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& k : keys) ids.push_back(formats::key_id_hex(k.key_id));
    return ids;
}

struct BuildArgs {
    std::string repo_dir;
    std::vector<std::string> packages;
    std::vector<std::string> keys;
    std::string password_file;
    std::string id;
    std::int64_t expires_days = 30;
    std::vector<std::string> revoke;
    std::vector<std::string> advisories;
    bool pin_tools = false;
    std::string url;
    bool mcp_registry = false;
    std::string mcp_namespace;
};

// The "pinned" member of repo build --json: each added server and its tools.
nlohmann::json pinned_json(const std::map<fs::path, std::vector<formats::ToolDef>>& pins) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [file, tools] : pins) {
        nlohmann::json names = nlohmann::json::array();
        for (const auto& t : tools) names.push_back(t.name);
        out.push_back({{"file", file.string()}, {"tools", names}});
    }
    return out;
}

Result<int> repo_build(Context& c, const BuildArgs& a) {
    auto keys = repo::load_secret_key_files(a.keys, a.password_file);
    if (!keys) return tl::unexpected(keys.error());
    repo::BuildOptions o;
    o.repo_dir = a.repo_dir;
    for (const auto& p : a.packages) o.packages.emplace_back(p);
    o.repo_id = a.id;
    o.expires_days = a.expires_days;
    o.revoke = a.revoke;
    o.advisories = a.advisories;
    o.public_url = a.url;
    o.mcp_registry = a.mcp_registry || !a.mcp_namespace.empty();
    o.mcp_namespace = a.mcp_namespace;
    if (a.pin_tools) {
        // Before anything is written: a server that cannot be pinned leaves the repository
        // as it was.
        auto pins = txn::pin_package_tools(o.packages, {c.g.allow_unsandboxed, 120}, c);
        if (!pins) return tl::unexpected(pins.error());
        o.tool_pins = std::move(*pins);
    }
    std::vector<std::string> written;
    auto index = repo::build_repository(o, *keys, &written);
    if (!index) return tl::unexpected(index.error());
    if (c.g.json)
        c.emit({{"command", "repo build"},
                {"repo", index->repo},
                {"version", index->version},
                {"packages", index->packages.size()},
                {"expires", index->expires},
                {"signatures", keys->size()},
                {"pinned", pinned_json(o.tool_pins)},
                {"files", written}});
    else
        c.out("Repository " + index->repo + " at " + a.repo_dir + ": index version " +
              std::to_string(index->version) + ", " + std::to_string(index->packages.size()) +
              " package(s), " +
              (keys->size() == 1 ? std::string("signed.")
                                 : "signed by " + std::to_string(keys->size()) + " keys."));
    if (o.mcp_registry && !c.g.json)
        c.out("MCP Registry tree: " + (fs::path(a.repo_dir) / "v0/servers").string() +
              " (and v0.1/)");
    for (const auto& [file, tools] : o.tool_pins) {
        std::string names;
        for (const auto& t : tools) names += (names.empty() ? "" : ", ") + t.name;
        c.out("Pinned " + std::to_string(tools.size()) + " tool(s) of " + file.string() +
              (names.empty() ? "" : ": " + names));
    }
    return 0;
}

struct RotateArgs {
    std::string repo_dir;
    std::vector<std::string> keys, new_keys;
    std::string password_file;
    std::uint32_t threshold = 1;
};

Result<int> repo_rotate(Context& c, const RotateArgs& a) {
    auto old_keys = repo::load_secret_key_files(a.keys, a.password_file);
    if (!old_keys) return tl::unexpected(old_keys.error());
    auto new_keys = repo::load_secret_key_files(a.new_keys, a.password_file);
    if (!new_keys) return tl::unexpected(new_keys.error());
    auto set = repo::rotate_keys(a.repo_dir, *old_keys, *new_keys, a.threshold);
    if (!set) return tl::unexpected(set.error());
    const std::string file = "keys/" + std::to_string(set->version) + ".json";
    if (c.g.json)
        c.emit({{"command", "repo rotate-key"},
                {"repo", set->repo},
                {"key_version", set->version},
                {"file", file},
                {"keys", key_ids(set->keys)},
                {"threshold", set->threshold}});
    else
        c.out("Repository " + set->repo + ": wrote " + file + " (key version " +
              std::to_string(set->version) + ", " + std::to_string(set->threshold) + " of " +
              std::to_string(set->keys.size()) +
              " key(s) must sign).\nSign the index with the "
              "new key(s) next: nxp repo build " +
              a.repo_dir + " --key NEW.key");
    return 0;
}

}  // namespace

void add_key(CLI::App& app, Context& ctx) {
    auto* key = app.add_subcommand("key", "Manage signing keys");
    key->require_subcommand(1);
    auto a = std::make_shared<KeyArgs>();
    auto* gen = key->add_subcommand("generate", "Create a minisign-compatible key pair");
    gen->add_option("-o,--output", a->out, "Path prefix: writes PREFIX.key and PREFIX.pub");
    gen->add_option("--password-file", a->password_file,
                    "Encrypt the secret key with the password in this file (default: unencrypted)");
    gen->add_flag("--force", a->force, "Overwrite existing key files");
    gen->callback([&ctx, a] { ctx.action = [a](Context& c) { return key_generate(c, *a); }; });
}

void add_pack(CLI::App& app, Context& ctx) {
    auto dir = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("pack", "Pack a plugin directory into a reproducible .nxp");
    cmd->add_option("dir", *dir, "Plugin directory (plugin.json + files/)")->required();
    cmd->add_option("-o,--output", *out, "Output file or directory");
    cmd->callback(
        [&ctx, dir, out] { ctx.action = [dir, out](Context& c) { return pack(c, *dir, *out); }; });
}

void add_lint(CLI::App& app, Context& ctx) {
    auto target = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("lint", "Check a plugin directory or .nxp file");
    cmd->add_option("target", *target, "Plugin directory or .nxp file")->required();
    cmd->callback(
        [&ctx, target] { ctx.action = [target](Context& c) { return lint(c, *target); }; });
}

void add_repo_build(CLI::App& repo, Context& ctx) {
    auto a = std::make_shared<BuildArgs>();
    auto* cmd =
        repo.add_subcommand("build", "Add packages to a static repository and sign its index");
    cmd->add_option("dir", a->repo_dir, "Repository directory")->required();
    cmd->add_option("packages", a->packages, ".nxp files to add");
    cmd->add_option("--key", a->keys,
                    "Secret key file (minisign format); repeat to sign with several keys")
        ->required();
    cmd->add_option("--password-file", a->password_file, "Password of the encrypted secret key(s)");
    cmd->add_option("--id", a->id, "Repository id (required for a new repository)");
    cmd->add_option("--expires-days", a->expires_days, "Days until clients refuse the index")
        ->check(CLI::Range(1, 3650));
    cmd->add_option("--revoke", a->revoke,
                    "Revoke a published package (sha256 or NAME@VERSION); repeatable");
    cmd->add_option("--advisory", a->advisories,
                    "Publish an advisory ID;PACKAGE;VERSIONS;SEVERITY;SUMMARY; repeatable");
    cmd->add_flag("--pin-tools", a->pin_tools,
                  "Start each added MCP server (sandboxed, configuration defaults, nothing "
                  "granted) and pin its tool definitions in the signed index");
    cmd->add_option("--url", a->url,
                    "The URL users add the repository from, shown in the catalogue's "
                    "'nxp repo add' line and the MCP Registry tree");
    cmd->add_flag("--mcp-registry", a->mcp_registry,
                  "Also write the MCP Registry API tree (v0/servers…) beside the index");
    cmd->add_option("--mcp-registry-namespace", a->mcp_namespace,
                    "Reverse-DNS namespace of the server names (default: the repository id); "
                    "implies --mcp-registry");
    cmd->callback([&ctx, a] { ctx.action = [a](Context& c) { return repo_build(c, *a); }; });

    auto r = std::make_shared<RotateArgs>();
    auto* rot = repo.add_subcommand("rotate-key",
                                    "Hand a repository over to new signing keys (keys/N.json)");
    rot->add_option("dir", r->repo_dir, "Repository directory")->required();
    rot->add_option("--key", r->keys, "Current secret key file; repeat to meet its threshold")
        ->required();
    rot->add_option("--new-key", r->new_keys, "New secret key file; repeat for several keys")
        ->required();
    rot->add_option("--threshold", r->threshold, "How many new keys must sign (default 1)")
        ->check(CLI::Range(1, 64));
    rot->add_option("--password-file", r->password_file, "Password of the encrypted secret key(s)");
    rot->callback([&ctx, r] { ctx.action = [r](Context& c) { return repo_rotate(c, *r); }; });
}

}  // namespace nxp::cli
