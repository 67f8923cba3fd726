#include "nextchat/mcp_config.hpp"

#include <system_error>

#include "nextchat/json_file.hpp"

namespace nxp::nextchat {

namespace {

namespace fs = std::filesystem;
using detail::Json;

fs::path config_path(const fs::path& nextchat_dir) {
    return nextchat_dir / "app" / "mcp" / "mcp_config.json";
}

// NextChat's own status values are "active", "paused" and "error"; it sets "error" itself
// when a server fails to start and still starts such a server next time. So for an entry
// nxp wants running, "error" is left alone rather than churned back to "active".
std::string status_for(const ServerEntry& entry, const Json* existing) {
    if (entry.paused) return "paused";
    if (existing && existing->contains("status") && (*existing)["status"] == "error") {
        return "error";
    }
    return "active";
}

// Updates the fields nxp manages and keeps any others NextChat or the operator added.
void apply(const ServerEntry& entry, Json& server) {
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
    server["status"] = status_for(entry, existed ? &previous : nullptr);
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

}  // namespace

Result<bool> sync_mcp_config(const fs::path& nextchat_dir, const std::vector<ServerEntry>& desired,
                             const std::set<std::string>& previously_managed) {
    std::error_code ec;
    if (!fs::is_directory(nextchat_dir, ec)) {
        return fail(ErrorKind::NotFound, nextchat_dir.string(), "no such NextChat directory");
    }
    fs::path path = config_path(nextchat_dir);
    auto read = detail::read_json_file(path);
    if (!read) return tl::unexpected(read.error());
    bool existed = read->has_value();
    Json root = existed ? std::move(**read) : Json{{"mcpServers", Json::object()}};
    Json original = root;

    auto servers = servers_of(root, path);
    if (!servers) return tl::unexpected(servers.error());
    std::set<std::string> wanted;
    for (const auto& entry : desired) {
        wanted.insert(entry.name);
        apply(entry, (**servers)[entry.name]);
    }
    for (const auto& name : previously_managed) {
        if (!wanted.count(name)) (*servers)->erase(name);
    }

    if (existed && root == original) return false;
    fs::create_directories(path.parent_path(), ec);
    if (ec) return fail(ErrorKind::Io, path.parent_path().string(), ec.message());
    auto written = detail::write_json_atomically(path, root);
    if (!written) return tl::unexpected(written.error());
    return true;
}

Result<std::vector<ServerEntry>> read_mcp_config(const fs::path& nextchat_dir) {
    fs::path path = config_path(nextchat_dir);
    auto read = detail::read_json_file(path);
    if (!read) return tl::unexpected(read.error());
    std::vector<ServerEntry> entries;
    if (!read->has_value()) return entries;
    Json& root = **read;
    if (root.is_object() && !root.contains("mcpServers")) return entries;
    auto servers = servers_of(root, path);
    if (!servers) return tl::unexpected(servers.error());
    for (const auto& [name, server] : (*servers)->items()) {
        ServerEntry entry;
        entry.name = name;
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
