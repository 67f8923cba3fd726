#include "nextchat/mcp_config.hpp"

#include <system_error>

#include "nextchat/json_file.hpp"

namespace nxp::nextchat {

namespace {

namespace fs = std::filesystem;
using detail::Json;

constexpr const char* kConfigDir = "app/mcp";
constexpr const char* kConfigFile = "mcp_config.json";

fs::path config_path(const fs::path& nextchat_dir) {
    return nextchat_dir / "app" / "mcp" / "mcp_config.json";
}

// The config's directory (nullopt when app/mcp does not exist and `create` is not set) and
// the parsed file (nullopt when missing).
struct Opened {
    std::optional<os::Fd> dir;
    std::optional<Json> root;
};
Result<Opened> open_config(const fs::path& nextchat_dir, bool create) {
    Opened out;
    auto dir = detail::open_nextchat_subdir(nextchat_dir, kConfigDir, create);
    if (!dir) {
        if (dir.error().kind == ErrorKind::NotFound && !create &&
            dir.error().context != nextchat_dir.string())
            return out;
        return tl::unexpected(dir.error());
    }
    auto read = detail::read_json_at(dir->get(), kConfigFile, config_path(nextchat_dir).string());
    if (!read) return tl::unexpected(read.error());
    out.dir = std::move(*dir);
    out.root = std::move(*read);
    return out;
}

// NextChat's own status values are "active", "paused" and "error"; it sets "error" itself
// when a server fails to start and still starts such a server next time. So for an entry
// nxp wants running, "error" is left alone rather than churned back to "active".
// A NextChat pause (`in_nextchat`) is kept as "paused".
std::string status_for(const ServerEntry& entry, const Json* existing, bool in_nextchat) {
    if (entry.paused || in_nextchat) return "paused";
    if (existing && existing->contains("status") && (*existing)["status"] == "error") {
        return "error";
    }
    return "active";
}

// Updates the fields nxp manages and keeps any others NextChat or the operator added.
void apply(const ServerEntry& entry, Json& server, bool in_nextchat) {
    Json previous = server;
    bool existed = !server.is_null();
    if (!server.is_object()) server = Json::object();
    if (server.contains("type") && server["type"] != "stdio") {
        // nxp servers speak stdio; a stale SSE transport would win over the command.
        for (const char* key : {"type", "url", "headers"}) server.erase(key);
    }
    server["command"] = entry.command;
    server["args"] = entry.args;
    if (entry.env.empty()) {
        server.erase("env");
    } else {
        Json env = Json::object();
        for (const auto& [name, value] : entry.env) env[name] = value;
        server["env"] = std::move(env);
    }
    server["status"] = status_for(entry, existed ? &previous : nullptr, in_nextchat);
}

// An entry's "status" as written ("" when it has none, or not a string).
std::string status_of(const Json& server) {
    if (!server.is_object() || !server.contains("status") || !server["status"].is_string())
        return "";
    return server["status"].get<std::string>();
}

Result<Json*> servers_of(Json& root, const fs::path& path) {
    if (!root.is_object()) return fail(ErrorKind::Invalid, path.string(), "expected a JSON object");
    if (!root.contains("mcpServers")) root["mcpServers"] = Json::object();
    Json& servers = root["mcpServers"];
    if (!servers.is_object()) {
        return fail(ErrorKind::Invalid, path.string() + ": mcpServers", "expected an object");
    }
    return &servers;
}

std::vector<std::string> string_list(const Json& value) {
    std::vector<std::string> out;
    if (!value.is_array()) return out;
    for (const auto& item : value) {
        if (item.is_string()) out.push_back(item.get<std::string>());
    }
    return out;
}

// Whether an existing entry runs nxp's `exec NAME` for this root: the args nxp writes
// (`--root ROOT exec NAME`), or `nxp exec NAME` with the default root.
bool runs_nxp_exec(const Json& have, const ServerEntry& want) {
    if (!have.is_object() || !have.contains("args")) return false;
    const auto args = string_list(have["args"]);
    if (!want.args.empty() && args == want.args) return true;
    if (args != std::vector<std::string>{"exec", want.name}) return false;
    const std::string command = have.contains("command") && have["command"].is_string()
                                    ? have["command"].get<std::string>()
                                    : "";
    return command == want.command || fs::path(command).filename() == "nxp";
}

// Names of `desired` that the file already holds as entries nxp did not create: not in
// `managed`, and not running nxp's `exec NAME` for this root.
std::vector<std::string> foreign(const Json& servers, const std::vector<ServerEntry>& desired,
                                 const std::set<std::string>& managed) {
    std::vector<std::string> out;
    for (const auto& entry : desired) {
        if (managed.count(entry.name) || !servers.contains(entry.name)) continue;
        if (!runs_nxp_exec(servers[entry.name], entry)) out.push_back(entry.name);
    }
    return out;
}

Error collision(const fs::path& nextchat_dir, const std::vector<std::string>& names) {
    const std::string file = config_path(nextchat_dir).string();
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "\"" : ", \"") + n + "\"";
    const bool one = names.size() == 1;
    return Error{ErrorKind::Invalid, file + ": mcpServers." + names.front(),
                 std::string(one ? "an entry" : "entries") + " named " + list +
                     (one ? " was" : " were") +
                     " not created by nxp; nxp never replaces or removes an entry it did not "
                     "create (its command, args and env would be lost). Rename or remove " +
                     (one ? "that entry" : "those entries") + " in " + file +
                     ", or do not install a plugin of that name"};
}

}  // namespace

