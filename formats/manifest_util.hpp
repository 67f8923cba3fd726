#pragma once
// Internal pieces of manifest parsing shared between its .cpp files and index.cpp.
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "formats/manifest.hpp"

namespace nxp::formats::detail {

// The "config" object of plugin.json, every key validated (including its default).
Result<std::map<std::string, ConfigKey>> parse_config(const nlohmann::json& obj);

// provides and replaces name real packages, so no "arch:" virtuals; a provide may carry
// only an exact version ("= 1.2.3"), the one thing a resolver can give a virtual.
Result<void> check_provides(const std::vector<Dep>& deps, std::string_view field);
Result<void> check_replaces(const std::vector<Dep>& deps, std::string_view field);

// "host" or "host:port"; a leading "*." allows subdomains; IP literals "a.b.c.d[:port]" and
// "[v6][:port]".
bool is_valid_network_host(std::string_view s);

// plugin.json's mcp.remote (formats/manifest_remote.cpp); ${config.KEY} placeholders in
// header values are checked against the config keys later (check_cross_fields).
Result<McpRemote> parse_mcp_remote(const nlohmann::json& v);
// `perms` with the remote server's network entry added when no entry names the same host and
// port: the host a remote plugin talks to is a permission it asks for.
void add_remote_permission(const McpRemote& remote, Permissions& perms);

}  // namespace nxp::formats::detail
