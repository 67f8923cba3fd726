#include "importer/node_runtime.hpp"

#include <elf.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>

#include "formats/json_util.hpp"
#include "formats/manifest.hpp"
#include "formats/semver.hpp"
#include "importer/staging.hpp"
#include "sandbox/host_tools.hpp"

namespace nxp::importer {
namespace fs = std::filesystem;
using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

namespace {

constexpr std::string_view kPrefix = "node-linux-";

// npm's architecture → the host's arch: virtual (uname -m) and the ELF machine.
struct Arch {
    const char* npm;
    const char* machine;
    unsigned elf;
};
constexpr Arch kArches[] = {{"x64", "x86_64", EM_X86_64}, {"arm64", "aarch64", EM_AARCH64}};

const Arch* arch_of(std::string_view npm) {
    for (const auto& a : kArches)
        if (npm == a.npm) return &a;
    return nullptr;
}

std::string string_field(const json& meta, const char* key) {
    auto it = meta.find(key);
    return it != meta.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string trim(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(0, 1);
    return s;
}

// Runs a host tool (npm, tar) with nxp's environment; its output, or an error with its last
// lines.
Result<std::string> run(const std::vector<std::string>& argv, const std::string& what,
                        int timeout_s) {
    const char* path_var = std::getenv("PATH");
    const std::string path =
        sandbox::find_host_tool(argv.front(), path_var ? path_var : "/usr/bin:/bin");
    if (path.empty()) return fail(ErrorKind::NotFound, argv.front(), "not found on PATH");
    auto r = sandbox::run_host_tool(path, argv, {"npm_config_update_notifier=false"}, timeout_s,
                                    1 << 20);
    if (!r) return tl::unexpected(r.error());
    if (r->timed_out)
        return fail(ErrorKind::Network, what,
                    argv.front() + " did not finish in " + std::to_string(timeout_s) + " s");
    if (r->exit_code != 0) {
        std::string tail =
            r->output.size() > 2000 ? "…" + r->output.substr(r->output.size() - 2000) : r->output;
        return fail(ErrorKind::Network, what, argv.front() + " failed:\n" + trim(tail));
    }
    return r->output;
}

std::string read_file(const fs::path& p, std::size_t max = std::string::npos) {
    std::ifstream in(p, std::ios::binary);
    if (max == std::string::npos)
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string out(max, '\0');
    in.read(out.data(), static_cast<std::streamsize>(max));
    out.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
    return out;
}

// Whether `head` is a little-endian 64-bit ELF executable for `a`; `why` when not.
bool elf_for(const std::string& head, const Arch& a, std::string& why) {
    if (head.size() < 20 || std::memcmp(head.data(), ELFMAG, SELFMAG) != 0) {
        why = "is not an ELF executable";
        return false;
    }
    auto byte = [&](std::size_t i) {
        return static_cast<unsigned>(static_cast<unsigned char>(head[i]));
    };
    if (byte(EI_CLASS) != ELFCLASS64 || byte(EI_DATA) != ELFDATA2LSB) {
        why = "is not a 64-bit little-endian ELF executable";
        return false;
    }
    unsigned machine = byte(18) | byte(19) << 8;
    if (machine != a.elf) {
        why = "is an ELF executable for machine " + std::to_string(machine) + ", not " + a.machine;
        return false;
    }
    return true;
}

}  // namespace

std::optional<NodePackageSpec> node_package_spec(std::string_view spec) {
    if (!spec.starts_with(kPrefix)) return std::nullopt;
    spec.remove_prefix(kPrefix.size());
    auto at = spec.find('@');
    std::string arch(spec.substr(0, at));
    if (!arch_of(arch)) return std::nullopt;
    return NodePackageSpec{arch,
                           at == std::string_view::npos ? "" : std::string(spec.substr(at + 1))};
}

std::string host_node_arch() {
    struct utsname u {};
    if (::uname(&u) != 0) return "";
    for (const auto& a : kArches)
        if (std::string_view(u.machine) == a.machine) return a.npm;
    return "";
}

Result<NodeRuntimePlan> plan_node_runtime(const json& meta, const NodeRuntimeOptions& opts) {
    const std::string arch = opts.arch.empty() ? host_node_arch() : opts.arch;
    const Arch* a = arch_of(arch);
    if (!a)
        return fail(ErrorKind::Usage, "--arch " + arch,
                    "Node.js runtimes are imported for x64 or arm64");
    NodeRuntimePlan p;
    p.package = std::string(kPrefix) + arch;
    p.arch = arch;
    if (!meta.is_object())
        return fail(ErrorKind::Invalid, p.package, "npm returned no package metadata");
    if (string_field(meta, "name") != p.package)
        return fail(ErrorKind::Invalid, p.package,
                    "npm's metadata is for '" + string_field(meta, "name") + "'");
    p.version = string_field(meta, "version");
    auto v = formats::parse_version(p.version);
    if (!v) return tl::unexpected(in_context(v.error(), p.package + ": version"));
    if (!v->prerelease.empty() || v->major == 0)
        return fail(ErrorKind::Invalid, p.package + "@" + p.version,
                    "not a released Node.js version");
    if (auto dist = meta.find("dist"); dist != meta.end() && dist->is_object()) {
        p.tarball = string_field(*dist, "tarball");
        p.integrity = string_field(*dist, "integrity");
    }
    p.plugin_name = opts.name.empty() ? "node" + std::to_string(v->major) : opts.name;
    ojson m;
    m["name"] = p.plugin_name;
    m["version"] = p.version;
    m["kind"] = "runtime";
    m["summary"] = "Node.js " + p.version + " (linux-" + arch + ") for plugins that need it";
    m["license"] = "MIT";
    m["homepage"] = "https://nodejs.org/";
    m["requires"] = {std::string("arch:") + a->machine};
    m["provides"] = {"node-runtime = " + p.version};
    auto parsed = formats::parse_manifest(m.dump());
    if (!parsed) {
        auto e = in_context(parsed.error(), "plugin.json for " + p.package + "@" + p.version);
        if (opts.name.empty() == false) e.message += " (check --name)";
        return tl::unexpected(e);
    }
    p.manifest = std::move(m);
    return p;
}

Result<NodeRuntimePlan> import_node_runtime(const NodeRuntimeOptions& opts) {
    std::error_code ec;
    if (fs::exists(fs::symlink_status(opts.out, ec)) &&
        (!fs::is_directory(opts.out, ec) || !fs::is_empty(opts.out, ec)))
        return fail(ErrorKind::Invalid, opts.out.string(), "exists and is not an empty directory");
    if (opts.version.empty() ||
        opts.version.find_first_not_of("0123456789.x*^~<>= ") != std::string::npos)
        return fail(ErrorKind::Usage, opts.version,
                    "not a Node.js version or range (22, 22.23, 22.23.5)");
    const std::string arch = opts.arch.empty() ? host_node_arch() : opts.arch;
    if (!arch_of(arch))
        return fail(ErrorKind::Usage, "--arch " + arch,
                    "Node.js runtimes are imported for x64 or arm64");
    const std::string spec = std::string(kPrefix) + arch + "@" + opts.version;
    Staging tmp(opts.out);
    fs::create_directories(tmp.dir / "files" / "bin", ec);
    if (ec)
        return fail(ErrorKind::Io, tmp.dir.string(), "cannot create directory: " + ec.message());

    const fs::path view = tmp.dir / "view.json";
    auto out =
        run({"sh", "-c", "exec \"$0\" view \"$1\" --json >\"$2\"", opts.npm, spec, view.string()},
            spec, opts.timeout_s);
    if (!out) return tl::unexpected(out.error());
    std::string text = read_file(view);
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)
        return fail(ErrorKind::NotFound, spec, "npm has no such package or version");
    auto parsed = formats::parse_json(text, "npm view " + spec, {.reject_duplicate_keys = false});
    if (!parsed) return tl::unexpected(parsed.error());
    json meta = std::move(*parsed);
    if (meta.is_array()) {  // a range: the newest release it matches
        json best;
        std::optional<formats::Version> best_v;
        for (const auto& e : meta) {
            if (!e.is_object()) continue;
            auto v = formats::parse_version(string_field(e, "version"));
            if (v && v->prerelease.empty() && (!best_v || *best_v < *v)) {
                best_v = *v;
                best = e;
            }
        }
        meta = std::move(best);
    }
    if (meta.is_null())
        return fail(ErrorKind::NotFound, spec, "npm has no such package or version");
    NodeRuntimeOptions o = opts;
    o.arch = arch;
    auto plan = plan_node_runtime(meta, o);
    if (!plan) return tl::unexpected(plan.error());
    fs::remove(view, ec);

