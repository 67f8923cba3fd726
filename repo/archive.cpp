#include "repo/archive.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

#include "formats/catalog_shape.hpp"
#include "formats/json_util.hpp"
#include "os/beneath.hpp"
#include "repo/archive_util.hpp"

namespace nxp::repo {

namespace fs = std::filesystem;
using detail::Archive;
using detail::Entry;

namespace detail {

Result<Archive> open_package(const fs::path& file) {
    Archive a(Archive::Mode::Read);
    if (a.get() == nullptr) return fail(ErrorKind::Internal, file.string(), "out of memory");
    archive_read_support_filter_zstd(a.get());
    archive_read_support_format_tar(a.get());
    if (archive_read_open_filename(a.get(), file.c_str(), 64 * 1024) != ARCHIVE_OK) {
        std::error_code ec;
        const bool missing = !fs::exists(file, ec);
        return fail(missing ? ErrorKind::NotFound : ErrorKind::Invalid, file.string(),
                    missing ? "no such file" : "not a package: " + a.error());
    }
    return a;
}

Result<Archive> open_package(const fs::path& shown, void* client, archive_read_callback* read) {
    Archive a(Archive::Mode::Read);
    if (a.get() == nullptr) return fail(ErrorKind::Internal, shown.string(), "out of memory");
    archive_read_support_filter_zstd(a.get());
    archive_read_support_format_tar(a.get());
    if (archive_read_open(a.get(), client, nullptr, read, nullptr) != ARCHIVE_OK)
        return fail(ErrorKind::Invalid, shown.string(), "not a package: " + a.error());
    return a;
}

// Names end up in JSON (the database, --json output, NextChat's config): valid UTF-8 only.
bool valid_utf8(std::string_view s) {
    constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};  // overlong forms are refused
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        }
        if ((c & 0xE0) == 0xC0)
            n = 1, cp = c & 0x1F;
        else if ((c & 0xF0) == 0xE0)
            n = 2, cp = c & 0x0F;
        else if ((c & 0xF8) == 0xF0)
            n = 3, cp = c & 0x07;
        else
            return false;
        if (i + n >= s.size()) return false;
        for (std::size_t k = 1; k <= n; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += n + 1;
    }
    return true;
}

std::optional<std::string> split_safe(std::string_view path, std::vector<std::string>& out) {
    out.clear();
    if (!valid_utf8(path)) return "name is not valid UTF-8";
    if (auto c = control_character(path)) return "name holds a " + *c;
    if (path.size() > kMaxPathBytes) return "path longer than 4096 bytes";
    if (path.empty()) return "empty path";
    if (path.front() == '/') return "absolute path";
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    while (!path.empty()) {
        const std::size_t slash = path.find('/');
        const std::string_view c = path.substr(0, slash);
        if (c.empty()) return "empty path component";
        if (c == "." || c == "..") return "'" + std::string(c) + "' path component";
        if (c.size() > kMaxComponentBytes) return "path component longer than 255 bytes";
        out.emplace_back(c);
        if (out.size() > kMaxDepth) return "deeper than " + std::to_string(kMaxDepth) + " levels";
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return std::nullopt;
}

bool link_stays_inside(const std::vector<std::string>& link_path, std::string_view target) {
    if (target.empty() || target.front() == '/' || target.size() > kMaxPathBytes) return false;
    std::size_t depth = link_path.empty() ? 0 : link_path.size() - 1;  // the link's directory
    while (!target.empty()) {
        const std::size_t slash = target.find('/');
        const std::string_view c = target.substr(0, slash);
        if (c == "..") {
            if (depth == 0) return false;
            --depth;
        } else if (!c.empty() && c != ".") {
            ++depth;
        }
        if (slash == std::string_view::npos) break;
        target.remove_prefix(slash + 1);
    }
    return true;
}

}  // namespace detail

namespace {

Result<std::string> read_small_file(const fs::path& p, std::uint64_t cap) {
    std::error_code ec;
    const auto st = fs::symlink_status(p, ec);
    if (ec || !fs::exists(st)) return fail(ErrorKind::NotFound, p.string(), "no such file");
    if (!fs::is_regular_file(st)) return fail(ErrorKind::Invalid, p.string(), "not a regular file");
    if (fs::file_size(p, ec) > cap) {
        return fail(ErrorKind::Invalid, p.string(),
                    "larger than " + std::to_string(cap) + " bytes");
    }
    std::ifstream in(p, std::ios::binary);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in && !in.eof()) return fail(ErrorKind::Io, p.string(), "read error");
    return s;
}

