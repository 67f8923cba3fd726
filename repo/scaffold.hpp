#pragma once
// Publisher side: the files of a new plugin (`nxp new`), ready for `nxp lint` and `nxp pack`.
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "formats/manifest.hpp"

namespace nxp::repo {

struct ScaffoldFile {
    std::string path;  // relative to the plugin directory
    std::string text;
    bool executable = false;
};

// The files of a minimal working plugin of the given kind (mcp-server, mask or prompts)
// named `name`. Fails (naming the field) for a name that plugin.json would refuse, or a
// kind nxp cannot scaffold.
Result<std::vector<ScaffoldFile>> scaffold(const std::string& name, const std::string& kind);

// The `nextchat` requirement `scaffold` writes for a kind, and why: a default of nxp new's
// (plugin.json has no room for comments), not the version of any NextChat it looked at.
struct NextchatDefault {
    std::string minimum;  // "2.15": plugin.json requires "nextchat >= 2.15"
    std::string reason;   // "MCP servers need NextChat 2.15 or later"
};
NextchatDefault default_nextchat_requirement(const std::string& kind);

}  // namespace nxp::repo