    // npm pack downloads the tarball and checks it against the registry's integrity.
    const fs::path packed = tmp.dir / "pack";
    fs::create_directories(packed, ec);
    const std::string exact = plan->package + "@" + plan->version;
    auto pack = run({opts.npm, "pack", exact, "--pack-destination", packed.string(), "--silent"},
                    exact, opts.timeout_s);
    if (!pack) return tl::unexpected(pack.error());
    const fs::path tgz = packed / (plan->package + "-" + plan->version + ".tgz");
    if (!fs::is_regular_file(fs::symlink_status(tgz, ec)))
        return fail(ErrorKind::Invalid, exact, "npm pack wrote no " + tgz.filename().string());
    // Only the two members needed, never as anything but regular files (checked below).
    const fs::path unpacked = tmp.dir / "unpacked";
    fs::create_directories(unpacked, ec);
    auto untar = run({"tar", "-xzf", tgz.string(), "-C", unpacked.string(), "--no-same-owner",
                      "--no-same-permissions", "package/bin/node"},
                     exact + ": bin/node", opts.timeout_s);
    if (!untar) return tl::unexpected(untar.error());
    (void)run({"tar", "-xzf", tgz.string(), "-C", unpacked.string(), "--no-same-owner",
               "--no-same-permissions", "package/LICENSE"},
              exact + ": LICENSE", opts.timeout_s);
    const fs::path node = unpacked / "package" / "bin" / "node";
    if (!fs::is_regular_file(fs::symlink_status(node, ec)))
        return fail(ErrorKind::Invalid, exact + ": bin/node", "is not a regular file");
    std::string why;
    if (!elf_for(read_file(node, 64), *arch_of(arch), why))
        return fail(ErrorKind::Invalid, exact + ": bin/node", why);
    fs::rename(node, tmp.dir / "files" / "bin" / "node", ec);
    if (ec) return fail(ErrorKind::Io, node.string(), ec.message());
    fs::permissions(tmp.dir / "files" / "bin" / "node", fs::perms(0755), ec);
    const fs::path license = unpacked / "package" / "LICENSE";
    if (fs::is_regular_file(fs::symlink_status(license, ec)))
        fs::rename(license, tmp.dir / "files" / "LICENSE", ec);
    fs::remove_all(unpacked, ec);
    fs::remove_all(packed, ec);

    if (auto ok = finish_plugin_dir(tmp, plan->manifest, opts.out); !ok)
        return tl::unexpected(ok.error());
    return plan;
}

}  // namespace nxp::importer
