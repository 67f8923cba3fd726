#pragma once
// How `--help` looks: the command list names each command once (its aliases are listed in a
// footer of `nxp --help` and in the command's own help), and every command's help ends with
// the global options, which are accepted after any command ("nxp install --yes …").
#include <CLI/CLI.hpp>

namespace nxp::cli {

class HelpFormatter : public CLI::Formatter {
  public:
    std::string make_subcommand(const CLI::App* sub) const override;
    std::string make_footer(const CLI::App* app) const override;
};

}  // namespace nxp::cli
