#include "repo/publish.hpp"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <optional>
#include <random>
#include <set>
#include <sstream>

#include "formats/text_util.hpp"
#include "os/file.hpp"
#include "repo/archive.hpp"
#include "repo/html.hpp"
#include "repo/mcp_registry.hpp"
#include "repo/repository.hpp"
#include "repo/trust.hpp"

namespace nxp::repo {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kMaxIndexJsonBytes = 512ULL << 20;

// A package may be as large as an extracted tree may be (repo::ExtractLimits' default).
constexpr std::uint64_t kMaxPackageBytes = 4ULL << 30;

Result<std::string> read_file(const fs::path& p) { return os::read_file(p, kMaxPackageBytes); }

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

// Validates one package fully (by extracting it) and describes it as an index entry;
// `declared` receives the tools its plugin.json declares.
Result<formats::IndexEntry> describe_package(
    const fs::path& pkg, const std::string& bytes,
    std::optional<std::vector<formats::DeclaredTool>>& declared) {
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
    declared = std::move(ex->manifest.tools);
    return e;
}

bool names_only(const std::vector<formats::ToolDef>& tools) {
    return std::all_of(tools.begin(), tools.end(),
                       [](const formats::ToolDef& t) { return t.canonical.empty(); });
}

// The pins of a package's entry: the definitions --pin-tools read from its server (`pins`),
// which must name exactly the tools its plugin.json declares, if it declares any; else the
// declared names alone (a pin that knows only the name: formats/mcp_tools.hpp); else none.
Result<std::optional<std::vector<formats::ToolDef>>> entry_pins(
    const fs::path& pkg, const formats::IndexEntry& e, const std::vector<formats::ToolDef>* pins,
    const std::optional<std::vector<formats::DeclaredTool>>& declared) {
    using Pins = std::optional<std::vector<formats::ToolDef>>;
    if (!declared) return pins ? Pins(*pins) : Pins();
    if (!pins) {
        std::vector<formats::ToolDef> out;
        for (const auto& t : *declared) out.push_back({t.name, ""});
        return Pins(std::move(out));
    }
    std::set<std::string> want, got;
    for (const auto& t : *declared) want.insert(t.name);
    for (const auto& t : *pins) got.insert(t.name);
    std::string why;
    for (const auto& n : got)
        if (!want.count(n))
            why += (why.empty() ? "" : "; ") + std::string("offers tool ") +
                   formats::detail::quote(n) + ", which plugin.json does not declare";
    for (const auto& n : want)
        if (!got.count(n))
            why += (why.empty() ? "" : "; ") + std::string("lacks tool ") +
                   formats::detail::quote(n) + ", which plugin.json declares";
    if (!why.empty())
        return fail(ErrorKind::Verification, pkg.string(),
                    "plugin " + e.name + " " + e.version.str() +
                        ": the server's tools (--pin-tools) differ from its plugin.json "
                        "\"tools\": " +
                        why + "; nothing was written");
    return Pins(*pins);
}

// Adds one package to `index` (and its bytes under packages/), enforcing immutability;
// `pins`, when given, are recorded as its pinned tools.
Result<void> add_package(formats::Index& index, const fs::path& repo_dir, const fs::path& pkg,
                         const std::vector<formats::ToolDef>* pins) {
    auto bytes = read_file(pkg);
    if (!bytes) return tl::unexpected(bytes.error());
    std::optional<std::vector<formats::DeclaredTool>> declared;
    auto entry = describe_package(pkg, *bytes, declared);
    if (!entry) return tl::unexpected(entry.error());
    auto pinned = entry_pins(pkg, *entry, pins, declared);
    if (!pinned) return tl::unexpected(pinned.error());
    entry->tools = *pinned;
    auto same = std::find_if(index.packages.begin(), index.packages.end(), [&](const auto& p) {
        return p.name == entry->name && p.version == entry->version;
    });
    if (same != index.packages.end()) {
        if (same->sha256 != entry->sha256)
            return fail(ErrorKind::Invalid, pkg.string(),
                        entry->name + " " + entry->version.str() +
                            " is already published with other contents (sha256 " + same->sha256 +
                            "); published versions are immutable: bump the version");
        // Already published, identical bytes: pins may be added to it, not changed. The
        // definitions of tools pinned by name alone may be added (--pin-tools on a package
        // whose declared tools were pinned), never taken away.
        if (!entry->tools) return {};
        if (same->tools) {
            if (!formats::diff_tools(*same->tools, *entry->tools).empty())
                return fail(ErrorKind::Invalid, pkg.string(),
                            entry->name + " " + entry->version.str() +
                                " is already published with other pinned tools; its server now "
                                "answers differently (published versions are immutable: bump "
                                "the version)");
            if (names_only(*same->tools) && !names_only(*entry->tools)) same->tools = entry->tools;
            return {};
        }
        same->tools = entry->tools;
        return {};
    }
    if (auto r = os::write_file_atomic(repo_dir / entry->path, *bytes); !r) return r;
    index.packages.push_back(std::move(*entry));
    return {};
}

Result<void> distinct_keys(const std::vector<SecretKey>& keys, const std::string& where) {
    for (std::size_t i = 0; i < keys.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (keys[i].key_id == keys[j].key_id)
                return fail(ErrorKind::Usage, where,
                            "key " + formats::key_id_hex(keys[i].key_id) + " is given twice");
    return {};
}

// FILE.minisig, FILE.minisig.2, … one per key, and no stale extra ones from before.
Result<void> write_signatures(const fs::path& file, std::string_view data,
                              const std::string& comment, const std::vector<SecretKey>& keys) {
    const std::string name = file.string();
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const std::string sig = sign(keys[i], data, comment, "signature from nxp secret key");
        if (auto r = os::write_file_atomic(signature_name(name, i), sig); !r) return r;
    }
    std::error_code ec;
    for (std::size_t i = keys.size(); i < kMaxSignatures; ++i)
        fs::remove(signature_name(name, i), ec);
    return {};
}

// index.html and plugins/NAME.html (repo/html.hpp), with the signing keys in the
// `nxp repo add` line.
Result<void> write_catalogue(const fs::path& dir, const formats::Index& index,
                             const BuildOptions& opts, const std::vector<SecretKey>& keys,
                             std::vector<std::string>* written) {
    CatalogueOptions co;
    co.url = opts.public_url;
    for (const auto& k : keys) co.keys.push_back(formats::public_key_base64(public_key_of(k)));
    std::error_code ec;
    fs::create_directories(dir / "plugins", ec);
    if (ec) return fail(ErrorKind::Io, (dir / "plugins").string(), ec.message());
    for (const auto& f : render_catalogue(index, co)) {
        if (auto r = os::write_file_atomic(dir / f.path, f.content); !r) return r;
        if (written) written->push_back(f.path);
    }
    return {};
}

// The last version of the chain in REPO/keys/ (0 when there is none).
std::uint64_t last_key_version(const fs::path& dir) {
    std::uint64_t n = 0;
    std::error_code ec;
    while (fs::exists(dir / "keys" / (std::to_string(n + 1) + ".json"), ec)) ++n;
    return n;
}

}  // namespace

