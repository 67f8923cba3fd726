#pragma once
// The shapes NextChat reads from a mask or prompts plugin (DESIGN.md §8), checked in full:
// every finding, each with the JSON path it is at, for `nxp lint`; the first error is what an
// install refuses (nextchat/catalog.cpp).
//   mask     {"avatar": S, "name": S, "context": [{"role": S, "content": S}…],
//             "modelConfig": {…}, "lang": S, "builtin": B, "hideContext": B, …}
//   lists    {"cn": [ENTRY…], "tw": […], "en": […]} (masks.json, prompts.json)
//   prompt   ["title", "content"]
// Errors are what nxp refuses to merge into NextChat's files; warnings what NextChat would
// read oddly (a role it does not know, a language it files under "en", a wrongly typed
// optional field).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nxp::formats {

struct ShapeFinding {
    bool error = true;
    std::string where;  // "mask.json: context[1].role"
    std::string message;
};

enum class CatalogKind { Masks, Prompts };

// Appends the findings of one mask at `where` ("mask.json", "masks.json: en[2]").
void check_mask_shape(const nlohmann::ordered_json& mask, const std::string& where,
                      std::vector<ShapeFinding>& out);
// Appends the findings of one prompt at `where`.
void check_prompt_shape(const nlohmann::ordered_json& prompt, const std::string& where,
                        std::vector<ShapeFinding>& out);
// Appends the findings of a file in NextChat's {"cn", "tw", "en"} shape named `shown`.
void check_lists_shape(const nlohmann::ordered_json& root, const std::string& shown,
                       CatalogKind kind, std::vector<ShapeFinding>& out);

// The first error of `findings`, or nullptr.
const ShapeFinding* first_error(const std::vector<ShapeFinding>& findings);

}  // namespace nxp::formats
