#pragma once
// Commands by the names users of other package managers type, and a word that names no
// command answered with the nearest one ("did you mean 'install'?").
#include <CLI/CLI.hpp>
#include <optional>

#include "formats/error.hpp"

namespace nxp::cli {

// The aliases of nxp(1) COMMAND ALIASES: add (install; apk), del, erase, uninstall (remove;
// apk, dnf, npm), upgrade (update; apk, dnf5). Called after every command is registered.
void add_aliases(CLI::App& app);

// When parsing failed: the first word of argv that is not an option or an option's value,
// if it names no command, as a Usage error "unknown command 'instal'; did you mean
// 'install'?". `json` tells whether --json was among the words.
std::optional<Error> unknown_command(const CLI::App& app, int argc, const char* const* argv,
                                     bool& json);

}  // namespace nxp::cli
