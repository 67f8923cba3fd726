#include "formats/catalog_shape.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace nxp::formats {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::array<std::string_view, 3> kLists = {"cn", "tw", "en"};
constexpr std::array<std::string_view, 3> kRoles = {"system", "user", "assistant"};
constexpr const char* kMaskMarker = "nxpPlugin";

void error(std::vector<ShapeFinding>& out, std::string where, std::string message) {
    out.push_back({true, std::move(where), std::move(message)});
}
void warning(std::vector<ShapeFinding>& out, std::string where, std::string message) {
    out.push_back({false, std::move(where), std::move(message)});
}

bool non_empty_string(const Json& j) { return j.is_string() && !j.get<std::string>().empty(); }

const char* type_name(const Json& j) {
    switch (j.type()) {
        case Json::value_t::null:
            return "null";
        case Json::value_t::object:
            return "an object";
        case Json::value_t::array:
            return "an array";
        case Json::value_t::string:
            return "a string";
        case Json::value_t::boolean:
            return "a boolean";
        case Json::value_t::number_integer:
        case Json::value_t::number_unsigned:
        case Json::value_t::number_float:
            return "a number";
        default:
            return "something else";
    }
}

void check_message(const Json& msg, const std::string& at, std::vector<ShapeFinding>& out) {
    if (!msg.is_object()) {
        error(out, at,
              "must be an object with string role and content, not " + std::string(type_name(msg)));
        return;
    }
    for (const char* key : {"role", "content"}) {
        if (!msg.contains(key))
            error(out, at + "." + key,
                  "missing: a message is an object with string role and content");
        else if (!msg[key].is_string())
            error(out, at + "." + key,
                  std::string("must be a string (a message is an object with string role and "
                              "content), not ") +
                      type_name(msg[key]));
    }
    if (msg.contains("role") && msg["role"].is_string()) {
        const auto role = msg["role"].get<std::string>();
        if (std::find(kRoles.begin(), kRoles.end(), role) == kRoles.end())
            warning(out, at + ".role",
                    "\"" + role + "\" is not a role NextChat knows (system, user, assistant)");
    }
    if (msg.contains("content") && msg["content"].is_string() &&
        msg["content"].get<std::string>().empty())
        warning(out, at + ".content", "is empty");
}

}  // namespace

void check_mask_shape(const Json& m, const std::string& where, std::vector<ShapeFinding>& out) {
    if (!m.is_object()) {
        error(out, where, "a mask must be an object, not " + std::string(type_name(m)));
        return;
    }
    if (!m.contains("name") || !non_empty_string(m["name"]))
        error(out, where + ".name", "must be a non-empty string");
    if (!m.contains("context") || !m["context"].is_array()) {
        error(out, where + ".context", "must be an array of messages");
    } else {
        if (m["context"].empty())
            warning(out, where + ".context", "is empty: the mask sets no prompt");
        for (std::size_t i = 0; i < m["context"].size(); ++i)
            check_message(m["context"][i], where + ".context[" + std::to_string(i) + "]", out);
    }
    if (m.contains("modelConfig")) {
        const Json& mc = m["modelConfig"];
        if (!mc.is_object()) {
            error(out, where + ".modelConfig", "must be an object");
        } else {
            for (const char* key : {"model", "providerName"})
                if (mc.contains(key) && !mc[key].is_string())
                    warning(out, where + ".modelConfig." + key, "should be a string");
            for (const char* key :
                 {"temperature", "top_p", "max_tokens", "presence_penalty", "frequency_penalty",
                  "historyMessageCount", "compressMessageLengthThreshold"})
                if (mc.contains(key) && !mc[key].is_number())
                    warning(out, where + ".modelConfig." + key,
                            std::string("should be a number, not ") + type_name(mc[key]));
            // The ranges NextChat's sliders allow.
            const std::pair<const char*, std::pair<double, double>> ranges[] = {
                {"temperature", {0, 2}}, {"top_p", {0, 1}}};
            for (const auto& [key, range] : ranges) {
                if (!mc.contains(key) || !mc[key].is_number()) continue;
                const double v = mc[key].get<double>();
                if (v < range.first || v > range.second)
                    warning(out, where + ".modelConfig." + key,
                            "outside " + std::to_string(static_cast<int>(range.first)) + " to " +
                                std::to_string(static_cast<int>(range.second)) +
                                ", the range NextChat allows");
            }
        }
    }
    for (const char* key : {"avatar", "lang"})
        if (m.contains(key) && !m[key].is_string())
            error(out, where + "." + key, "must be a string");
    if (!m.contains("avatar"))
        warning(out, where + ".avatar",
                "missing: NextChat shows a mask with an avatar (an "
                "emoji's code point such as \"1f916\")");
    for (const char* key :
         {"builtin", "hideContext", "syncGlobalConfig", "enableArtifacts", "enableCodeFold"})
        if (m.contains(key) && !m[key].is_boolean())
            warning(out, where + "." + key,
                    std::string("should be true or false, not ") + type_name(m[key]));
    if (m.contains("createdAt") && !m["createdAt"].is_number())
        warning(out, where + ".createdAt", "should be a number (milliseconds since 1970)");
    if (m.contains("id") && !m["id"].is_string() && !m["id"].is_number())
        warning(out, where + ".id", "should be a string");
    if (m.contains("plugin") &&
        (!m["plugin"].is_array() || !std::all_of(m["plugin"].begin(), m["plugin"].end(),
                                                 [](const Json& p) { return p.is_string(); })))
        warning(out, where + ".plugin", "should be an array of plugin ids (strings)");
    if (m.contains(kMaskMarker)) error(out, where + "." + kMaskMarker, "is reserved for nxp");
}

void check_prompt_shape(const Json& p, const std::string& where, std::vector<ShapeFinding>& out) {
    const std::string shape = "a prompt must be [\"title\", \"content\"] (two non-empty strings)";
    if (!p.is_array() || p.size() != 2) {
        error(out, where,
              shape + (p.is_array() ? ", not " + std::to_string(p.size()) + " elements"
                                    : ", not " + std::string(type_name(p))));
        return;
    }
    for (std::size_t i = 0; i < 2; ++i)
        if (!non_empty_string(p[i]))
            error(out, where + "[" + std::to_string(i) + "]",
                  shape + ": the " + (i == 0 ? "title" : "content") + " is " +
                      (p[i].is_string() ? "empty" : type_name(p[i])));
}

void check_lists_shape(const Json& root, const std::string& shown, CatalogKind kind,
                       std::vector<ShapeFinding>& out) {
    if (!root.is_object()) {
        error(out, shown, "expected an object with cn, tw and en lists");
        return;
    }
    if (root.empty()) warning(out, shown, "has no lists: it adds nothing");
    for (const auto& [key, list] : root.items()) {
        if (std::find(kLists.begin(), kLists.end(), key) == kLists.end()) {
            error(out, shown + ": " + key, "unknown list (cn, tw, en)");
            continue;
        }
        if (!list.is_array()) {
            error(out, shown + ": " + key, "expected an array");
            continue;
        }
        for (std::size_t i = 0; i < list.size(); ++i) {
            const std::string where = shown + ": " + key + "[" + std::to_string(i) + "]";
            if (kind == CatalogKind::Masks)
                check_mask_shape(list[i], where, out);
            else
                check_prompt_shape(list[i], where, out);
        }
    }
}

const ShapeFinding* first_error(const std::vector<ShapeFinding>& findings) {
    auto it = std::find_if(findings.begin(), findings.end(), [](const auto& f) { return f.error; });
    return it == findings.end() ? nullptr : &*it;
}

}  // namespace nxp::formats