struct TreeItem {
    std::string rel;  // relative to files/, '/'-separated
    char type = 'f';  // 'f', 'd' or 'l'
    std::uint32_t mode = 0644;
    std::string link_target;
};

// Walks files/ (never following a symlink) and checks what DESIGN.md §3 allows: names,
// entry types, setuid bits, and symlinks resolved against the tree as a whole. Problems are
// appended to `problems` ("where", "why"), the tree is returned sorted.
Result<std::vector<TreeItem>> walk_tree(
    const fs::path& root, std::vector<std::pair<std::string, std::string>>& problems) {
    std::vector<TreeItem> items;
    std::error_code ec;
    fs::recursive_directory_iterator it(root, fs::directory_options::none, ec), end;
    if (ec) return fail(ErrorKind::Io, root.string(), ec.message());
    std::vector<std::string> parts;
    std::vector<detail::TreeLink> links;
    for (; it != end; it.increment(ec)) {
        if (ec) return fail(ErrorKind::Io, root.string(), ec.message());
        TreeItem item;
        item.rel = it->path().lexically_relative(root).generic_string();
        const std::string shown = "files/" + detail::escaped(item.rel);
        if (auto why = detail::split_safe(item.rel, parts)) {
            problems.emplace_back(shown, *why);
            if (it->is_directory(ec) && !it->is_symlink(ec)) it.disable_recursion_pending();
            continue;
        }
        const auto st = it->symlink_status(ec);
        if (fs::is_directory(st)) {
            item.type = 'd';
            item.mode = 0755;
        } else if (fs::is_regular_file(st)) {
            const auto perms = static_cast<std::uint32_t>(st.permissions());
            if ((perms & (S_ISUID | S_ISGID)) != 0)
                problems.emplace_back(shown, "setuid/setgid files are not allowed");
            item.mode = detail::normal_mode(perms);
        } else if (fs::is_symlink(st)) {
            item.type = 'l';
            item.mode = 0777;
            item.link_target = fs::read_symlink(it->path(), ec).string();
            if (ec) return fail(ErrorKind::Io, it->path().string(), ec.message());
            if (auto c = detail::control_character(item.link_target)) {
                problems.emplace_back(
                    shown,
                    "symlink target \"" + detail::escaped(item.link_target) + "\" holds a " + *c);
            } else if (!detail::link_stays_inside(parts, item.link_target)) {
                problems.emplace_back(
                    shown, "symlink to \"" + item.link_target + "\" leaves the plugin tree");
            } else {
                links.push_back({item.rel, item.link_target});
            }
        } else {
            problems.emplace_back(shown,
                                  "only regular files, directories and symlinks can be packed");
            continue;
        }
        items.push_back(std::move(item));
    }
    if (auto why = detail::check_tree_links(links)) problems.emplace_back("files/", *why);
    std::sort(items.begin(), items.end(),
              [](const TreeItem& a, const TreeItem& b) { return a.rel < b.rel; });
    return items;
}

class Packer {
  public:
    explicit Packer(std::string& out) : a_(Archive::Mode::Write), out_(out) {}

