#pragma once
// Libraries never print: they report through this interface, which cli/ implements for a
// terminal or for --json (the libalpm eventcb/questioncb/progresscb idea).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/error.hpp"
#include "formats/manifest.hpp"

namespace nxp {

enum class Level { Debug, Info, Warning };

// A question the transaction asks (libalpm's questioncb): which one, about which plugin and
// permissions, and the question in words. The transaction decides what is asked and what an
// answer means; the frontend only answers.
struct Question {
    enum class Type {
        Proceed,          // go ahead with the change shown (a preview came before)
        ProceedAndGrant,  // the same, granting what it shows; `plugin`: "a,b" (need --grant)
        Grant,            // grant `plugin` the `permissions` its new version asks for
        GrantUpdate,      // the same for an update; No keeps the plugin at its version
        GrantConfigPath,  // grant the paths its configuration points a permission at
    };
    Type type = Type::Proceed;
    std::string plugin;                // Grant*: the plugin
    formats::Permissions permissions;  // Grant*: what it would be granted
    std::string text;                  // "Grant x: network api.example.org?"
};

// CannotAsk: nobody can answer (no terminal, --json); the transaction treats it as No.
enum class Answer { Yes, No, CannotAsk };

// What a change is about to do, shown before it is confirmed (a transaction's plan, an
// apply's diff). The layer that makes it derives its own (txn::PlanPreview,
// deploy::DiffPreview); a frontend shows the ones it knows.
struct Preview {
    virtual ~Preview() = default;
};

class Events {
  public:
    virtual ~Events() = default;
    virtual void message(Level level, std::string_view text) = 0;
    // A yes/no question in words; the default answer of question().
    virtual bool confirm(std::string_view question) = 0;
    virtual Answer question(const Question& q) {
        return confirm(q.text) ? Answer::Yes : Answer::No;
    }
    virtual void preview(const Preview& /*what*/) {}
    // A choice among `options` (a person sees them numbered from 1) after `prompt`: the index
    // chosen, or nullopt when nobody can choose (no terminal, --json, --yes) or declined.
    virtual std::optional<std::size_t> choose(std::string_view /*prompt*/,
                                              const std::vector<std::string>& /*options*/) {
        return std::nullopt;
    }
    virtual void progress(std::string_view /*what*/, std::uint64_t /*done*/,
                          std::uint64_t /*total*/) {}
    // nxp -v: a phase of a change finished ("resolve", "download", "verify", "stage", "hook",
    // "health", "switch", "nextchat"): what it did and how long it took. Secrets masked.
    virtual void phase(std::string_view /*name*/, std::string_view /*text*/,
                       std::chrono::steady_clock::duration /*took*/) {}
    // nxp -vv: detail within a phase (the resolver's decisions, a sandbox's command line),
    // secrets masked. Callers may skip building the text when tracing() < 2.
    virtual void detail(std::string_view /*name*/, std::string_view /*text*/) {}
    // How much is traced: 0 nothing, 1 phases, 2 phases and detail.
    virtual int tracing() const { return 0; }
    // The change took effect (committed, the generation switched), but what had to follow it
    // failed — NextChat's files could not be written. Not a warning: the frontend reports it
    // as an error and exits non-zero, while the change itself stays (it is consistent).
    virtual void after_commit_error(const Error& e) { message(Level::Warning, e.str()); }
};

// Discards everything and answers yes; for tests and internal callers.
class SilentEvents final : public Events {
  public:
    void message(Level, std::string_view) override {}
    bool confirm(std::string_view) override { return true; }
};

}  // namespace nxp
