#include "formats/keyset.hpp"

#include <algorithm>

#include "formats/json_util.hpp"

namespace nxp::formats {
namespace {

using detail::invalid;
using detail::json;
using detail::member;

constexpr std::size_t kMaxKeys = 64;

}  // namespace

Result<KeySet> parse_keyset(std::string_view json_text) {
    auto doc = detail::parse_json_text(json_text, 8);
    if (!doc) return tl::unexpected(doc.error());
    if (!doc->is_object()) return invalid("", "expected a JSON object");
    if (auto r = detail::reject_unknown_keys(*doc, "",
                                             {"format", "repo", "version", "keys", "threshold"});
        !r)
        return tl::unexpected(r.error());
    KeySet out;
    const json* format = member(*doc, "format");
    if (!format) return invalid("format", "missing");
    auto f = detail::get_int(*format, "format");
    if (!f) return tl::unexpected(f.error());
    if (*f != 1) return invalid("format", "unsupported format " + std::to_string(*f));
    const json* repo = member(*doc, "repo");
    if (!repo) return invalid("repo", "missing");
    auto id = detail::get_string(*repo, "repo", 64);
    if (!id) return tl::unexpected(id.error());
    if (id->empty()) return invalid("repo", "empty");
    out.repo = *id;
    const json* version = member(*doc, "version");
    if (!version) return invalid("version", "missing");
    auto v = detail::get_int(*version, "version");
    if (!v) return tl::unexpected(v.error());
    if (*v < 1) return invalid("version", "must be at least 1 (0 is the pinned set)");
    out.version = static_cast<std::uint64_t>(*v);
    const json* keys = member(*doc, "keys");
    if (!keys) return invalid("keys", "missing");
    if (!keys->is_array() || keys->empty()) return invalid("keys", "expected a non-empty array");
    if (keys->size() > kMaxKeys)
        return invalid("keys", "more than " + std::to_string(kMaxKeys) + " keys");
    for (std::size_t i = 0; i < keys->size(); ++i) {
        const std::string path = "keys[" + std::to_string(i) + "]";
        auto text = detail::get_string((*keys)[i], path, 512);
        if (!text) return tl::unexpected(text.error());
        auto key = parse_public_key(*text);
        if (!key) return tl::unexpected(in_context(key.error(), path));
        if (std::any_of(out.keys.begin(), out.keys.end(),
                        [&](const auto& k) { return k.key_id == key->key_id; }))
            return invalid(path, "key " + key_id_hex(key->key_id) + " is listed twice");
        out.keys.push_back(*key);
    }
    if (const json* t = member(*doc, "threshold")) {
        auto k = detail::get_int(*t, "threshold");
        if (!k) return tl::unexpected(k.error());
        if (*k < 1 || static_cast<std::uint64_t>(*k) > out.keys.size())
            return invalid("threshold", "must be between 1 and the number of keys (" +
                                            std::to_string(out.keys.size()) + ")");
        out.threshold = static_cast<std::uint32_t>(*k);
    }
    return out;
}

std::string write_keyset(const KeySet& set) {
    json keys = json::array();
    for (const auto& k : set.keys) keys.push_back(public_key_base64(k));
    // nlohmann's ordered output would sort keys; build the canonical order by hand.
    return "{\"format\":" + std::to_string(set.format) + ",\"repo\":" + json(set.repo).dump() +
           ",\"version\":" + std::to_string(set.version) + ",\"keys\":" + keys.dump() +
           ",\"threshold\":" + std::to_string(set.threshold) + "}\n";
}

}  // namespace nxp::formats