    Result<void> open() {
        archive* a = a_.get();
        // hdrcharset=BINARY: names (checked valid UTF-8) are stored as they are, whatever
        // the locale; without it libarchive refuses non-ASCII names in the "C" locale.
        if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
            archive_write_set_format_option(a, "pax", "hdrcharset", "BINARY") != ARCHIVE_OK ||
            archive_write_add_filter_zstd(a) != ARCHIVE_OK ||
            // No zero padding after the compressed stream: it would not be valid zstd.
            archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
            archive_write_open(a, this, nullptr, &Packer::on_write, nullptr) != ARCHIVE_OK) {
            return fail(ErrorKind::Internal, "pack", a_.error());
        }
        return {};
    }

    // Writes one entry; a regular file's bytes are `*data`, or read from `fd`.
    Result<void> add(const std::string& name, char type, std::uint32_t mode, std::uint64_t size,
                     int fd = -1, const std::string& link_target = {},
                     const std::string* data = nullptr) {
        Entry e;
        archive_entry_set_pathname(e.get(), name.c_str());
        archive_entry_set_filetype(e.get(), type == 'd'   ? AE_IFDIR
                                            : type == 'l' ? AE_IFLNK
                                                          : AE_IFREG);
        archive_entry_set_perm(e.get(), type == 'l' ? 0777 : mode);
        archive_entry_set_size(e.get(), type == 'f' ? static_cast<la_int64_t>(size) : 0);
        archive_entry_set_mtime(e.get(), 0, 0);
        archive_entry_set_uid(e.get(), 0);
        archive_entry_set_gid(e.get(), 0);
        if (type == 'l') archive_entry_set_symlink(e.get(), link_target.c_str());
        if (archive_write_header(a_.get(), e.get()) != ARCHIVE_OK) {
            return fail(ErrorKind::Invalid, name, a_.error());
        }
        if (type != 'f') return {};
        if (data != nullptr) return write_data(name, data->data(), data->size());
        std::vector<char> buf(64 * 1024);
        std::uint64_t total = 0;
        for (;;) {
            const ssize_t n = ::read(fd, buf.data(), buf.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return fail(ErrorKind::Io, name, std::strerror(errno));
            if (n == 0) break;
            total += static_cast<std::uint64_t>(n);
            if (total > size) break;
            if (auto r = write_data(name, buf.data(), static_cast<std::size_t>(n)); !r) return r;
        }
        if (total != size) return fail(ErrorKind::Io, name, "file changed while being packed");
        return {};
    }

    Result<void> close() {
        if (archive_write_close(a_.get()) != ARCHIVE_OK) {
            return fail(ErrorKind::Internal, "pack", a_.error());
        }
        return {};
    }

  private:
    Result<void> write_data(const std::string& name, const char* p, std::size_t n) {
        if (archive_write_data(a_.get(), p, n) != static_cast<la_ssize_t>(n)) {
            return fail(ErrorKind::Io, name, a_.error());
        }
        return {};
    }
    static la_ssize_t on_write(archive*, void* self, const void* buf, size_t n) {
        static_cast<Packer*>(self)->out_.append(static_cast<const char*>(buf), n);
        return static_cast<la_ssize_t>(n);
    }
    Archive a_;
    std::string& out_;
};

// Whether `rel` names a regular file beneath the tree (not a symlink, not through a link
// that leaves it).
bool regular_beneath(const Result<os::Fd>& dir, const std::string& rel) {
    if (!dir) return false;
    auto fd = os::open_beneath(dir->get(), rel, O_PATH | O_NOFOLLOW, rel);
    struct stat st {};
    return fd && ::fstat(fd->get(), &st) == 0 && S_ISREG(st.st_mode);
}

// One of a mask or prompts plugin's files, read beneath `files` and parsed: nullopt (with a
// finding when it cannot be read or parsed) or the JSON.
std::optional<nlohmann::ordered_json> read_catalog_file(const Result<os::Fd>& files,
                                                        const std::string& rel, bool& present,
                                                        std::vector<LintFinding>& out) {
    present = false;
    const std::string shown = "files/" + rel;
    if (!files) return std::nullopt;
    auto text = os::read_beneath(files->get(), rel, 16ULL << 20, shown);
    if (!text) {
        present = true;
        out.push_back({true, shown, text.error().message});
        return std::nullopt;
    }
    if (!*text) return std::nullopt;
    present = true;
    auto json = formats::parse_ordered_json(**text, shown);
    if (!json) {
        out.push_back({true, shown, json.error().message});
        return std::nullopt;
    }
    return std::move(*json);
}

// What NextChat reads from a mask (files/masks.json in NextChat's shape, else files/mask.json:
// one mask or an array of them) or prompts plugin (files/prompts.json): every finding, each
// at its JSON path, the same checks an install makes (nextchat/catalog.cpp) and more.
void lint_catalog(formats::Kind kind, const Result<os::Fd>& files, std::vector<LintFinding>& out) {
    std::vector<formats::ShapeFinding> found;
    bool present = false;
    if (kind == formats::Kind::Prompts) {
        auto p = read_catalog_file(files, "prompts.json", present, out);
        if (!present)
            out.push_back({true, "files/prompts.json", "missing: a prompts plugin needs one"});
        if (p)
            formats::check_lists_shape(*p, "files/prompts.json", formats::CatalogKind::Prompts,
                                       found);
    } else {
        auto many = read_catalog_file(files, "masks.json", present, out);
        if (present) {
            if (many)
                formats::check_lists_shape(*many, "files/masks.json", formats::CatalogKind::Masks,
                                           found);
        } else {
            auto one = read_catalog_file(files, "mask.json", present, out);
            if (!present)
                out.push_back({true, "files/mask.json",
                               "missing: a mask plugin needs a mask.json or masks.json"});
            if (one && one->is_array()) {
                if (one->empty())
                    found.push_back({false, "files/mask.json", "an empty array: no masks"});
                for (std::size_t i = 0; i < one->size(); ++i)
                    formats::check_mask_shape((*one)[i],
                                              "files/mask.json[" + std::to_string(i) + "]", found);
            } else if (one) {
                formats::check_mask_shape(*one, "files/mask.json", found);
            }
        }
    }
    for (auto& f : found) out.push_back({f.error, std::move(f.where), std::move(f.message)});
}

