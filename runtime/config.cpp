#include "runtime/config.hpp"

#include <algorithm>

namespace nxp::runtime {
using nlohmann::json;

PluginConfig effective_config(const formats::Manifest& m, const std::vector<db::ConfigRow>& rows,
                              const std::string& package) {
    PluginConfig out;
    for (const auto& [key, spec] : m.config) {
        // The binding is captured by name: clang 14 (-Dfuzz=true) cannot capture it implicitly.
        auto row = std::find_if(rows.begin(), rows.end(), [&, &key = key](const db::ConfigRow& r) {
            return r.package == package && r.key == key;
        });
        if (row != rows.end()) {
            out.values[key] = json::parse(row->value_json, nullptr, false);
        } else if (spec.default_json) {
            out.values[key] = json::parse(*spec.default_json, nullptr, false);
        } else if (spec.required) {
            out.missing.push_back(key);
        }
    }
    return out;
}

std::string config_text(const json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_array()) {
        std::string s;
        for (const auto& v : value) s += (s.empty() ? "" : ",") + config_text(v);
        return s;
    }
    return value.dump();
}

std::string expand_config(const std::string& text, const PluginConfig& config) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        auto start = text.find("${config.", i);
        auto end = start == std::string::npos ? start : text.find('}', start);
        if (end == std::string::npos) {
            out += text.substr(i);
            break;
        }
        out += text.substr(i, start - i);
        auto it = config.values.find(text.substr(start + 9, end - start - 9));
        // An unset key stays visible: "${config.root}/x" must not become "/x".
        out += it != config.values.end() ? config_text(it->second)
                                         : text.substr(start, end - start + 1);
        i = end + 1;
    }
    return out;
}

}  // namespace nxp::runtime
