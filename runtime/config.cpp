#include "runtime/config.hpp"

#include <algorithm>

#include "formats/redact.hpp"
#include "runtime/secrets.hpp"

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

namespace {

// A reference's value, read now and checked against the key's rules.
Result<json> read_referenced(const formats::ConfigKey& spec, formats::DesiredValue ref,
                             const std::string& package, const std::string& key) {
    const std::string what = package + ": config " + key;
    const std::string shown =
        ref.env.empty() ? "{\"file\": \"" + ref.file + "\"}" : "{\"env\": \"" + ref.env + "\"}";
    ref.field = what;
    auto text = read_reference(ref);
    if (!text)
        return fail(ErrorKind::Invalid, what,
                    "its reference " + shown + " cannot be read: " + text.error().message +
                        " (read when the plugin starts)");
    json value = value_from_text(&spec, *text, what);
    if (auto ok = formats::validate_config_value(key, spec, value); !ok)
        return fail(ErrorKind::Invalid, what,
                    "the value of its reference " + shown + " is invalid: " + ok.error().message);
    return value;
}

}  // namespace

Result<PluginConfig> starting_config(const formats::Manifest& m,
                                     const std::vector<db::ConfigRow>& rows,
                                     const std::string& package,
                                     const std::filesystem::path& root_dir) {
    PluginConfig out = effective_config(m, rows, package);
    SecretStore store(root_dir);
    for (const auto& row : rows) {
        if (row.package != package) continue;
        auto spec = m.config.find(row.key);
        if (spec == m.config.end()) continue;
        if (!row.secret && !spec->second.secret) continue;
        auto plain = store.open(package, row.key, row.value_json);
        if (!plain) return tl::unexpected(plain.error());
        json value = json::parse(*plain, nullptr, false);
        if (auto ref = as_reference(value)) {
            auto read = read_referenced(spec->second, *ref, package, row.key);
            if (!read) return tl::unexpected(read.error());
            value = std::move(*read);
        }
        for (auto& t : formats::secret_texts(value)) out.secrets.push_back(std::move(t));
        out.values[row.key] = std::move(value);
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
