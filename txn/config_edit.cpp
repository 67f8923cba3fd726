#include "txn/config_edit.hpp"

#include <algorithm>
#include <sstream>
#include <tuple>

#include "formats/json_util.hpp"
#include "formats/nearest.hpp"
#include "runtime/plugin.hpp"
#include "txn/tools.hpp"

namespace nxp::txn {

using nlohmann::json;

namespace {

// A command-line VALUE as JSON: strings stay strings; numbers, booleans and arrays parse.
json parse_value(const formats::ConfigKey& spec, const std::string& text) {
    using T = formats::ConfigType;
    if (spec.type == T::String || spec.type == T::Enum) return text;
    auto parsed = formats::parse_json(text, "value");
    if (parsed) return std::move(*parsed);
    if (spec.type == T::Array) {
        json arr = json::array();
        std::stringstream ss(text);
        for (std::string item; std::getline(ss, item, ',');) arr.push_back(item);
        return arr;
    }
    return text;  // validation names the rule it breaks
}

std::vector<std::string> sorted_keys(const std::vector<db::ConfigRow>& rows) {
    std::vector<std::string> keys;
    for (const auto& r : rows) keys.push_back(r.package + "\n" + r.key + "\n" + r.value_json);
    std::sort(keys.begin(), keys.end());
    return keys;
}

}  // namespace

Result<ConfigEdit> ConfigEdit::open(Root& root, const std::string& name, bool dry_run) {
    auto snap = current_snapshot(root);
    if (!snap) return tl::unexpected(snap.error());
    auto* pkg = snap->find(name);
    if (!pkg)
        return fail(ErrorKind::NotFound, name,
                    "not installed" + formats::did_you_mean_name(name, snap->packages));
    auto m = runtime::installed_manifest(root.db(), pkg->store_path);
    if (!m) return tl::unexpected(m.error());
    ConfigEdit edit;
    edit.name_ = name;
    edit.package_ = *pkg;
    edit.manifest_ = std::move(*m);
    edit.rows_ = snap->config;
    edit.snapshot_ = std::move(*snap);
    edit.secrets_ = runtime::SecretStore(root.dir(), dry_run ? runtime::SecretStore::Mode::Ephemeral
                                                             : runtime::SecretStore::Mode::Create);
    return edit;
}

runtime::PluginConfig ConfigEdit::effective() const {
    return runtime::effective_config(manifest_, rows_, name_);
}

Result<void> ConfigEdit::set(const std::string& key, const std::string& text) {
    if (is_reserved_config_key(key)) return apply(json{{key, nullptr}}, name_);  // its error
    auto spec = manifest_.config.find(key);
    if (spec == manifest_.config.end())
        return fail(ErrorKind::Invalid, name_ + ": " + key,
                    "no such config key" + formats::did_you_mean_key(key, manifest_.config));
    json value = parse_value(spec->second, text);
    // A secret given as {"env": NAME} or {"file": PATH}: the reference, as `apply` files have it.
    if (spec->second.secret && text.starts_with('{')) {
        auto parsed = formats::parse_json(text, name_ + ": " + key);
        if (parsed && parsed->is_object()) value = std::move(*parsed);
    }
    return apply(json{{key, std::move(value)}}, name_);
}

Result<void> ConfigEdit::unset(const std::string& key) {
    return apply(json{{key, nullptr}}, name_);
}

Result<void> ConfigEdit::apply(const json& doc, const std::string& where) {
    if (!doc.is_object()) return fail(ErrorKind::Invalid, where, "expected a JSON object of keys");
    for (const auto& [key, value] : doc.items()) {
        if (is_reserved_config_key(key))
            return fail(ErrorKind::Invalid, where,
                        key +
                            ": not a config key; keys starting with '@' are nxp's own (tool "
                            "filters: 'nxp tools " +
                            name_ + "')");
        auto spec = manifest_.config.find(key);
        if (spec == manifest_.config.end())
            return fail(ErrorKind::Invalid, where,
                        key + ": " + name_ + " has no such config key" +
                            formats::did_you_mean_key(key, manifest_.config));
        if (spec->second.secret && value.is_string() && value.get<std::string>() == kMaskedSecret)
            continue;
        std::erase_if(
            rows_, [&, &key = key](const auto& r) { return r.package == name_ && r.key == key; });
        if (value.is_null()) continue;
        if (value.is_object()) {
            if (!spec->second.secret)
                return fail(ErrorKind::Invalid, where + ": " + key,
                            "only a secret key takes a reference ({\"env\": NAME} or "
                            "{\"file\": PATH}); " +
                                name_ + "'s " + key + " is not secret");
            auto ref = formats::parse_desired_value(value, key);
            if (!ref) return tl::unexpected(in_context(ref.error(), where));
        } else if (auto ok = formats::validate_config_value(key, spec->second, value); !ok) {
            return tl::unexpected(in_context(ok.error(), where));
        }
        db::ConfigRow row{name_, key, value.dump(), spec->second.secret};
        if (auto r = secrets_.seal_row(row, snapshot_.config); !r)
            return tl::unexpected(in_context(r.error(), where));
        rows_.push_back(std::move(row));
    }
    return {};
}

json ConfigEdit::document() const {
    const auto cfg = effective();
    json doc = json::object();
    for (const auto& [key, spec] : manifest_.config) {
        auto it = cfg.values.find(key);
        if (it == cfg.values.end())
            doc[key] = nullptr;
        else
            doc[key] = spec.secret ? json(std::string(kMaskedSecret)) : it->second;
    }
    return doc;
}

bool ConfigEdit::changed() const { return sorted_keys(snapshot_.config) != sorted_keys(rows_); }

Result<TxnReport> ConfigEdit::commit(Root& root, const TxnOptions& opts, Events& events) const {
    Snapshot next = snapshot_;
    next.config = rows_;
    std::sort(next.config.begin(), next.config.end(), [](const auto& a, const auto& b) {
        return std::tie(a.package, a.key) < std::tie(b.package, b.key);
    });
    return apply_change(
        root, next,
        {{StepAction::Config, name_, package_.version, package_.version, package_.repo}}, opts,
        events);
}

}  // namespace nxp::txn
