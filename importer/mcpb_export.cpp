// `nxp export mcpb`: a plugin as an MCPB bundle (manifest_version 0.3) written through
// libarchive, reproducibly (importer/mcpb.hpp).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "formats/json_util.hpp"
#include "importer/mcpb.hpp"
#include "repo/archive_util.hpp"

namespace nxp::importer {
namespace fs = std::filesystem;
using json = nlohmann::json;
using ojson = nlohmann::ordered_json;
using repo::detail::Archive;
using repo::detail::Entry;

namespace {

// 2000-01-02T12:00:00Z: a zip's DOS times cannot hold 1970, and are local time (libarchive
// converts with localtime), so the same bundle is byte-identical within one time zone.
constexpr time_t kFixedTime = 946814400;

std::string op_text(formats::Op op) {
    switch (op) {
        case formats::Op::Eq:
            return "";
        case formats::Op::Lt:
            return "<";
        case formats::Op::Le:
            return "<=";
        case formats::Op::Gt:
            return ">";
        case formats::Op::Ge:
            return ">=";
    }
    return "";
}

// nxp's placeholders in an MCPB string: ${plugin_dir} -> ${__dirname}, ${config.KEY} ->
// ${user_config.KEY}; ${state_dir} and ${deps.NAME} have no MCPB form.
Result<std::string> to_mcpb_text(const std::string& s, const std::string& field) {
    std::string out;
    std::size_t at = 0;
    for (std::size_t i = s.find("${"); i != std::string::npos; i = s.find("${", at)) {
        const std::size_t close = s.find('}', i);
        if (close == std::string::npos) break;
        const std::string name = s.substr(i + 2, close - i - 2);
        out += s.substr(at, i - at);
        at = close + 1;
        if (name == "plugin_dir") {
            out += "${__dirname}";
        } else if (name.rfind("config.", 0) == 0) {
            out += "${user_config." + name.substr(7) + "}";
        } else {
            return fail(ErrorKind::Invalid, field,
                        "${" + name +
                            "} has no MCPB form (a bundle knows ${__dirname} and "
                            "${user_config.KEY} only)");
        }
    }
    return out + s.substr(at);
}

std::string title_of(const std::string& key) {
    std::string t;
    bool up = true;
    for (char c : key) {
        if (c == '_' || c == '-') {
            t += ' ';
            up = true;
        } else {
            t += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
            up = false;
        }
    }
    return t;
}

}  // namespace

Result<ExportResult> mcpb_manifest(const formats::Manifest& m,
                                   const std::vector<formats::ToolDef>& tools) {
    const std::string where = "plugin " + m.name;
    auto bad = [&](const std::string& field, const std::string& why) {
        return fail(ErrorKind::Invalid, where + ": " + field, why);
    };
    if (m.kind != formats::Kind::McpServer || !m.mcp)
        return bad("kind", "an MCPB bundle holds an MCP server; this is a " +
                               std::string(formats::kind_name(m.kind)));
    if (m.mcp->remote)
        return bad("mcp.remote",
                   "a remote server has no MCPB form (a bundle runs a local program)");
    ExportResult r;
    ojson j;
    j["manifest_version"] = "0.3";
    j["name"] = m.name;
    j["version"] = m.version.str();
    j["description"] = m.summary.empty() ? m.name : m.summary;
    j["author"] = {{"name", m.publisher.empty() ? "unknown" : m.publisher}};
    if (m.homepage.rfind("https://", 0) == 0 || m.homepage.rfind("http://", 0) == 0)
        j["homepage"] = m.homepage;

    // server: the type follows the command.
    const std::string& cmd = m.mcp->command;
    const std::string own = "${plugin_dir}/";
    std::string type, entry;
    if (cmd == "node" || cmd == "nodejs") {
        type = "node";
    } else if (cmd == "python3" || cmd == "python") {
        type = "python";
    } else if (cmd.rfind(own, 0) == 0) {
        type = "binary";
        entry = cmd.substr(own.size());
    } else {
        return bad("mcp.command", "\"" + cmd +
                                      "\" is a host program; an MCPB bundle runs node, python "
                                      "or a program of its own");
    }
    ojson args = ojson::array();
    for (std::size_t i = 0; i < m.mcp->args.size(); ++i) {
        const std::string& a = m.mcp->args[i];
        auto t = to_mcpb_text(a, where + ": mcp.args[" + std::to_string(i) + "]");
        if (!t) return tl::unexpected(t.error());
        if (entry.empty() && a.rfind(own, 0) == 0) entry = a.substr(own.size());
        args.push_back(*t);
    }
    if (entry.empty())
        return bad("mcp.args",
                   "no argument names a file of the plugin (${plugin_dir}/…), which "
                   "MCPB requires as server.entry_point");
    // Settings passed as arguments: singles at their position, a spread array at the end.
    std::vector<std::pair<int, std::string>> singles;
    std::vector<std::string> spread;
    ojson env = ojson::object();
    ojson user_config = ojson::object();
    std::set<std::string> dirs;
    for (const auto& f : m.permissions.filesystem)
        if (f.path.rfind("${config.", 0) == 0 && f.path.back() == '}' &&
            f.path.find('}') == f.path.size() - 1)
            dirs.insert(f.path.substr(9, f.path.size() - 10));
    for (const auto& [key, spec] : m.config) {
        const std::string field = "config." + key;
        ojson u;
        const bool is_dir = dirs.count(key) != 0;
        switch (spec.type) {
            case formats::ConfigType::String:
            case formats::ConfigType::Enum:
                u["type"] = is_dir ? "directory" : "string";
                break;
            case formats::ConfigType::Integer:
            case formats::ConfigType::Number:
                u["type"] = "number";
                break;
            case formats::ConfigType::Boolean:
                u["type"] = "boolean";
                break;
            case formats::ConfigType::Array:
                if (spec.items != "string" && spec.items != "number" && spec.items != "integer")
                    return bad(field + ".items", "MCPB lists hold strings or numbers only");
                u["type"] = spec.items == "string" ? (is_dir ? "directory" : "string") : "number";
                u["multiple"] = true;
                break;
        }
        u["title"] = title_of(key);
        std::string desc = spec.description.empty() ? title_of(key) : spec.description;
        if (spec.type == formats::ConfigType::Enum) {
            std::string vals;
            for (const auto& v : spec.values) vals += (vals.empty() ? "" : ", ") + v;
            desc += " (one of: " + vals + ")";
        }
        u["description"] = desc;
        if (spec.required) u["required"] = true;
        if (spec.secret) u["sensitive"] = true;
        if (spec.minimum) u["min"] = *spec.minimum;
        if (spec.maximum) u["max"] = *spec.maximum;
        if (spec.default_json) {
            auto d = formats::parse_json(*spec.default_json, field + ".default");
            if (!d) return tl::unexpected(d.error());
            bool keep = true;
            auto map_one = [&](json& v) {
                if (!v.is_string()) return;
                auto t = to_mcpb_text(v.get<std::string>(), field + ".default");
                if (t)
                    v = *t;
                else
                    keep = false;
            };
            if (d->is_array())
                for (auto& v : *d) map_one(v);
            else
                map_one(*d);
            if (keep)
                u["default"] = *d;
            else
                r.notes.push_back(field + ".default names ${state_dir} or a library: left out");
        }
        const std::string ref = "${user_config." + key + "}";
        if (!spec.env.empty()) env[spec.env] = ref;
        if (spec.arg == "spread") {
            spread.push_back(ref);
        } else if (spec.arg == "single") {
            singles.emplace_back(spec.position.value_or(1 << 20), ref);
        }
        user_config[key] = std::move(u);
    }
    std::stable_sort(singles.begin(), singles.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [pos, ref] : singles) {
        const std::size_t at = std::min<std::size_t>(args.size(), static_cast<std::size_t>(pos));
        args.insert(args.begin() + static_cast<std::ptrdiff_t>(at), ref);
    }
    for (const auto& s : spread) args.push_back(s);
    ojson mcp_config = {{"command", type == "binary" ? "${__dirname}/" + entry : cmd},
                        {"args", args}};
    if (!env.empty()) mcp_config["env"] = env;
    j["server"] = {{"type", type}, {"entry_point", entry}, {"mcp_config", mcp_config}};
    // The bundle's static tools: the pinned (or recorded) definitions, else the tools
    // plugin.json declares; a description the pin lacks (a pin by name alone) comes from the
    // declaration.
    std::map<std::string, std::string> declared;
    if (m.tools)
        for (const auto& d : *m.tools) declared.emplace(d.name, d.description);
    if (!tools.empty() || (m.tools && !m.tools->empty())) {
        ojson t = ojson::array();
        auto add = [&](const std::string& name, std::string description) {
            ojson one = {{"name", name}};
            if (description.empty())
                if (auto it = declared.find(name); it != declared.end()) description = it->second;
            if (!description.empty()) one["description"] = description;
            t.push_back(std::move(one));
        };
        for (const auto& d : tools) {
            std::string description;
            if (!d.canonical.empty()) {
                auto c = formats::parse_json(d.canonical, "tools." + d.name);
                if (c && c->is_object() && c->contains("description") &&
                    (*c)["description"].is_string())
                    description = (*c)["description"].get<std::string>();
            }
            add(d.name, std::move(description));
        }
        if (tools.empty())
            for (const auto& d : *m.tools) add(d.name, d.description);
        j["tools"] = std::move(t);
    }
    if (!m.license.empty()) j["license"] = m.license;
    ojson compat = {{"platforms", {"linux"}}};
    for (const auto& spec : m.requires_) {
        std::string range;
        bool node = false;
        for (const auto& alt : spec.alternatives) {
            if (alt.name != "node-runtime") continue;
            node = true;
            std::string one;
            for (const auto& c : alt.constraint.all)
                one += (one.empty() ? "" : " ") + op_text(c.op) + c.version.str();
            if (one.empty()) one = "*";
            range += (range.empty() ? "" : " || ") + one;
        }
        if (node) {
            compat["runtimes"] = {{"node", range}};
            break;
        }
    }
    j["compatibility"] = compat;
    if (!user_config.empty()) j["user_config"] = user_config;
    if (!m.permissions.network.empty())
        r.notes.push_back(
            "permissions.network is not carried: MCPB clients do not confine a "
            "server's network");
    if (!m.permissions.env.empty())
        r.notes.push_back("permissions.env is not carried: MCPB has no passed-through variables");
    for (const auto& f : m.permissions.filesystem) {
        const bool own =
            f.path.rfind("${plugin_dir}", 0) == 0 || f.path.rfind("${state_dir}", 0) == 0;
        const bool setting = f.path.size() > 10 && f.path.rfind("${config.", 0) == 0 &&
                             dirs.count(f.path.substr(9, f.path.size() - 10)) != 0;
        if (!own && !setting)
            r.notes.push_back("permissions.filesystem " + f.path + " is not carried");
    }
    if (!m.hooks.post_install.empty() || !m.hooks.pre_remove.empty() ||
        !m.hooks.post_upgrade.empty())
        r.notes.push_back("hooks are not carried: MCPB runs no install scripts");
    r.manifest = std::move(j);
    return r;
}

namespace {

struct Item {
    std::string rel;
    bool dir = false;
    std::uint32_t mode = 0644;
    std::uint64_t size = 0;
};

la_ssize_t append_out(archive*, void* self, const void* buf, size_t n) {
    static_cast<std::string*>(self)->append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
}

}  // namespace

Result<std::string> write_mcpb(const ExportSource& src, ExportResult& result) {
    std::vector<Item> items;
    std::error_code ec;
    const fs::path tree = src.tree;
    if (fs::is_directory(fs::symlink_status(tree, ec))) {
        fs::recursive_directory_iterator it(tree, fs::directory_options::none, ec), end;
        if (ec) return fail(ErrorKind::Io, tree.string(), ec.message());
        for (; it != end; it.increment(ec)) {
            if (ec) return fail(ErrorKind::Io, tree.string(), ec.message());
            const std::string rel = it->path().lexically_relative(tree).generic_string();
            const auto st = it->symlink_status(ec);
            if (fs::is_symlink(st))
                return fail(ErrorKind::Invalid, (tree / rel).string(),
                            "a symlink; MCPB bundles hold regular files and directories only");
            if (fs::is_directory(st)) {
                items.push_back({rel, true, 0755, 0});
            } else if (fs::is_regular_file(st)) {
                if (rel == "manifest.json") {
                    result.notes.push_back(
                        "the plugin's own manifest.json is replaced by the generated one");
                    continue;
                }
                const auto perms = static_cast<std::uint32_t>(st.permissions());
                items.push_back(
                    {rel, false, repo::detail::normal_mode(perms), fs::file_size(it->path(), ec)});
            } else {
                return fail(ErrorKind::Invalid, (tree / rel).string(),
                            "not a regular file or directory");
            }
        }
    }
    std::sort(items.begin(), items.end(),
              [](const Item& a, const Item& b) { return a.rel < b.rel; });
    const std::string manifest = result.manifest.dump(2) + "\n";

    std::string out;
    Archive a(Archive::Mode::Write);
    if (a.get() == nullptr) return fail(ErrorKind::Internal, "export", "out of memory");
    if (archive_write_set_format_zip(a.get()) != ARCHIVE_OK ||
        archive_write_set_options(a.get(), "zip:compression=deflate") != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(a.get(), 1) != ARCHIVE_OK ||
        archive_write_open(a.get(), &out, nullptr, &append_out, nullptr) != ARCHIVE_OK)
        return fail(ErrorKind::Internal, "export", a.error());
    auto add = [&](const std::string& name, bool dir, std::uint32_t mode, const char* data,
                   std::size_t size) -> Result<void> {
        Entry e;
        archive_entry_set_pathname(e.get(), name.c_str());
        archive_entry_set_filetype(e.get(), dir ? AE_IFDIR : AE_IFREG);
        archive_entry_set_perm(e.get(), mode);
        archive_entry_set_size(e.get(), dir ? 0 : static_cast<la_int64_t>(size));
        archive_entry_set_mtime(e.get(), kFixedTime, 0);
        archive_entry_set_uid(e.get(), 0);
        archive_entry_set_gid(e.get(), 0);
        if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK)
            return fail(ErrorKind::Io, name, a.error());
        if (!dir && size > 0 &&
            archive_write_data(a.get(), data, size) != static_cast<la_ssize_t>(size))
            return fail(ErrorKind::Io, name, a.error());
        ++result.entries;
        return {};
    };
    if (auto r = add("manifest.json", false, 0644, manifest.data(), manifest.size()); !r)
        return tl::unexpected(r.error());
    std::string data;
    for (const auto& item : items) {
        // Files only, as `mcpb pack` writes them: `mcpb unpack` fails on a directory entry
        // (EISDIR), and every directory holding a file is made when it is unpacked.
        if (item.dir) continue;
        const fs::path p = tree / item.rel;
        const int fd = ::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) return fail(ErrorKind::Io, p.string(), std::strerror(errno));
        struct stat st {};
        data.clear();
        bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
        if (ok) {
            data.resize(static_cast<std::size_t>(st.st_size));
            std::size_t got = 0;
            while (got < data.size()) {
                const ssize_t n = ::read(fd, data.data() + got, data.size() - got);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) break;
                got += static_cast<std::size_t>(n);
            }
            ok = got == data.size();
        }
        ::close(fd);
        if (!ok) return fail(ErrorKind::Io, p.string(), "changed while being exported");
        if (auto r = add(item.rel, false, item.mode, data.data(), data.size()); !r)
            return tl::unexpected(r.error());
    }
    if (archive_write_close(a.get()) != ARCHIVE_OK)
        return fail(ErrorKind::Internal, "export", a.error());
    result.bytes = out.size();
    return out;
}

}  // namespace nxp::importer
