// The package reader (repo/archive, repo/extract): a .nxp downloaded from a repository is
// extracted as root. The input is the tar itself (compressed here with zstd, so mutations
// reach the tar reader) or, when it starts with zstd's magic number, the .nxp as is.
// Beyond not crashing: nothing may be written outside the destination, every symlink left
// in the tree must resolve inside it, no installed name may hold a control character, what
// is reported must be what is on disk, and a refused package leaves nothing behind.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "fuzz/fuzz_util.hpp"
#include "repo/archive.hpp"
#include "repo/repository.hpp"

using namespace nxp;
namespace fs = std::filesystem;

namespace {

using fuzz::has_control;

// base/in.nxp is the package, base/root/pkg the destination, base/outside a canary.
struct Sandbox {
    fs::path base;
    Sandbox() {
        std::string tmpl = (fs::temp_directory_path() / "nxp-fuzz-archive.XXXXXX").string();
        fuzz::require(::mkdtemp(tmpl.data()) != nullptr, "mkdtemp");
        base = tmpl;
        fs::create_directories(base / "root");
        fs::create_directories(base / "outside");
    }
    ~Sandbox() {
        std::error_code ec;
        fs::remove_all(base, ec);
    }
};

Sandbox& sandbox() {
    static Sandbox s;
    return s;
}

bool inside(const fs::path& p, const fs::path& dir) {
    auto rel = p.lexically_relative(dir);
    return !rel.empty() && *rel.begin() != "..";
}

// Everything under base that is neither the package, a directory on the way to dest, nor
// inside dest was written outside the destination.
void check_nothing_outside(const fs::path& base, const fs::path& dest) {
    const std::set<fs::path> expected{base / "in.nxp", base / "root", base / "outside", dest};
    for (auto it = fs::recursive_directory_iterator(base); it != fs::recursive_directory_iterator();
         ++it) {
        const fs::path& p = it->path();
        if (p == dest) {
            it.disable_recursion_pending();
            continue;
        }
        fuzz::require(expected.count(p) == 1, "extraction wrote outside its destination: " +
                                                  p.lexically_relative(base).string());
    }
}

void check_tree(const repo::Extracted& x, const fs::path& dest) {
    const fs::path real_dest = fs::canonical(dest);
    for (const auto& f : x.files) {
        fuzz::require(!has_control(f.path) && !has_control(f.link_target),
                      "control character in an installed name");
        fs::path p = dest / f.path;
        fuzz::require(inside(p.lexically_normal(), dest), "entry path leaves the tree: " + f.path);
        struct stat st {};
        fuzz::require(::lstat(p.c_str(), &st) == 0, "reported entry missing on disk: " + f.path);
        if (f.type == 'f')
            fuzz::require(S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) == f.size,
                          "regular file differs from the report: " + f.path);
        if (f.type == 'd') fuzz::require(S_ISDIR(st.st_mode), "directory expected: " + f.path);
        if (f.type == 'l') {
            fuzz::require(S_ISLNK(st.st_mode), "symlink expected: " + f.path);
            std::error_code ec;
            fs::path to = fs::weakly_canonical(p, ec);
            // ELOOP and the like leave nothing to read through; any resolution must stay in.
            if (!ec)
                fuzz::require(
                    to == real_dest || inside(to, real_dest),
                    "symlink resolves outside the tree: " + f.path + " -> " + f.link_target);
        }
        fuzz::require((st.st_mode & (S_ISUID | S_ISGID)) == 0, "setuid/setgid bit: " + f.path);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const Sandbox& s = sandbox();
    const fs::path pkg = s.base / "in.nxp";
    const fs::path dest = s.base / "root" / "pkg";
    auto input = fuzz::as_text(data, size);
    static constexpr std::string_view kZstdMagic{"\x28\xb5\x2f\xfd", 4};
    {
        std::ofstream out(pkg, std::ios::binary | std::ios::trunc);
        if (input.starts_with(kZstdMagic))
            out << input;
        else
            out << repo::zstd_compress(input);
    }
    auto manifest = repo::read_package_manifest(pkg);
    fuzz::require_message(manifest, "read_package_manifest");

    repo::ExtractLimits limits;
    limits.max_entries = 2000;
    limits.max_total_bytes = 64ULL << 20;
    limits.ratio_floor_bytes = 1ULL << 20;
    auto x = repo::extract_package(pkg, dest, limits);
    fuzz::require_message(x, "extract_package");
    std::error_code ec;
    if (x) {
        fuzz::require(manifest.has_value(), "extracted a package whose manifest was refused");
        check_tree(*x, dest);
    } else {
        fuzz::require(!fs::exists(fs::symlink_status(dest, ec)), "a refused package left files");
    }
    check_nothing_outside(s.base, dest);
    fs::remove_all(dest, ec);

    auto findings = repo::lint(pkg);
    if (findings)
        for (const auto& f : *findings)
            fuzz::require(!f.message.empty(), "lint finding without a message");
    fs::remove(pkg, ec);
    return 0;
}
