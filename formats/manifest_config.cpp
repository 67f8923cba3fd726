// The "config" section of plugin.json (NextChat's configSchema + argsMapping idea) and the
// validation of the values an operator sets.
#include <re2/re2.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "formats/json_util.hpp"
#include "formats/manifest.hpp"
#include "formats/manifest_util.hpp"
#include "formats/text_util.hpp"

namespace nxp::formats {
namespace {

using detail::invalid;
using detail::json;
using detail::member;

constexpr std::string_view kTypes[] = {"string", "integer", "number", "boolean", "array", "enum"};
constexpr std::string_view kKeyRule = "must match [A-Za-z_][A-Za-z0-9_-]{0,63}";
// Patterns are RE2 (linear time in the value, whatever the pattern: no backtracking, so no
// ReDoS); these caps bound the compiled program and the work of one match.
constexpr std::size_t kMaxPattern = 1024;
constexpr std::size_t kMaxMatched = 4096;
constexpr std::int64_t kMaxPatternMemory = 1 << 20;

RE2::Options pattern_options() {
    RE2::Options o;
    o.set_log_errors(false);  // formats/ never prints; the error is returned instead
    o.set_max_mem(kMaxPatternMemory);
    return o;
}

// Compiles a pattern for a whole-string match; the error text when RE2 refuses it.
std::string pattern_problem(const std::string& pattern) {
    RE2 re(pattern, pattern_options());
    return re.ok() ? std::string() : re.error();
}

bool is_config_key_name(std::string_view s) {
    if (s.empty() || s.size() > 64 || detail::is_digit(s[0]) || s[0] == '-') return false;
    for (char c : s) {
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!(alpha || detail::is_digit(c) || c == '_' || c == '-')) return false;
    }
    return true;
}

std::optional<ConfigType> parse_type(std::string_view s) {
    for (int i = 0; i < 6; ++i) {
        if (kTypes[i] == s) return static_cast<ConfigType>(i);
    }
    return std::nullopt;
}

Result<void> check_item(const std::string& path, std::string_view type, const json& v) {
    bool ok = (type == "string" && v.is_string()) || (type == "integer" && v.is_number_integer()) ||
              (type == "number" && v.is_number() && std::isfinite(v.get<double>())) ||
              (type == "boolean" && v.is_boolean());
    if (!ok) return invalid(path, "expected " + std::string(type));
    return {};
}

Result<void> check_range(const std::string& key, const ConfigKey& spec, double d) {
    if (spec.minimum && d < *spec.minimum) {
        return invalid(key, "must be at least " + detail::number_text(*spec.minimum));
    }
    if (spec.maximum && d > *spec.maximum) {
        return invalid(key, "must be at most " + detail::number_text(*spec.maximum));
    }
    return {};
}

Result<void> check_string(const std::string& key, const ConfigKey& spec, const std::string& s) {
    if (!spec.pattern) return {};
    if (s.size() > kMaxMatched) {
        return invalid(key, "too long to check against its pattern (at most " +
                                std::to_string(kMaxMatched) + " characters)");
    }
    // The pattern compiled when the manifest was parsed; a spec built by hand may not.
    RE2 re(*spec.pattern, pattern_options());
    if (!re.ok()) return invalid(key, "cannot check against an invalid pattern");
    if (!RE2::FullMatch(s, re)) {
        return invalid(key, "must match the pattern " + detail::quote(*spec.pattern));
    }
    return {};
}

// Fills the rule fields that only some types accept; `field` is "config.KEY".
Result<void> parse_rules(const json& v, const std::string& field, ConfigKey& k) {
    auto only_for = [&](const char* rule, bool allowed, const char* types) -> Result<void> {
        if (member(v, rule) && !allowed) {
            return invalid(detail::dot(field, rule), std::string("only valid for type ") + types);
        }
        return {};
    };
    bool numeric = k.type == ConfigType::Integer || k.type == ConfigType::Number;
    for (auto r : {only_for("minimum", numeric, "integer or number"),
                   only_for("maximum", numeric, "integer or number"),
                   only_for("pattern", k.type == ConfigType::String, "string"),
                   only_for("minItems", k.type == ConfigType::Array, "array"),
                   only_for("items", k.type == ConfigType::Array, "array"),
                   only_for("values", k.type == ConfigType::Enum, "enum")}) {
        if (!r) return r;
    }
    const std::pair<const char*, std::optional<double>*> bounds[] = {{"minimum", &k.minimum},
                                                                     {"maximum", &k.maximum}};
    for (auto [rule, slot] : bounds) {
        const json* b = member(v, rule);
        if (!b) continue;
        const bool integer = k.type == ConfigType::Integer;
        if (integer ? !b->is_number_integer() : !b->is_number()) {
            return invalid(detail::dot(field, rule),
                           integer ? "expected integer" : "expected number");
        }
        *slot = b->get<double>();
    }
    if (k.minimum && k.maximum && *k.minimum > *k.maximum) {
        return invalid(field + ".minimum", "must not be greater than maximum (" +
                                               detail::number_text(*k.maximum) + ")");
    }
    if (const json* p = member(v, "pattern")) {
        auto s = detail::get_string(*p, field + ".pattern", kMaxPattern);
        if (!s) return tl::unexpected(s.error());
        if (auto problem = pattern_problem(*s); !problem.empty()) {
            std::string why = detail::quote(problem, 200);
            return invalid(field + ".pattern",
                           "invalid regular expression: " + why.substr(1, why.size() - 2) +
                               " (patterns are RE2: no backreferences or "
                               "lookaround)");
        }
        k.pattern = std::move(*s);
    }
    if (const json* n = member(v, "minItems")) {
        if (!n->is_number_unsigned()) {
            return invalid(field + ".minItems", "expected non-negative integer");
        }
        k.min_items = n->get<std::uint64_t>();
    }
    if (const json* items = member(v, "items")) {
        auto s = detail::get_string(*items, field + ".items", 16);
        if (!s) return tl::unexpected(s.error());
        if (*s != "string" && *s != "integer" && *s != "number" && *s != "boolean") {
            return invalid(field + ".items", "must be one of string, integer, number, boolean");
        }
        k.items = std::move(*s);
    }
    if (k.type == ConfigType::Enum) {
        const json* values = member(v, "values");
        if (!values) return invalid(field + ".values", "required for type enum");
        if (!values->is_array() || values->empty()) {
            return invalid(field + ".values", "expected non-empty array of strings");
        }
        auto strings = detail::get_strings(*values, field + ".values");
        if (!strings) return tl::unexpected(strings.error());
        k.values = std::move(*strings);
    }
    return {};
}

// Where the value goes: an environment variable, or a command-line argument.
Result<void> parse_mapping(const json& v, const std::string& field, ConfigKey& k) {
    if (const json* env = member(v, "env")) {
        auto s = detail::get_string(*env, field + ".env", 128);
        if (!s) return tl::unexpected(s.error());
        if (!detail::is_env_name(*s)) return invalid(field + ".env", "must match [A-Z_][A-Z0-9_]*");
        k.env = std::move(*s);
    }
    if (const json* arg = member(v, "arg")) {
        auto s = detail::get_string(*arg, field + ".arg", 16);
        if (!s) return tl::unexpected(s.error());
        if (*s != "single" && *s != "spread")
            return invalid(field + ".arg", "must be single or spread");
        if (*s == "spread" && k.type != ConfigType::Array) {
            return invalid(field + ".arg", "spread needs type array");
        }
        k.arg = std::move(*s);
    }
    if (const json* pos = member(v, "position")) {
        if (k.arg != "single") return invalid(field + ".position", "only valid with arg single");
        if (!pos->is_number_unsigned() || pos->get<std::uint64_t>() > 1000) {
            return invalid(field + ".position", "expected integer between 0 and 1000");
        }
        k.position = static_cast<int>(pos->get<std::uint64_t>());
    }
    return {};
}

Result<ConfigKey> parse_key(const json& v, const std::string& key) {
    const std::string field = "config." + key;
    if (!v.is_object()) return invalid(field, "expected object");
    auto known = detail::reject_unknown_keys(
        v, field,
        {"type", "description", "secret", "required", "default", "minimum", "maximum", "pattern",
         "minItems", "items", "values", "env", "arg", "position"});
    if (!known) return tl::unexpected(known.error());
    ConfigKey k;
    const json* type = member(v, "type");
    if (!type) return invalid(field + ".type", "required field is missing");
    auto t = type->is_string() ? parse_type(type->get_ref<const std::string&>()) : std::nullopt;
    if (!t)
        return invalid(field + ".type",
                       "must be one of string, integer, number, boolean, array, enum");
    k.type = *t;
    if (const json* d = member(v, "description")) {
        auto s = detail::get_string(*d, field + ".description");
        if (!s) return tl::unexpected(s.error());
        k.description = std::move(*s);
    }
    const std::pair<const char*, bool*> flags[] = {{"secret", &k.secret},
                                                   {"required", &k.required}};
    for (auto [name, slot] : flags) {
        if (const json* f = member(v, name)) {
            if (!f->is_boolean()) return invalid(detail::dot(field, name), "expected boolean");
            *slot = f->get<bool>();
        }
    }
    if (auto ok = parse_rules(v, field, k); !ok) return tl::unexpected(ok.error());
    if (auto ok = parse_mapping(v, field, k); !ok) return tl::unexpected(ok.error());
    if (k.secret && !k.arg.empty()) {
        return invalid(field + ".arg",
                       "a secret goes to the server through \"env\" only: an argument is "
                       "readable by every local user in /proc/PID/cmdline");
    }
    if (const json* d = member(v, "default")) {
        if (auto ok = validate_config_value(key, k, *d); !ok) {
            Error e = ok.error();
            e.context = field + ".default" + e.context.substr(key.size());
            return tl::unexpected(e);
        }
        k.default_json = d->dump(-1, ' ', false, json::error_handler_t::replace);
    }
    return k;
}

}  // namespace

