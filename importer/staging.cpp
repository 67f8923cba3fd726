#include "importer/staging.hpp"

#include <unistd.h>

#include <fstream>
#include <random>
#include <string>

namespace nxp::importer {

namespace fs = std::filesystem;

Staging::Staging(const fs::path& out) {
    std::random_device rd;
    const fs::path parent = fs::absolute(out).lexically_normal().parent_path();
    dir = parent / (".nxp-import-" + std::to_string(rd()) + std::to_string(::getpid()));
}

Staging::~Staging() {
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
}

Result<void> finish_plugin_dir(Staging& staging, const nlohmann::ordered_json& manifest,
                               const fs::path& out) {
    const fs::path file = staging.dir / "plugin.json";
    {
        std::ofstream o(file, std::ios::trunc);
        o << manifest.dump(2) << '\n';
        o.close();
        if (!o) return fail(ErrorKind::Io, file.string(), "cannot write");
    }
    std::error_code ec;
    if (fs::exists(out, ec)) fs::remove(out, ec);  // the empty directory
    fs::rename(staging.dir, out, ec);
    if (ec)
        return fail(ErrorKind::Io, out.string(),
                    "cannot move the plugin into place: " + ec.message());
    staging.dir.clear();
    return {};
}

}  // namespace nxp::importer
