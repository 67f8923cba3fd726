#pragma once
// Libraries never print: they report through this interface, which cli/ implements for a
// terminal or for --json (the libalpm eventcb/questioncb/progresscb idea).
#include <cstdint>
#include <string_view>

namespace nxp {

enum class Level { Debug, Info, Warning };

class Events {
  public:
    virtual ~Events() = default;
    virtual void message(Level level, std::string_view text) = 0;
    // A yes/no question; implementations without a terminal answer from --yes or refuse.
    virtual bool confirm(std::string_view question) = 0;
    virtual void progress(std::string_view /*what*/, std::uint64_t /*done*/,
                          std::uint64_t /*total*/) {}
};

// Discards everything and answers yes; for tests and internal callers.
class SilentEvents final : public Events {
  public:
    void message(Level, std::string_view) override {}
    bool confirm(std::string_view) override { return true; }
};

}  // namespace nxp