std::string_view config_type_name(ConfigType t) { return kTypes[static_cast<int>(t)]; }

namespace detail {

Result<std::map<std::string, ConfigKey>> parse_config(const nlohmann::json& obj) {
    if (!obj.is_object()) return invalid("config", "expected object");
    std::map<std::string, ConfigKey> out;
    std::map<std::string, std::string> env_owner;
    for (const auto& [key, value] : obj.items()) {
        if (!is_config_key_name(key)) {
            return invalid("config", "invalid key " + quote(key) + ": " + std::string(kKeyRule));
        }
        auto k = parse_key(value, key);
        if (!k) return tl::unexpected(k.error());
        if (!k->env.empty()) {
            auto [it, fresh] = env_owner.emplace(k->env, key);
            if (!fresh) {
                return invalid("config." + key + ".env",
                               k->env + " is already used by config." + it->second);
            }
        }
        out.emplace(key, std::move(*k));
    }
    return out;
}

}  // namespace detail

Result<void> validate_config_value(std::string_view key, const ConfigKey& spec,
                                   const nlohmann::json& value) {
    const std::string k(key);
    switch (spec.type) {
        case ConfigType::String:
            if (!value.is_string()) return invalid(k, "expected string");
            return check_string(k, spec, value.get_ref<const std::string&>());
        case ConfigType::Integer:
            if (!value.is_number_integer()) return invalid(k, "expected integer");
            return check_range(k, spec, value.get<double>());
        case ConfigType::Number:
            if (!value.is_number() || !std::isfinite(value.get<double>())) {
                return invalid(k, "expected number");
            }
            return check_range(k, spec, value.get<double>());
        case ConfigType::Boolean:
            if (!value.is_boolean()) return invalid(k, "expected boolean");
            return {};
        case ConfigType::Enum: {
            std::string list;
            for (const auto& v : spec.values) {
                if (value.is_string() && value.get_ref<const std::string&>() == v) return {};
                list += (list.empty() ? "" : ", ") + v;
            }
            return invalid(k, "must be one of " + list);
        }
        case ConfigType::Array:
            if (!value.is_array()) return invalid(k, "expected array");
            if (spec.min_items && value.size() < *spec.min_items) {
                return invalid(k, "must have at least " + std::to_string(*spec.min_items) +
                                      (*spec.min_items == 1 ? " item" : " items"));
            }
            for (std::size_t i = 0; i < value.size(); ++i) {
                if (auto ok = check_item(detail::at(k, i), spec.items, value[i]); !ok) return ok;
            }
            return {};
    }
    return invalid(k, "unknown type");
}

}  // namespace nxp::formats
