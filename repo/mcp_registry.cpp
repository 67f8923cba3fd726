#include "repo/mcp_registry.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <unordered_set>

#include "formats/display.hpp"

namespace nxp::repo {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

constexpr const char* kSchema =
    "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json";
constexpr std::size_t kMaxNamespace = 135;  // "NS/NAME" at most 200 (NAME at most 64)

bool name_char(char ch, bool first, bool underscore) {
    const bool alnum =
        (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    return alnum || (!first && (ch == '.' || ch == '-' || (underscore && ch == '_')));
}

// A plugin name as a path component and as the part after '/': the manifest's rule
// ([a-z0-9][a-z0-9._-]*), checked again because paths are built from it.
bool safe_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    for (std::size_t i = 0; i < name.size(); ++i)
        if (!name_char(name[i], i == 0, true) || (name[i] >= 'A' && name[i] <= 'Z')) return false;
    return true;
}

// At most `max` code points of UTF-8 text (the schema's maxLength counts characters).
std::string clip(const std::string& s, std::size_t max) {
    std::vector<std::size_t> starts;
    for (std::size_t i = 0; i < s.size(); ++i)
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
    if (starts.size() <= max) return s;
    return s.substr(0, starts[max - 1]) + "…";
}

bool http_url(const std::string& url) {
    if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) return false;
    return std::none_of(url.begin(), url.end(), [](char ch) {
        return static_cast<unsigned char>(ch) <= ' ' || ch == 0x7f;
    });
}

// A config key passed in an environment variable, as the schema's KeyValueInput.
json env_var(const formats::ConfigKey& k) {
    json v = {{"name", k.env}};
    if (!k.description.empty()) v["description"] = k.description;
    v["isRequired"] = k.required;
    v["isSecret"] = k.secret;
    using T = formats::ConfigType;
    v["format"] = k.type == T::Integer || k.type == T::Number ? "number"
                  : k.type == T::Boolean                      ? "boolean"
                                                              : "string";
    if (k.default_json) {
        auto d = nlohmann::json::parse(*k.default_json, nullptr, false);
        v["default"] = d.is_string() ? d.get<std::string>() : *k.default_json;
    }
    if (k.type == T::Enum) v["choices"] = k.values;
    return v;
}

json server_json(const formats::Index& index, const formats::IndexEntry& e,
                 const std::string& server_name, const McpRegistryOptions& o) {
    json s = {{"$schema", kSchema},
              {"name", server_name},
              {"description", clip(e.summary.empty() ? "nxp plugin " + e.name : e.summary, 100)},
              {"title", e.name},
              {"version", e.version.str()}};
    if (http_url(e.homepage)) s["websiteUrl"] = e.homepage;
    json pkg = {{"registryType", "nxp"}};
    if (http_url(o.public_url)) pkg["registryBaseUrl"] = o.public_url;
    pkg["identifier"] = e.name;
    pkg["version"] = e.version.str();
    pkg["fileSha256"] = e.sha256;
    pkg["transport"] = {{"type", "stdio"}};
    json env = json::array();
    for (const auto& [key, k] : e.config)
        if (!k.env.empty()) env.push_back(env_var(k));
    if (!env.empty()) pkg["environmentVariables"] = env;
    s["packages"] = json::array({pkg});
    json meta = {{"install", "nxp install " + e.name + "@" + e.version.str()},
                 {"repository", index.repo}};
    if (!o.public_url.empty()) meta["repositoryUrl"] = o.public_url;
    meta["path"] = e.path;
    meta["size"] = e.size;
    meta["sha256"] = e.sha256;
    if (!e.license.empty()) meta["license"] = e.license;
    if (!e.publisher.empty()) meta["publisher"] = e.publisher;
    meta["permissions"] = {{"network", e.permissions.network}, {"env", e.permissions.env}};
    json fs_grants = json::array();
    for (const auto& f : e.permissions.filesystem)
        fs_grants.push_back({{"path", f.path}, {"access", f.access}});
    meta["permissions"]["filesystem"] = fs_grants;
    if (e.tools) {
        json names = json::array();
        for (const auto& t : *e.tools) names.push_back(t.name);
        meta["tools"] = names;
    }
    s["_meta"] = {{"io.nxp/package", meta}};
    return s;
}

json response(const formats::Index& index, const formats::IndexEntry& e, const std::string& name,
              const McpRegistryOptions& o, bool latest, bool revoked) {
    json official = {{"status", revoked ? "deleted" : "active"}};
    if (revoked) official["statusMessage"] = "revoked by the publisher: nxp never installs it";
    official["updatedAt"] = formats::utc_timestamp(index.generated);
    official["isLatest"] = latest;
    return {{"server", server_json(index, e, name, o)},
            {"_meta",
             {{"io.modelcontextprotocol.registry/official", official},
              {"io.nxp/registry", {{"repository", index.repo}, {"indexVersion", index.version}}}}}};
}