Result<formats::KeySet> rotate_keys(const fs::path& dir, const std::vector<SecretKey>& old_keys,
                                    const std::vector<SecretKey>& new_keys, std::uint32_t threshold,
                                    std::int64_t now) {
    const std::string where = dir.string();
    if (old_keys.empty())
        return fail(ErrorKind::Usage, where, "the current key(s) must sign (--key)");
    if (new_keys.empty()) return fail(ErrorKind::Usage, where, "no new key given (--new-key)");
    if (auto r = distinct_keys(old_keys, where); !r) return tl::unexpected(r.error());
    if (auto r = distinct_keys(new_keys, where); !r) return tl::unexpected(r.error());
    if (threshold < 1 || threshold > new_keys.size())
        return fail(ErrorKind::Usage, where,
                    "the threshold must be between 1 and the number of new keys (" +
                        std::to_string(new_keys.size()) + ")");
    auto index = read_existing(dir);
    if (!index) return tl::unexpected(index.error());
    if (index->repo.empty())
        return fail(ErrorKind::Usage, where, "no index.json.zst: build the repository first");
    const std::uint64_t last = last_key_version(dir);
    formats::KeySet set;
    set.repo = index->repo;
    set.version = last + 1;
    set.threshold = threshold;
    for (const auto& k : new_keys) set.keys.push_back(public_key_of(k));
    const std::string text = formats::write_keyset(set);
    std::vector<SecretKey> signers = old_keys;
    for (const auto& k : new_keys)
        if (std::none_of(signers.begin(), signers.end(),
                         [&](const auto& s) { return s.key_id == k.key_id; }))
            signers.push_back(k);
    const fs::path file = dir / "keys" / (std::to_string(set.version) + ".json");
    if (last > 0) {
        // Check here what every client will check: the link must verify against keys/N.json.
        const fs::path prev_file = dir / "keys" / (std::to_string(last) + ".json");
        auto prev_text = read_file(prev_file);
        if (!prev_text) return tl::unexpected(prev_text.error());
        auto prev = formats::parse_keyset(*prev_text);
        if (!prev) return tl::unexpected(in_context(prev.error(), prev_file.string()));
        std::vector<std::string> sigs;
        for (const auto& k : signers) sigs.push_back(sign(k, text, "check"));
        auto ok = verify_threshold(prev->keys, prev->threshold, text, sigs, file.string());
        if (!ok)
            return fail(ErrorKind::Usage, file.string(),
                        "the --key keys are not enough of " + prev_file.string() +
                            " (its threshold is " + std::to_string(prev->threshold) + ")");
    }
    std::error_code ec;
    fs::create_directories(dir / "keys", ec);
    if (ec) return fail(ErrorKind::Io, (dir / "keys").string(), ec.message());
    const std::int64_t t = now != 0 ? now : static_cast<std::int64_t>(std::time(nullptr));
    const std::string comment = "timestamp:" + std::to_string(t) + "\tfile:keys/" +
                                std::to_string(set.version) + ".json\trepo:" + set.repo +
                                "\tversion:" + std::to_string(set.version);
    // Signatures first: a client never sees the key file without them.
    if (auto r = write_signatures(file, text, comment, signers); !r)
        return tl::unexpected(r.error());
    if (auto r = os::write_file_atomic(file, text); !r) return tl::unexpected(r.error());
    return set;
}

