#include "repo/publish.hpp"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <random>
#include <sstream>

#include "repo/archive.hpp"
#include "repo/html.hpp"
#include "repo/repository.hpp"

namespace nxp::repo {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kMaxIndexJsonBytes = 512ULL << 20;

Result<std::string> read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return fail(ErrorKind::NotFound, p.string(), "cannot open");
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return fail(ErrorKind::Io, p.string(), "read error");
    return ss.str();
}

// Writes `data` to `p` through a temporary file and rename(2): readers never see half a file.
Result<void> write_atomic(const fs::path& p, std::string_view data) {
    fs::path tmp = p;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(data.data(), static_cast<std::streamsize>(data.size()));
        out.flush();
        if (!out) return fail(ErrorKind::Io, tmp.string(), "write failed");
    }
    std::error_code ec;
    fs::rename(tmp, p, ec);
    if (ec) {
        fs::remove(tmp, ec);
        return fail(ErrorKind::Io, p.string(), "rename failed: " + ec.message());
    }
    return {};
}

Result<formats::Index> read_existing(const fs::path& repo_dir) {
    const fs::path p = repo_dir / "index.json.zst";
    std::error_code ec;
    if (!fs::exists(p, ec)) return formats::Index{};
    auto raw = read_file(p);
    if (!raw) return tl::unexpected(raw.error());
    auto json = zstd_decompress(*raw, kMaxIndexJsonBytes, p.string());
    if (!json) return tl::unexpected(json.error());
    auto idx = formats::parse_index(*json);
    if (!idx) return tl::unexpected(in_context(idx.error(), p.string()));
    return idx;
}

// Validates one package fully (by extracting it) and describes it as an index entry.
Result<formats::IndexEntry> describe_package(const fs::path& pkg, const std::string& bytes) {
    std::random_device rd;
    const fs::path tmp =
        fs::temp_directory_path() / ("nxp-build-" + std::to_string(rd()) + std::to_string(rd()));
    auto ex = extract_package(pkg, tmp);
    std::error_code ec;
    fs::remove_all(tmp, ec);
    if (!ex) return tl::unexpected(ex.error());
    formats::IndexEntry e = formats::entry_from_manifest(ex->manifest);
    e.path = "packages/" + ex->manifest.name + "-" + ex->manifest.version.str() + ".nxp";
    e.size = bytes.size();
    e.sha256 = sha256_hex(bytes);
    e.installed_size = ex->installed_size;
    return e;
}

// Adds one package to `index` (and its bytes under packages/), enforcing immutability.
Result<void> add_package(formats::Index& index, const fs::path& repo_dir, const fs::path& pkg) {
    auto bytes = read_file(pkg);
    if (!bytes) return tl::unexpected(bytes.error());
    auto entry = describe_package(pkg, *bytes);
    if (!entry) return tl::unexpected(entry.error());
    auto same = std::find_if(index.packages.begin(), index.packages.end(), [&](const auto& p) {
        return p.name == entry->name && p.version == entry->version;
    });
    if (same != index.packages.end()) {
        if (same->sha256 == entry->sha256) return {};  // already published, identical bytes
        return fail(ErrorKind::Invalid, pkg.string(),
                    entry->name + " " + entry->version.str() +
                        " is already published with other contents (sha256 " + same->sha256 +
                        "); published versions are immutable: bump the version");
    }
    if (auto r = write_atomic(repo_dir / entry->path, *bytes); !r) return r;
    index.packages.push_back(std::move(*entry));
    return {};
}

}  // namespace

Result<formats::Index> build_repository(const BuildOptions& opts, const SecretKey& key) {
    const fs::path& dir = opts.repo_dir;
    std::error_code ec;
    fs::create_directories(dir / "packages", ec);
    if (ec) return fail(ErrorKind::Io, (dir / "packages").string(), ec.message());
    auto existing = read_existing(dir);
    if (!existing) return tl::unexpected(existing.error());
    formats::Index index = std::move(*existing);
    const bool fresh = index.repo.empty();
    if (fresh && opts.repo_id.empty()) {
        return fail(ErrorKind::Usage, dir.string(), "a new repository needs an id (--id)");
    }
    if (!fresh && !opts.repo_id.empty() && opts.repo_id != index.repo) {
        return fail(ErrorKind::Usage, dir.string(),
                    "this repository's id is \"" + index.repo + "\", not \"" + opts.repo_id + "\"");
    }
    if (fresh) index.repo = opts.repo_id;
    if (opts.expires_days <= 0) {
        return fail(ErrorKind::Usage, dir.string(), "expiry must be at least one day");
    }
    for (const auto& pkg : opts.packages) {
        if (auto r = add_package(index, dir, pkg); !r) return tl::unexpected(r.error());
    }
    const std::int64_t now =
        opts.now != 0 ? opts.now : static_cast<std::int64_t>(std::time(nullptr));
    std::sort(index.packages.begin(), index.packages.end(), [](const auto& a, const auto& b) {
        return a.name != b.name ? a.name < b.name : a.version < b.version;
    });
    index.format = 1;
    index.version += 1;
    index.generated = now;
    index.expires = now + opts.expires_days * 86400;

    const std::string zst = zstd_compress(formats::write_index(index));
    const std::string comment = "timestamp:" + std::to_string(now) +
                                "\tfile:index.json.zst\trepo:" + index.repo +
                                "\tversion:" + std::to_string(index.version);
    const std::string sig = sign(key, zst, comment, "signature from nxp secret key");
    if (auto r = write_atomic(dir / "index.json.zst", zst); !r) return tl::unexpected(r.error());
    if (auto r = write_atomic(dir / "index.json.zst.minisig", sig); !r) {
        return tl::unexpected(r.error());
    }
    if (auto r = write_atomic(dir / "index.html", render_index_html(index)); !r) {
        return tl::unexpected(r.error());
    }
    return index;
}

}  // namespace nxp::repo
