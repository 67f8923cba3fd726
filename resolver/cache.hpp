#pragma once
// Writing a repository's .solv cache (resolver/cache.cpp) one entry at a time, for the
// refresh of a large index (issue 20): the entries are added while the index is parsed,
// their stored texts only when the file is written, and the file goes to disk as libsolv
// writes it. The file is byte for byte what make_repo_cache (resolver/resolver.hpp) gives
// for the same entries.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

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

    // Adds the solvable of `e` (nothing for a reserved name, as make_repo_cache). `k` names
    // the entry for write()'s `text_of`.
    void add(const formats::IndexEntry& e, std::size_t k);

    // The entry text formats::write_index_entry gave entry `k`.
    using TextOf = std::function<Result<std::string>(std::size_t k)>;
    // Writes the cache file to `path` atomically (a temporary file beside it, synced, renamed
    // over it, the directory synced), stamped with `key` and `expires`. The builder is spent.
    Result<void> write(const std::string& path, const std::string& key, std::int64_t expires,
                       const TextOf& text_of);

  private:
    struct Impl;
    std::unique_ptr<PoolModel> model_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace nxp::resolver
