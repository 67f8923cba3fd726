#pragma once
// Internal to repo/: RAII owners for libarchive handles and the path rules shared by
// packing and extracting (DESIGN.md §3).
#include <archive.h>
#include <archive_entry.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "formats/error.hpp"

namespace nxp::repo::detail {

constexpr std::uint64_t kMaxManifestBytes = 1 << 20;
constexpr std::size_t kMaxPathBytes = 4096;
constexpr std::size_t kMaxComponentBytes = 255;
// Deeper trees are refused: nothing real needs them, and they cost file descriptors and
// stack in every tool that walks the tree.
constexpr std::size_t kMaxDepth = 64;

// Owns an `archive*` opened for reading or writing.
class Archive {
  public:
    enum class Mode { Read, Write };
    explicit Archive(Mode m)
        : mode_(m), a_(m == Mode::Read ? archive_read_new() : archive_write_new()) {}
    ~Archive() { reset(); }
    Archive(Archive&& o) noexcept : mode_(o.mode_), a_(std::exchange(o.a_, nullptr)) {}
    Archive& operator=(Archive&& o) noexcept {
        if (this != &o) {
            reset();
            mode_ = o.mode_;
            a_ = std::exchange(o.a_, nullptr);
        }
        return *this;
    }
    Archive(const Archive&) = delete;
    Archive& operator=(const Archive&) = delete;
    archive* get() const { return a_; }
    std::string error() const {
        const char* s = a_ != nullptr ? archive_error_string(a_) : nullptr;
        return s != nullptr ? s : "unknown libarchive error";
    }

  private:
    void reset() {
        if (a_ == nullptr) return;
        if (mode_ == Mode::Read) {
            archive_read_free(a_);
        } else {
            archive_write_free(a_);
        }
        a_ = nullptr;
    }
    Mode mode_;
    archive* a_;
};

// Owns an `archive_entry*`.
class Entry {
  public:
    Entry() : e_(archive_entry_new()) {}
    ~Entry() { archive_entry_free(e_); }
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;
    archive_entry* get() const { return e_; }

  private:
    archive_entry* e_;
};

// Opens a .nxp for reading: tar inside zstd, nothing else.
Result<Archive> open_package(const std::filesystem::path& file);
// The same, reading through READ (CLIENT is its argument); SHOWN names the archive in errors.
Result<Archive> open_package(const std::filesystem::path& shown, void* client,
                             archive_read_callback* read);

// Splits a relative path on '/', refusing "", ".", "..", absolute paths and over-long
// names or components. Returns the reason on refusal.
std::optional<std::string> split_safe(std::string_view path, std::vector<std::string>& out);

// Whether symlink `target`, stored at `link_path` (components, relative to the tree root),
// resolves lexically inside the tree.
bool link_stays_inside(const std::vector<std::string>& link_path, std::string_view target);

// Whether `s` is valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view s);

// A symlink of the plugin tree: its path ('/'-separated, relative to the tree root) and target.
struct TreeLink {
    std::string path;
    std::string target;
};

// Resolves every symlink against the tree as a whole, as the kernel would follow it: links
// to links, links through directories and ".." after a link all count, so `x -> .`,
// `y -> x/..` and `z -> y/..` are caught together although each alone looks harmless.
// Returns why the first link that leads outside the tree (or loops, or goes through more
// than 40 links) is refused; nullopt when every link stays inside.
std::optional<std::string> check_tree_links(const std::vector<TreeLink>& links);

// Names in packages are refused when they hold a control character: C0 (U+0000..U+001F),
// DEL (U+007F) or C1 (U+0080..U+009F). Returns which one and where, or nullopt.
std::optional<std::string> control_character(std::string_view s);

// `s` made safe to quote in a message: control characters as \n, \e, \xNN or \u00NN,
// bytes of invalid UTF-8 as \xNN.
std::string escaped(std::string_view s);

// 0755 if any execute bit is set, else 0644 (directories are always 0755).
inline std::uint32_t normal_mode(std::uint32_t mode) { return (mode & 0111) != 0 ? 0755 : 0644; }

}  // namespace nxp::repo::detail
