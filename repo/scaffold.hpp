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

}  // namespace nxp::repo