bool paused_in_nextchat(const ServerEntry& want, const std::string& file_status,
                        const NextchatPauses& memory) {
    if (file_status != "paused" || memory.resume.count(want.name)) return false;
    if (memory.in_nextchat.count(want.name)) return true;
    // nxp's own "paused" (written for a disabled or unconfigured plugin) is nxp's to undo;
    // while nxp wants the entry paused, the file's pause cannot be told apart from its own.
    return !want.paused && !memory.written_paused.count(want.name);
}

Result<void> check_mcp_config(const fs::path& nextchat_dir, const std::vector<ServerEntry>& desired,
                              const std::set<std::string>& previously_managed) {
    auto opened = open_config(nextchat_dir, false);
    if (!opened) return tl::unexpected(opened.error());
    if (!opened->root) return {};
    Json& root = *opened->root;
    if (root.is_object() && !root.contains("mcpServers")) return {};
    auto servers = servers_of(root, config_path(nextchat_dir));
    if (!servers) return tl::unexpected(servers.error());
    auto names = foreign(**servers, desired, previously_managed);
    if (!names.empty()) return tl::unexpected(collision(nextchat_dir, names));
    return {};
}

Result<bool> sync_mcp_config(const fs::path& nextchat_dir, const std::vector<ServerEntry>& desired,
                             const std::set<std::string>& previously_managed,
                             NextchatPauses* pauses) {
    fs::path path = config_path(nextchat_dir);
    auto opened = open_config(nextchat_dir, true);
    if (!opened) return tl::unexpected(opened.error());
    bool existed = opened->root.has_value();
    Json root = existed ? std::move(*opened->root) : Json{{"mcpServers", Json::object()}};
    Json original = root;

    auto servers = servers_of(root, path);
    if (!servers) return tl::unexpected(servers.error());
    if (auto names = foreign(**servers, desired, previously_managed); !names.empty())
        return tl::unexpected(collision(nextchat_dir, names));
    std::set<std::string> wanted, written_paused, in_nextchat, rewritten;
    for (const auto& entry : desired) {
        wanted.insert(entry.name);
        Json& server = (**servers)[entry.name];
        const Json before = server;
        const bool kept = pauses && paused_in_nextchat(entry, status_of(server), *pauses);
        apply(entry, server, kept);
        if (kept) in_nextchat.insert(entry.name);
        if (entry.paused) written_paused.insert(entry.name);
        if (server != before) rewritten.insert(entry.name);
    }
    for (const auto& name : previously_managed) {
        if (!wanted.count(name) && (*servers)->erase(name) > 0) rewritten.insert(name);
    }

    const bool changed = !existed || root != original;
    if (changed) {
        auto written = detail::write_json_at(opened->dir->get(), kConfigFile, root, path.string());
        if (!written) return tl::unexpected(written.error());
    }
    if (pauses) {
        pauses->written_paused = std::move(written_paused);
        pauses->in_nextchat = std::move(in_nextchat);
        pauses->rewritten = std::move(rewritten);
    }
    return changed;
}

Result<std::vector<ServerEntry>> read_mcp_config(const fs::path& nextchat_dir,
                                                 std::map<std::string, std::string>* statuses) {
    fs::path path = config_path(nextchat_dir);
    std::vector<ServerEntry> entries;
    auto opened = open_config(nextchat_dir, false);
    if (!opened) return tl::unexpected(opened.error());
    if (!opened->root) return entries;
    Json& root = *opened->root;
    if (root.is_object() && !root.contains("mcpServers")) return entries;
    auto servers = servers_of(root, path);
    if (!servers) return tl::unexpected(servers.error());
    for (const auto& [name, server] : (*servers)->items()) {
        ServerEntry entry;
        entry.name = name;
        if (statuses) (*statuses)[name] = status_of(server);
        if (server.is_object()) {
            if (server.contains("command") && server["command"].is_string()) {
                entry.command = server["command"].get<std::string>();
            }
            if (server.contains("args")) entry.args = string_list(server["args"]);
            if (server.contains("env") && server["env"].is_object()) {
                for (const auto& [key, value] : server["env"].items()) {
                    if (value.is_string()) entry.env[key] = value.get<std::string>();
                }
            }
            entry.paused = server.contains("status") && server["status"] == "paused";
        }
        entries.push_back(std::move(entry));
    }
    return entries;
}

}  // namespace nxp::nextchat