// The checks of `lint` on a manifest text and a plugin tree (which may not exist). `content`
// adds the checks of masks' and prompt packs' files, which `nxp lint` makes and pack does not
// (an install refuses what NextChat could not read; a publisher may package it).
std::vector<LintFinding> lint_tree(const std::string& manifest_text, const fs::path& files,
                                   bool content = false) {
    std::vector<LintFinding> out;
    auto m = formats::parse_manifest(manifest_text);
    if (!m) {
        out.push_back({true, "plugin.json: " + m.error().context, m.error().message});
        if (out.back().where.back() == ' ') out.back().where = "plugin.json";
        return out;
    }
    if (m->summary.empty()) out.push_back({false, "plugin.json: summary", "no summary"});
    if (m->license.empty()) out.push_back({false, "plugin.json: license", "no license"});
    if (m->kind == formats::Kind::McpServer && m->permissions.empty()) {
        out.push_back({false, "plugin.json: permissions",
                       "an mcp-server that declares no permissions runs with no network access"});
    }
    const std::pair<const char*, const std::string*> hooks[] = {
        {"post-install", &m->hooks.post_install},
        {"pre-remove", &m->hooks.pre_remove},
        {"post-upgrade", &m->hooks.post_upgrade}};
    auto files_fd = os::open_directory(files);
    for (const auto& [name, path] : hooks) {
        if (path->empty()) continue;
        if (!regular_beneath(files_fd, *path)) {
            out.push_back({true, std::string("plugin.json: hooks.") + name,
                           "\"" + *path + "\" is not a file in the plugin tree (files/)"});
        }
    }
    if (content && (m->kind == formats::Kind::Mask || m->kind == formats::Kind::Prompts))
        lint_catalog(m->kind, files_fd, out);
    // A runtime plugin (issue 19): its node is files/bin/node, run at install (runtime/runtimes).
    if (m->kind == formats::Kind::Runtime) {
        if (!regular_beneath(files_fd, "bin/node")) {
            out.push_back({true, "files/bin/node",
                           "a runtime plugin holds its node as the regular file files/bin/node"});
        } else {
            std::ifstream in(files / "bin" / "node", std::ios::binary);
            char magic[4] = {};
            if (!in.read(magic, 4) || std::string_view(magic, 4) !=
                                          "\x7f"
                                          "ELF")
                out.push_back({false, "files/bin/node",
                               "not an ELF executable: the install check runs it and refuses "
                               "anything but a node binary for the host's architecture"});
        }
    }
    if (m->mcp) {
        for (const auto& arg : m->mcp->args) {
            const std::string prefix = "${plugin_dir}/";
            if (arg.rfind(prefix, 0) != 0) continue;
            std::error_code ec;
            if (!fs::exists(fs::symlink_status(files / arg.substr(prefix.size()), ec))) {
                out.push_back({false, "plugin.json: mcp.args",
                               "\"" + arg + "\" names a file missing from files/"});
            }
        }
    }
    return out;
}

fs::path unique_temp_dir(const std::string& stem) {
    std::random_device rd;
    return fs::temp_directory_path() / (stem + "-" + std::to_string(rd()) + std::to_string(rd()));
}

}  // namespace

