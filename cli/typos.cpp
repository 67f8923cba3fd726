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

std::optional<Error> unknown_command(const CLI::App& app, int argc, const char* const* argv,
                                     bool& json) {
    std::string word;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--") break;
        if (arg == "--json") json = true;
        if (arg.size() > 1 && arg[0] == '-') {
            // An option that takes a value and has none after '=': its value is the next word.
            if (arg.find('=') != std::string::npos) continue;
            const CLI::Option* opt = app.get_option_no_throw(arg);
            if (opt != nullptr && opt->get_items_expected_min() > 0) ++i;
            continue;
        }
        if (word.empty()) word = arg;
    }
    if (word.empty()) return std::nullopt;
    std::vector<std::string> names;
    for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
        if (sub->get_name() == word) return std::nullopt;  // a command: CLI11's message stands
        names.push_back(sub->get_name());
        for (const auto& a : sub->get_aliases()) {
            if (a == word) return std::nullopt;
            names.push_back(a);
        }
    }
    std::string msg = "unknown command '" + word + "'";
    std::string near = formats::nearest_name(word, names);
    msg += near.empty() ? "; see 'nxp --help'" : "; did you mean '" + near + "'?";
    return Error{ErrorKind::Usage, "", msg};
}

}  // namespace nxp::cli