std::string text(const json& j) {
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

json list(const std::vector<json>& servers) {
    json l = {{"servers", json::array()}};
    for (const auto& s : servers) l["servers"].push_back(s);
    l["metadata"] = {{"count", servers.size()}};
    return l;
}

Result<void> write_plain(const fs::path& p, const std::string& data) {
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    if (ec) return fail(ErrorKind::Io, p.parent_path().string(), ec.message());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << data;
    out.close();
    if (!out) return fail(ErrorKind::Io, p.string(), "cannot write");
    return {};
}

}  // namespace

Result<std::string> mcp_registry_namespace(const formats::Index& index, const std::string& option) {
    if (option.empty()) {
        std::string ns;
        for (char ch : index.repo) ns += name_char(ch, false, false) ? ch : '-';
        if (ns.empty() || !name_char(ns[0], true, false)) ns = "nxp-" + ns;
        return ns.substr(0, kMaxNamespace);
    }
    const bool ok = option.size() <= kMaxNamespace && name_char(option[0], true, false) &&
                    std::all_of(option.begin(), option.end(),
                                [](char ch) { return name_char(ch, false, false); });
    if (!ok)
        return fail(ErrorKind::Usage, "--mcp-registry-namespace " + option,
                    "expected a reverse-DNS namespace such as org.example (letters, digits, "
                    "'.' and '-', starting with a letter or digit, at most 135 characters)");
    return option;
}

Result<std::vector<McpRegistryFile>> render_mcp_registry(const formats::Index& index,
                                                         const McpRegistryOptions& options) {
    auto ns = mcp_registry_namespace(index, options.name_space);
    if (!ns) return tl::unexpected(ns.error());
    const std::unordered_set<std::string> revoked(index.revoked.begin(), index.revoked.end());
    std::map<std::string_view, std::vector<const formats::IndexEntry*>> by_name;
    for (const auto& e : index.packages)
        if (e.kind == formats::Kind::McpServer) by_name[e.name].push_back(&e);
    std::vector<McpRegistryFile> files;
    std::vector<json> latest_list;
    for (auto& [name, versions] : by_name) {
        if (!safe_name(name))
            return fail(ErrorKind::Invalid, "packages: " + std::string(name),
                        "not a plugin name usable in a server name");
        std::sort(versions.begin(), versions.end(),
                  [](const auto* a, const auto* b) { return b->version < a->version; });
        const std::string server = *ns + "/" + std::string(name);
        const std::string dir = "v0/servers/" + server;
        const formats::IndexEntry* latest = nullptr;
        for (const auto* e : versions)
            if (!revoked.count(e->sha256)) {
                latest = e;
                break;
            }
        std::vector<json> version_list;
        for (const auto* e : versions) {
            const bool gone = revoked.count(e->sha256) != 0;
            json doc = response(index, *e, server, options, e == latest, gone);
            files.push_back({dir + "/versions/" + e->version.str() + "/index.json", text(doc)});
            if (gone) continue;
            version_list.push_back(doc);
            if (e == latest) {
                files.push_back({dir + "/versions/latest/index.json", text(doc)});
                files.push_back({dir + "/index.json", text(doc)});
                latest_list.push_back(std::move(doc));
            }
        }
        files.push_back({dir + "/versions/index.json", text(list(version_list))});
    }
    files.push_back({"v0/servers/index.json", text(list(latest_list))});
    return files;
}

Result<std::vector<std::string>> write_mcp_registry(const fs::path& repo_dir,
                                                    const formats::Index& index,
                                                    const McpRegistryOptions& options) {
    auto files = render_mcp_registry(index, options);
    if (!files) return tl::unexpected(files.error());
    std::vector<std::string> written;
    std::random_device rd;
    const std::string tag = std::to_string(rd());
    for (const std::string top : {"v0", "v0.1"}) {
        // A fresh tree beside the old one, then swapped in: no stale server is left behind
        // (a renamed namespace), and readers see the old tree or the new one.
        const fs::path fresh = repo_dir / ("." + top + ".new-" + tag);
        const fs::path old = repo_dir / ("." + top + ".old-" + tag);
        for (const auto& f : *files) {
            const std::string rel = top + f.path.substr(2);
            if (auto r = write_plain(fresh / f.path.substr(3), f.content); !r) {
                std::error_code ec;
                fs::remove_all(fresh, ec);
                return tl::unexpected(r.error());
            }
            written.push_back(rel);
        }
        std::error_code ec;
        const fs::path dest = repo_dir / top;
        const bool had = fs::exists(dest, ec);
        if (had) fs::rename(dest, old, ec);
        if (!ec) fs::rename(fresh, dest, ec);
        if (ec) {
            std::error_code ignored;
            fs::remove_all(fresh, ignored);
            if (had && !fs::exists(dest, ignored)) fs::rename(old, dest, ignored);
            return fail(ErrorKind::Io, dest.string(), "cannot replace: " + ec.message());
        }
        fs::remove_all(old, ec);
    }
    return written;
}

}  // namespace nxp::repo
