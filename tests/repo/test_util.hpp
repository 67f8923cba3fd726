#pragma once
// Shared by the repo/ tests: temporary directories, small files, and hand-made archives.
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "formats/error.hpp"
#include "tests/common/temp_dir.hpp"

// Failed REQUIRE(result) lines show the error text.
namespace Catch {
template <class T>
struct StringMaker<nxp::Result<T>> {
    static std::string convert(const nxp::Result<T>& r) {
        return r ? std::string("ok") : "error: " + r.error().str();
    }
};
}  // namespace Catch

namespace nxp::test {

namespace fs = std::filesystem;

inline void write_file(const fs::path& p, const std::string& s) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << s;
}

inline std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline std::string manifest_json(const std::string& name = "demo",
                                 const std::string& version = "1.0.0",
                                 const std::string& extra = "") {
    return "{\"name\": \"" + name + "\", \"version\": \"" + version +
           "\", \"kind\": \"library\", \"summary\": \"A demo plugin\", \"license\": \"MIT\"" +
           extra + "}";
}

// A plugin directory with a manifest, a script, a nested file and a relative symlink.
inline fs::path make_plugin(const fs::path& root, const std::string& name = "demo",
                            const std::string& version = "1.0.0") {
    fs::path dir = root / (name + "-src");
    write_file(dir / "plugin.json", manifest_json(name, version));
    write_file(dir / "files/bin/run.sh", "#!/bin/sh\necho hi\n");
    fs::permissions(dir / "files/bin/run.sh", fs::perms::owner_all | fs::perms::group_read);
    write_file(dir / "files/lib/data.txt", "data for " + name + "\n");
    write_file(dir / "files/README", "readme\n");
    fs::create_directory_symlink("lib", dir / "files/lib-link");
    return dir;
}

// Sorted listing of everything under `dir` (to prove nothing appeared outside dest).
inline std::vector<std::string> listing(const fs::path& dir) {
    std::vector<std::string> out;
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
         ++it) {
        out.push_back(fs::relative(it->path(), dir).string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

// One entry of a hand-crafted archive.
struct RawEntry {
    std::string name;
    unsigned type = AE_IFREG;  // AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFCHR, AE_IFIFO, …
    unsigned mode = 0644;
    std::string data;
    std::string link;      // symlink target
    std::string hardlink;  // hard link target
};

// Writes a pax+zstd archive with exactly these entries, in this order.
inline void write_raw_archive(const fs::path& file, const std::vector<RawEntry>& entries) {
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_add_filter_zstd(a);
    archive_write_open_filename(a, file.c_str());
    for (const auto& r : entries) {
        archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, r.name.c_str());
        archive_entry_set_filetype(e, r.type);
        archive_entry_set_perm(e, r.mode);
        if (!r.link.empty()) archive_entry_set_symlink(e, r.link.c_str());
        if (!r.hardlink.empty()) archive_entry_set_hardlink(e, r.hardlink.c_str());
        if (r.type == AE_IFCHR) archive_entry_set_rdev(e, 0x0103);
        archive_entry_set_size(e, r.type == AE_IFREG && r.hardlink.empty()
                                      ? static_cast<la_int64_t>(r.data.size())
                                      : 0);
        archive_write_header(a, e);
        if (!r.data.empty()) archive_write_data(a, r.data.data(), r.data.size());
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
}

inline RawEntry manifest_entry(const std::string& name = "demo") {
    return RawEntry{"plugin.json", AE_IFREG, 0644, manifest_json(name), "", ""};
}

inline RawEntry dir_entry(const std::string& name) {
    return RawEntry{name, AE_IFDIR, 0755, "", "", ""};
}

inline RawEntry file_entry(const std::string& name, const std::string& data = "x",
                           unsigned mode = 0644) {
    return RawEntry{name, AE_IFREG, mode, data, "", ""};
}

}  // namespace nxp::test
