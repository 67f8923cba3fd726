#pragma once
// Plain (uncompressed) POSIX tar files of named regular files, for layers above repo/ that
// need one (deploy/'s offline bundles) without libarchive or repo/'s internals.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "formats/error.hpp"

namespace nxp::repo {

namespace detail {
class Archive;
}

// Writes entries in the order added: regular files, mode 0644, mtime 0, no owner.
class TarWriter {
  public:
    explicit TarWriter(std::filesystem::path path);
    ~TarWriter();
    TarWriter(const TarWriter&) = delete;
    TarWriter& operator=(const TarWriter&) = delete;

    Result<void> open();  // Io naming the file
    // Io with context "FILE: NAME" when the entry cannot be written.
    Result<void> add(const std::string& name, std::string_view data);
    Result<void> close();
    std::uint64_t bytes() const { return bytes_; }  // data written so far

  private:
    std::filesystem::path path_;
    std::unique_ptr<detail::Archive> a_;
    std::uint64_t bytes_ = 0;
};

struct TarEntry {
    std::string name;
    bool regular = false;  // a regular file (anything else is for the caller to refuse)
    std::optional<std::uint64_t> size;  // nullopt when the header gives none
};

// Reads a tar entry by entry. Errors carry libarchive's reason as their message and the
// file as their context; the caller words what they mean for its format.
class TarReader {
  public:
    explicit TarReader(std::filesystem::path path);
    ~TarReader();
    TarReader(const TarReader&) = delete;
    TarReader& operator=(const TarReader&) = delete;

    Result<void> open();
    // The next entry's header, nullopt at the end.
    Result<std::optional<TarEntry>> next();
    // The current entry's data: exactly `size` bytes (an error when fewer arrive).
    Result<std::string> read(std::uint64_t size);

  private:
    std::filesystem::path path_;
    std::unique_ptr<detail::Archive> a_;
};

}  // namespace nxp::repo
