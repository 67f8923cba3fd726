#include "cli/typos.hpp"

#include <string>
#include <vector>

#include "formats/nearest.hpp"

namespace nxp::cli {

void add_aliases(CLI::App& app) {
    struct Alias {
        const char* command;
        std::vector<const char*> names;
    };
    for (const auto& a : {Alias{"install", {"add"}}, Alias{"remove", {"del", "erase", "uninstall"}},
                          Alias{"update", {"upgrade"}}}) {
        auto* sub = app.get_subcommand(a.command);
        for (const char* n : a.names) sub->alias(n);
    }
}

namespace {

// The subcommand of `app` named (or aliased) `word`, or nullptr.
const CLI::App* subcommand_named(const CLI::App& app, const std::string& word) {
    for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
        if (sub->get_name() == word) return sub;
        for (const auto& a : sub->get_aliases())
            if (a == word) return sub;
    }
    return nullptr;
}

}  // namespace

std::optional<Error> unknown_command(const CLI::App& app, int argc, const char* const* argv,
                                     bool& json) {
    // The words that are not options or their values, from the start: commands while they
    // name one ("repo", "add"), then the first that names none where one was expected.
    const CLI::App* cur = &app;
    std::string path;  // "repo " for a word after repo
    std::optional<std::string> unknown;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--") break;
        if (arg == "--json") json = true;
        if (arg.size() > 1 && arg[0] == '-') {
            // An option that takes a value and has none after '=': its value is the next word.
            if (arg.find('=') != std::string::npos) continue;
            const CLI::Option* opt = cur != nullptr ? cur->get_option_no_throw(arg) : nullptr;
            if (opt == nullptr) opt = app.get_option_no_throw(arg);  // a global one
            if (opt != nullptr && opt->get_items_expected_min() > 0) ++i;
            continue;
        }
        if (unknown || cur == nullptr) continue;
        if (const auto* sub = subcommand_named(*cur, arg)) {
            path += sub->get_name() + " ";
            cur = sub;
            continue;
        }
        // A command that takes words of its own ("install NAME"): this is one of them.
        if (cur->get_subcommands([](const CLI::App*) { return true; }).empty() ||
            !cur->get_options([](const CLI::Option* o) { return o->get_positional(); }).empty()) {
            cur = nullptr;
            continue;
        }
        unknown = arg;
    }
    if (!unknown) return std::nullopt;
    std::vector<std::string> names;
    for (const auto* sub : cur->get_subcommands([](const CLI::App*) { return true; })) {
        names.push_back(sub->get_name());
        for (const auto& a : sub->get_aliases()) names.push_back(a);
    }
    std::string msg = "unknown command '" + path + *unknown + "'";
    std::string near = formats::nearest_name(*unknown, names);
    msg +=
        near.empty() ? "; see 'nxp " + path + "--help'" : "; did you mean '" + path + near + "'?";
    return Error{ErrorKind::Usage, "", msg};
}

}  // namespace nxp::cli