Result<std::string> pack_directory(const fs::path& dir) {
    auto manifest = read_small_file(dir / "plugin.json", detail::kMaxManifestBytes);
    if (!manifest) return tl::unexpected(manifest.error());
    const fs::path files = dir / "files";
    for (const auto& f : lint_tree(*manifest, files)) {
        if (f.error) return fail(ErrorKind::Invalid, (dir / f.where).string(), f.message);
    }
    std::error_code ec;
    const auto files_st = fs::symlink_status(files, ec);
    const bool has_files = fs::exists(files_st);
    if (has_files && !fs::is_directory(files_st)) {
        return fail(ErrorKind::Invalid, files.string(), "must be a directory");
    }
    std::vector<TreeItem> tree;
    os::Fd files_fd;
    if (has_files) {
        std::vector<std::pair<std::string, std::string>> problems;
        auto t = walk_tree(files, problems);
        if (!t) return tl::unexpected(t.error());
        if (!problems.empty())
            return fail(ErrorKind::Invalid, (dir / problems.front().first).string(),
                        problems.front().second);
        tree = std::move(*t);
        auto d = os::open_directory(files);
        if (!d) return tl::unexpected(d.error());
        files_fd = std::move(*d);
    }
    std::string out;
    Packer p(out);
    if (auto r = p.open(); !r) return tl::unexpected(r.error());
    if (auto r = p.add("plugin.json", 'f', 0644, manifest->size(), -1, {}, &*manifest); !r) {
        return tl::unexpected(r.error());
    }
    if (has_files) {
        if (auto r = p.add("files/", 'd', 0755, 0); !r) return tl::unexpected(r.error());
    }
    for (const auto& item : tree) {
        const std::string name = "files/" + item.rel;
        Result<void> r;
        if (item.type == 'd') {
            r = p.add(name + "/", 'd', 0755, 0);
        } else if (item.type == 'l') {
            r = p.add(name, 'l', 0777, 0, -1, item.link_target);
        } else {
            // Read beneath files/ and not through a symlink: what was walked is what is packed.
            auto fd = os::open_beneath(files_fd.get(), item.rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK,
                                       (files / item.rel).string());
            if (!fd) return tl::unexpected(fd.error());
            struct stat st {};
            if (::fstat(fd->get(), &st) != 0 || !S_ISREG(st.st_mode))
                return fail(ErrorKind::Io, (files / item.rel).string(),
                            "changed while being packed");
            r = p.add(name, 'f', item.mode, static_cast<std::uint64_t>(st.st_size), fd->get());
        }
        if (!r) return tl::unexpected(r.error());
    }
    if (auto r = p.close(); !r) return tl::unexpected(r.error());
    return out;
}

Result<formats::Manifest> read_package_manifest(const fs::path& archive_path) {
    const std::string ctx = archive_path.string();
    auto a = detail::open_package(archive_path);
    if (!a) return tl::unexpected(a.error());
    archive_entry* e = nullptr;
    if (archive_read_next_header(a->get(), &e) != ARCHIVE_OK) {
        return fail(ErrorKind::Invalid, ctx, "not a package: " + a->error());
    }
    const char* name = archive_entry_pathname(e);
    if (name == nullptr || std::string_view(name) != "plugin.json" ||
        archive_entry_filetype(e) != AE_IFREG) {
        return fail(ErrorKind::Verification, ctx + ": " + (name != nullptr ? name : "?"),
                    "the first entry must be plugin.json");
    }
    const la_int64_t size = archive_entry_size(e);
    if (size < 0 || static_cast<std::uint64_t>(size) > detail::kMaxManifestBytes) {
        return fail(ErrorKind::Verification, ctx + ": plugin.json", "larger than 1 MiB");
    }
    std::string text(static_cast<std::size_t>(size), '\0');
    if (archive_read_data(a->get(), text.data(), text.size()) != size) {
        return fail(ErrorKind::Invalid, ctx + ": plugin.json", "truncated: " + a->error());
    }
    auto m = formats::parse_manifest(text);
    if (!m) return tl::unexpected(in_context(m.error(), ctx + ": plugin.json"));
    return m;
}

Result<std::vector<LintFinding>> lint(const fs::path& dir_or_archive) {
    std::error_code ec;
    if (fs::is_directory(dir_or_archive, ec)) {
        auto manifest = read_small_file(dir_or_archive / "plugin.json", detail::kMaxManifestBytes);
        if (!manifest) return tl::unexpected(manifest.error());
        const fs::path files = dir_or_archive / "files";
        auto findings = lint_tree(*manifest, files, true);
        if (fs::is_directory(fs::symlink_status(files, ec))) {
            std::vector<std::pair<std::string, std::string>> problems;
            auto tree = walk_tree(files, problems);
            if (!tree) return tl::unexpected(tree.error());
            for (auto& [where, why] : problems) findings.push_back({true, where, why});
        }
        return findings;
    }
    if (!fs::exists(dir_or_archive, ec)) {
        return fail(ErrorKind::NotFound, dir_or_archive.string(), "no such file or directory");
    }
    const fs::path tmp = unique_temp_dir("nxp-lint");
    auto ex = extract_package(dir_or_archive, tmp);
    if (!ex) {
        return std::vector<LintFinding>{{true, ex.error().context, ex.error().message}};
    }
    auto findings = lint_tree(ex->manifest_text, tmp, true);
    fs::remove_all(tmp, ec);
    return findings;
}

}  // namespace nxp::repo
