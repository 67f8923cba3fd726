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

}  // namespace nxp::formats::detail
