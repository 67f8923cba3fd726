#include "runtime/runtimes.hpp"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <fstream>

#include "runtime/plugin.hpp"
#include "runtime/run.hpp"

namespace nxp::runtime {
namespace fs = std::filesystem;

namespace {

constexpr const char* kNode = "node-runtime";

// The node-runtime alternatives of each requirement made only of node-runtime alternatives
// (a requirement another package may meet, "node-runtime ^22 | bun", does not bind node).
std::vector<std::vector<const formats::Dep*>> node_requirements(const formats::Manifest& m) {
    std::vector<std::vector<const formats::Dep*>> out;
    for (const auto& spec : m.requires_) {
        std::vector<const formats::Dep*> alts;
        bool only_node = !spec.alternatives.empty();
        for (const auto& alt : spec.alternatives) {
            if (alt.name == kNode)
                alts.push_back(&alt);
            else
                only_node = false;
        }
        if (only_node) out.push_back(std::move(alts));
    }
    return out;
}

bool meets(const std::vector<std::vector<const formats::Dep*>>& reqs, const formats::Version& v) {
    return std::all_of(reqs.begin(), reqs.end(), [&](const auto& alts) {
        return std::any_of(alts.begin(), alts.end(),
                           [&](const formats::Dep* d) { return d->constraint.matches(v); });
    });
}

std::string requirement_text(const formats::Manifest& m) {
    std::string out;
    for (const auto& spec : m.requires_) {
        bool node = std::any_of(spec.alternatives.begin(), spec.alternatives.end(),
                                [](const auto& a) { return a.name == kNode; });
        if (node) out += (out.empty() ? "" : ", ") + spec.str();
    }
    return out;
}

std::string read_head(const fs::path& file, std::size_t n) {
    std::ifstream in(file, std::ios::binary);
    std::string out(n, '\0');
    in.read(out.data(), static_cast<std::streamsize>(n));
    out.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
    return out;
}

const char* machine_name(unsigned m) {
    switch (m) {
        case EM_X86_64:
            return "x86-64";
        case EM_AARCH64:
            return "aarch64";
        case EM_386:
            return "i386";
        case EM_ARM:
            return "arm";
        case EM_RISCV:
            return "riscv";
        case EM_PPC64:
            return "ppc64";
        case EM_S390:
            return "s390";
        default:
            return nullptr;
    }
}

// Class, byte order and machine of an ELF header; nullopt for anything else.
struct ElfId {
    unsigned char cls = 0, data = 0;
    unsigned machine = 0;
    bool operator==(const ElfId&) const = default;
    std::string str() const {
        const char* name = machine_name(machine);
        return (name ? std::string(name) : "machine " + std::to_string(machine)) +
               (cls == ELFCLASS64 ? " 64-bit" : " 32-bit") +
               (data == ELFDATA2LSB ? " little-endian" : " big-endian");
    }
};

std::optional<ElfId> elf_id(const std::string& b) {
    if (b.size() < 20 || std::memcmp(b.data(), ELFMAG, SELFMAG) != 0) return std::nullopt;
    ElfId id;
    id.cls = static_cast<unsigned char>(b[EI_CLASS]);
    id.data = static_cast<unsigned char>(b[EI_DATA]);
    if ((id.cls != ELFCLASS32 && id.cls != ELFCLASS64) ||
        (id.data != ELFDATA2LSB && id.data != ELFDATA2MSB))
        return std::nullopt;
    auto byte = [&](std::size_t i) {
        return static_cast<unsigned>(static_cast<unsigned char>(b[i]));
    };
    // e_type at 16, e_machine at 18 (both classes).
    id.machine = id.data == ELFDATA2LSB ? byte(18) | byte(19) << 8 : byte(18) << 8 | byte(19);
    unsigned type = id.data == ELFDATA2LSB ? byte(16) | byte(17) << 8 : byte(16) << 8 | byte(17);
    if (type != ET_EXEC && type != ET_DYN) return std::nullopt;
    return id;
}

const std::optional<ElfId>& own_elf() {
    static const std::optional<ElfId> id = elf_id(read_head("/proc/self/exe", 64));
    return id;
}

}  // namespace

std::string runtime_version(const formats::Manifest& m) {
    if (m.kind != formats::Kind::Runtime) return "";
    for (const auto& p : m.provides)
        if (p.name == kNode && p.constraint.all.size() == 1 &&
            p.constraint.all[0].op == formats::Op::Eq)
            return p.constraint.all[0].version.str();
    return "";
}

Result<NodeChoice> choose_node(const db::Database& db, const fs::path& root_dir,
                               const std::string& plugin, const formats::Manifest& m,
                               const std::vector<db::GenPackage>& generation,
                               const std::optional<std::string>& host_version) {
    const auto reqs = node_requirements(m);
    if (reqs.empty()) return NodeChoice{};
    if (host_version) {
        auto v = formats::parse_version(*host_version);
        if (v && meets(reqs, *v)) return NodeChoice{NodeChoice::From::Host, *host_version, "", {}};
    }
    std::optional<formats::Version> best;
    const db::GenPackage* best_pkg = nullptr;
    std::vector<std::string> seen;
    for (const auto& pkg : generation) {
        if (pkg.name == plugin) continue;
        auto man = installed_manifest(db, pkg.store_path);
        if (!man) return tl::unexpected(man.error());
        auto text = runtime_version(*man);
        if (text.empty()) continue;
        seen.push_back(pkg.name + " (" + text + ")");
        auto v = formats::parse_version(text);
        if (!v || !meets(reqs, *v)) continue;
        if (!best || *best < *v) {
            best = *v;
            best_pkg = &pkg;
        }
    }
    if (best_pkg) {
        std::error_code ec;
        fs::path dir = fs::weakly_canonical(root_dir / best_pkg->store_path, ec);
        if (ec)
            return fail(ErrorKind::Io, (root_dir / best_pkg->store_path).string(), ec.message());
        return NodeChoice{NodeChoice::From::Package, best->str(), best_pkg->name, dir};
    }
    std::string runtimes = "no runtime plugin is installed";
    if (!seen.empty()) {
        runtimes = "the installed runtime plugins are ";
        for (std::size_t i = 0; i < seen.size(); ++i) runtimes += (i ? ", " : "") + seen[i];
    }
    return fail(ErrorKind::NotFound, plugin,
                "requires " + requirement_text(m) + ", which nothing here provides: the host's " +
                    (host_version ? "node is " + *host_version : "has no node") + " and " +
                    runtimes +
                    " (was one removed with --force?); install a runtime plugin that provides "
                    "it (nxp import node-runtime, nxp-import(1)) or reinstall " +
                    plugin + " to let the resolver pull one in");
}

bool elf_for_this_host(const std::string& bytes, std::string* why) {
    auto id = elf_id(bytes);
    if (!id) {
        if (why) *why = "not an ELF executable";
        return false;
    }
    const auto& own = own_elf();
    if (own && !(*own == *id)) {
        if (why)
            *why = "an ELF executable for " + id->str() + ", not for this host's " + own->str();
        return false;
    }
    return true;
}

Result<void> check_runtime(const Plugin& p, const RunPolicy& policy, Events& events) {
    const std::string want = runtime_version(p.manifest);
    const fs::path node = p.plugin_dir / "bin" / "node";
    const std::string where = p.name + ": bin/node";
    std::error_code ec;
    if (!fs::is_regular_file(fs::symlink_status(node, ec)))
        return fail(ErrorKind::Invalid, where,
                    "a runtime plugin must hold its node as a regular file bin/node");
    std::string why;
    if (!elf_for_this_host(read_head(node, 64), &why))
        return fail(ErrorKind::Invalid, where, why + "; the transaction was aborted");
    auto prof = plugin_profile(p, policy.allow_unsandboxed);
    prof.tool_dirs.clear();
    prof.argv = {node.string(), "--version"};
    prof.timeout_s = 30;
    prof.max_output = 4096;
    trace_sandbox(prof, {}, p.name + ": runtime check", events);
    auto r = sandbox::run(prof);
    if (!r) return tl::unexpected(in_context(r.error(), where));
    std::string out = r->output;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    if (r->exit_code != 0)
        return fail(ErrorKind::Invalid, where + " --version",
                    r->describe() + (out.empty() ? "" : " (" + out.substr(0, 200) + ")") +
                        "; the transaction was aborted");
    if (out != "v" + want)
        return fail(ErrorKind::Verification, where + " --version",
                    "printed '" + out.substr(0, 200) +
                        "', but the package provides node-runtime = " + want +
                        "; the transaction was aborted");
    events.message(Level::Info, p.name + ": node " + want + " runs in the sandbox");
    return {};
}

}  // namespace nxp::runtime
