#include "txn/verify.hpp"

#include <sys/stat.h>

#include <algorithm>

#include "repo/keys.hpp"
#include "txn/fsutil.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;

namespace {

char octal_digit(std::uint32_t v) { return static_cast<char>('0' + (v & 7)); }
std::string mode_str(std::uint32_t m) {
    return {'0', octal_digit(m >> 6), octal_digit(m >> 3), octal_digit(m)};
}

void check_file(const fs::path& tree, const std::string& rel_tree, const db::FileRow& f,
                const std::string& pkg, std::vector<Finding>& out) {
    fs::path p = tree / f.path;
    std::string where = rel_tree + "/" + f.path;
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) {
        out.push_back({pkg, where, "missing"});
        return;
    }
    char type = S_ISREG(st.st_mode)   ? 'f'
                : S_ISDIR(st.st_mode) ? 'd'
                : S_ISLNK(st.st_mode) ? 'l'
                                      : '?';
    if (type != f.type) {
        out.push_back(
            {pkg, where, std::string("is of type '") + type + "', expected '" + f.type + "'"});
        return;
    }
    if (type == 'l') {
        std::error_code ec;
        if (fs::read_symlink(p, ec).string() != f.link_target)
            out.push_back({pkg, where, "symlink target differs"});
        return;
    }
    std::uint32_t mode = st.st_mode & 07777;
    if (mode != f.mode)
        out.push_back({pkg, where, "mode " + mode_str(mode) + ", expected " + mode_str(f.mode)});
    if (type != 'f') return;
    if (static_cast<std::uint64_t>(st.st_size) != f.size) {
        out.push_back(
            {pkg, where,
             "size " + std::to_string(st.st_size) + ", expected " + std::to_string(f.size)});
        return;
    }
    auto data = read_file(p, f.size);
    if (!data || repo::sha256_hex(*data) != f.sha256) out.push_back({pkg, where, "sha256 differs"});
}

}  // namespace

Result<std::vector<Finding>> verify(const Root& root, const std::vector<std::string>& names) {
    std::vector<Finding> out;
    auto gen = root.db().current_generation();
    if (!gen) return tl::unexpected(gen.error());
    auto on_disk = root.current_on_disk();
    if (!on_disk)
        out.push_back({"", "current", on_disk.error().message});
    else if (*on_disk != *gen)
        out.push_back({"", "current",
                       "points at generation " + std::to_string(*on_disk) +
                           " but the database says " + std::to_string(*gen)});
    auto pkgs = root.db().generation_packages(*gen);
    if (!pkgs) return tl::unexpected(pkgs.error());
    for (const auto& n : names) {
        if (std::none_of(pkgs->begin(), pkgs->end(), [&](const auto& p) { return p.name == n; }))
            return fail(ErrorKind::NotFound, n, "not installed");
    }
    fs::path gdir = root.generation_dir(*gen) / "plugins";
    for (const auto& p : *pkgs) {
        if (!names.empty() && std::find(names.begin(), names.end(), p.name) == names.end())
            continue;
        std::error_code ec;
        fs::path link = gdir / p.name;
        std::string rel_link = "generations/" + std::to_string(*gen) + "/plugins/" + p.name;
        if (fs::read_symlink(link, ec) != fs::path("../../..") / p.store_path) {
            out.push_back({p.name, rel_link, "does not link to " + p.store_path});
            continue;
        }
        auto files = root.db().files(p.store_path);
        if (!files) return tl::unexpected(files.error());
        for (const auto& f : *files)
            check_file(root.dir() / p.store_path, p.store_path, f, p.name, out);
    }
    return out;
}

}  // namespace nxp::txn
