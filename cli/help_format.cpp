#include "cli/help_format.hpp"

#include <sstream>
#include <string>
#include <vector>

namespace nxp::cli {

namespace {

std::string join(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
    return out;
}

}  // namespace

std::string HelpFormatter::make_subcommand(const CLI::App* sub) const {
    std::stringstream out;
    CLI::detail::format_help(out, sub->get_display_name(false), sub->get_description(),
                             get_column_width());
    return out.str();
}

std::string HelpFormatter::make_footer(const CLI::App* app) const {
    std::string out;
    const CLI::App* top = app;
    while (top->get_parent() != nullptr) top = top->get_parent();
    if (app == top) {
        // "nxp --help": the aliases of the commands, on lines that are not indented (a
        // command list's lines are).
        std::string aliases;
        for (const auto* sub : app->get_subcommands([](const CLI::App*) { return true; }))
            if (!sub->get_aliases().empty())
                aliases += std::string(aliases.empty() ? "" : "; ") + join(sub->get_aliases()) +
                           " for " + sub->get_name();
        if (!aliases.empty()) out += "Aliases: " + aliases + ".\n";
    } else {
        if (!app->get_aliases().empty()) out += "Also called: " + join(app->get_aliases()) + "\n";
        // The options of nxp itself, which every command accepts.
        auto globals = top->get_options([top](const CLI::Option* o) {
            return o->nonpositional() && o != top->get_help_ptr() && o != top->get_help_all_ptr() &&
                   o != top->get_version_ptr();
        });
        if (!globals.empty()) out += make_group("Global options (see nxp(1))", false, globals);
    }
    std::string footer = CLI::Formatter::make_footer(app);
    if (!footer.empty()) out += (out.empty() ? "" : "\n") + footer;
    return out;
}

}  // namespace nxp::cli
