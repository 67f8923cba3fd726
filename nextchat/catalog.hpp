#pragma once
// NextChat's public/masks.json and public/prompts.json, merged with the masks and prompt
// packs nxp installed (DESIGN.md §8). NextChat's shapes:
//   masks.json   {"cn": [MASK…], "tw": […], "en": […]}, MASK = {"avatar", "name",
//                "context": [{"role", "content"}…], "modelConfig", "lang", "builtin", …}
//   prompts.json {"cn": [[TITLE, CONTENT]…], "tw": […], "en": […]}
// nxp marks its own entries so it can find them again: a mask carries "nxpPlugin": NAME
// (NextChat copies unknown mask fields along and ignores them), a prompt carries "nxp:NAME"
// as a third element (NextChat reads only the first two).
#include <filesystem>
#include <string>
#include <vector>

#include "formats/error.hpp"

namespace nxp::nextchat {

enum class Catalog { Masks, Prompts };

// "public/masks.json" or "public/prompts.json".
std::string catalog_file(Catalog c);

// An enabled mask or prompts plugin and its installed tree.
struct CatalogSource {
    std::string plugin;
    std::filesystem::path dir;
};

// Checks what a plugin's tree holds for the catalog: masks in mask.json (one mask or an
// array of masks, filed under their "lang": cn, tw, else en) or masks.json (NextChat's
// shape); prompts in prompts.json (NextChat's shape). Errors name the file and the entry.
// Files are read beneath `dir` (openat2 RESOLVE_BENEATH): a symlink leading out of the tree
// is refused (ErrorKind::Verification), never read.
Result<void> check_catalog_plugin(Catalog c, const std::filesystem::path& dir);

// Rewrites DIR/public/masks.json or prompts.json: every entry nxp marked is dropped and the
// sources' entries are appended to their language's list; all other entries and keys stay
// as they are. Atomic (temp file + renameat inside DIR/public, never through a symlink), mode kept,
// written only when the content changes; a missing file is created only when there is something to
// add. Returns whether the file changed.
Result<bool> sync_catalog(const std::filesystem::path& nextchat_dir, Catalog c,
                          const std::vector<CatalogSource>& sources);

// What sync_catalog would refuse, checked without writing (before a transaction's switch):
// DIR/public or the file itself a symbolic link. A missing directory or file is fine.
Result<void> check_catalog_target(const std::filesystem::path& nextchat_dir, Catalog c);

// Where the file differs from what sync_catalog would write, one line per plugin
// ("translator-mask: missing from public/masks.json"); empty when in step.
Result<std::vector<std::string>> catalog_drift(const std::filesystem::path& nextchat_dir, Catalog c,
                                               const std::vector<CatalogSource>& sources);

}  // namespace nxp::nextchat
