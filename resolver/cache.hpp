#pragma once
// Writing a repository's .solv cache (resolver/cache.cpp) one entry at a time, for the
// refresh of a large index (issue 20): the solvables are added while the index is parsed,
// each pointing into the section of entry texts, which is copied into the file (it never
// enters libsolv) before libsolv writes the .solv straight to disk. The file is byte for
// byte what make_repo_cache (resolver/resolver.hpp) gives for the same entries.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "formats/error.hpp"
#include "formats/index.hpp"

namespace nxp::resolver {

class PoolModel;

class RepoCacheBuilder {
  public:
    RepoCacheBuilder();
    ~RepoCacheBuilder();
    RepoCacheBuilder(const RepoCacheBuilder&) = delete;
    RepoCacheBuilder& operator=(const RepoCacheBuilder&) = delete;

    // Adds the solvable of `e` (nothing for a reserved name, as make_repo_cache), whose
    // entry text (formats::write_index_entry) is the `size` bytes at `at` of the section.
    void add(const formats::IndexEntry& e, std::uint64_t at, std::uint64_t size);

    // Writes the cache file to `path` atomically (a temporary file beside it, synced, renamed
    // over it, the directory synced), stamped with `key` and `expires`; its section of entry
    // texts is the first `texts_size` bytes of the file open as `texts_fd`. The builder is
    // spent.
    Result<void> write(const std::string& path, const std::string& key, std::int64_t expires,
                       int texts_fd, std::uint64_t texts_size);
    // The same file's bytes, the section given as `texts`.
    Result<std::string> bytes(const std::string& key, std::int64_t expires, std::string_view texts);

  private:
    Result<void> write_solv(void* sink, const std::string& where);
    struct Impl;
    std::unique_ptr<PoolModel> model_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace nxp::resolver