Result<formats::Index> build_repository(const BuildOptions& opts,
                                        const std::vector<SecretKey>& keys,
                                        std::vector<std::string>* written) {
    const fs::path& dir = opts.repo_dir;
    if (keys.empty()) return fail(ErrorKind::Usage, dir.string(), "no signing key given");
    if (auto r = distinct_keys(keys, dir.string()); !r) return tl::unexpected(r.error());
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
    // A namespace the registry tree cannot use is refused before anything is written.
    if (opts.mcp_registry)
        if (auto ns = mcp_registry_namespace(index, opts.mcp_namespace); !ns)
            return tl::unexpected(ns.error());
    if (opts.expires_days <= 0) {
        return fail(ErrorKind::Usage, dir.string(), "expiry must be at least one day");
    }
    for (const auto& pkg : opts.packages) {
        auto pins = opts.tool_pins.find(pkg);
        if (auto r = add_package(index, dir, pkg,
                                 pins == opts.tool_pins.end() ? nullptr : &pins->second);
            !r)
            return tl::unexpected(r.error());
    }
    for (const auto& spec : opts.revoke) {
        auto at = spec.find('@');
        if (at == std::string::npos) {
            const bool hex = spec.size() == 64 &&
                             spec.find_first_not_of("0123456789abcdef") == std::string::npos;
            if (!hex)
                return fail(
                    ErrorKind::Usage, "--revoke " + spec,
                    "expected a package's sha256 (64 lowercase hex digits) or NAME@VERSION");
            index.revoked.push_back(spec);
            continue;
        }
        const std::string name = spec.substr(0, at), version = spec.substr(at + 1);
        auto it = std::find_if(index.packages.begin(), index.packages.end(), [&](const auto& e) {
            return e.name == name && e.version.str() == version;
        });
        if (it == index.packages.end())
            return fail(ErrorKind::Usage, "--revoke " + spec,
                        "no package " + name + " " + version + " in " + dir.string());
        index.revoked.push_back(it->sha256);
    }
    for (const auto& spec : opts.advisories) {
        std::vector<std::string> f;
        std::size_t start = 0;
        for (int i = 0; i < 4; ++i) {
            auto semi = spec.find(';', start);
            if (semi == std::string::npos) break;
            f.push_back(spec.substr(start, semi - start));
            start = semi + 1;
        }
        if (f.size() != 4)
            return fail(ErrorKind::Usage, "--advisory " + spec,
                        "expected ID;PACKAGE;VERSIONS;SEVERITY;SUMMARY");
        formats::Advisory a{f[0], f[1], f[2], f[3], spec.substr(start)};
        if (a.id.empty() || a.package.empty() || a.summary.empty())
            return fail(ErrorKind::Usage, "--advisory " + spec,
                        "the id, package and summary must not be empty");
        if (auto c = formats::parse_constraint(a.versions); !c || a.versions.empty())
            return fail(ErrorKind::Usage, "--advisory " + spec,
                        "versions: " + (c ? std::string("must not be empty") : c.error().message));
        if (a.severity != "low" && a.severity != "medium" && a.severity != "high" &&
            a.severity != "critical")
            return fail(ErrorKind::Usage, "--advisory " + spec,
                        "severity must be one of low, medium, high, critical");
        std::erase_if(index.advisories, [&](const auto& old) { return old.id == a.id; });
        index.advisories.push_back(std::move(a));
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
    if (auto r = os::write_file_atomic(dir / "index.json.zst", zst); !r)
        return tl::unexpected(r.error());
    if (auto r = write_signatures(dir / "index.json.zst", zst, comment, keys); !r)
        return tl::unexpected(r.error());
    if (written) *written = {"index.json.zst"};
    for (std::size_t i = 0; i < keys.size(); ++i)
        if (written) written->push_back(signature_name("index.json.zst", i));
    if (auto r = write_catalogue(dir, index, opts, keys, written); !r)
        return tl::unexpected(r.error());
    if (opts.mcp_registry) {
        McpRegistryOptions m{opts.mcp_namespace, opts.public_url};
        auto files = write_mcp_registry(dir, index, m);
        if (!files) return tl::unexpected(files.error());
        if (written) written->insert(written->end(), files->begin(), files->end());
    }
    return index;
}

}  // namespace nxp::repo
