#include "cli/apply_render.hpp"

#include "formats/minisign.hpp"
#include "txn/fsutil.hpp"
#include "txn/plugins.hpp"

namespace nxp::cli {

using nlohmann::json;

namespace {

std::string pad(const std::string& s, std::size_t width) {
    return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

std::string config_value_text(const deploy::ConfigChange& c) {
    if (c.action == "unset") return "(default)";
    if (c.secret) return "•••• (secret, from " + c.source + ")";
    if (c.source != "literal") return "(from " + c.source + ")";
    return c.value.dump();
}

}  // namespace

std::size_t change_count(const deploy::ApplyDiff& d) {
    return d.repos.size() + d.plan.steps.size() + d.plan.marked_explicit.size() + d.demoted.size() +
           d.config.size() + d.flags.size() + d.grants.size();
}

std::string render_diff(const Context& ctx, const deploy::ApplyDiff& d) {
    std::string text;
    if (!d.repos.empty()) {
        text += "Repositories:\n";
        for (const auto& r : d.repos)
            text += "  " + pad(r.action, 10) + pad(r.row.name, 16) + r.row.url + "\n";
    }
    if (!d.plan.steps.empty() || !d.plan.marked_explicit.empty()) text += render_plan(ctx, d.plan);
    for (const auto& n : d.demoted)
        text += "  keep      " + n + "  (now a dependency: not in the file)\n";
    if (!d.config.empty()) {
        text += "Configuration:\n";
        for (const auto& c : d.config)
            text += "  " + pad(c.action, 10) + pad(c.plugin + "." + c.key, 24) +
                    config_value_text(c) + "\n";
    }
    if (!d.flags.empty()) {
        text += "Enabled:\n";
        for (const auto& f : d.flags)
            text += "  " + pad(f.enabled ? "enable" : "disable", 10) + f.plugin + "\n";
    }
    if (!d.grants.empty()) {
        text += "Permission grants:\n";
        for (const auto& g : d.grants)
            text += "  " + pad("grant", 10) + g.plugin + ": " +
                    runtime::describe_permissions(g.added) + "\n";
    }
    return text;
}

json diff_json(const deploy::ApplyDiff& d) {
    json repos = json::array();
    for (const auto& r : d.repos)
        repos.push_back({{"action", r.action},
                         {"name", r.row.name},
                         {"url", r.row.url},
                         {"keys", r.row.keys},
                         {"mirrors", r.row.mirrors}});
    json config = json::array();
    for (const auto& c : d.config) {
        json j{{"plugin", c.plugin}, {"key", c.key}, {"action", c.action}, {"secret", c.secret}};
        j["value"] = c.secret ? json(nullptr) : c.value;
        j["source"] = c.source.empty() ? json(nullptr) : json(c.source);
        config.push_back(std::move(j));
    }
    json flags = json::array();
    for (const auto& f : d.flags) flags.push_back({{"name", f.plugin}, {"enabled", f.enabled}});
    json grants = json::array();
    for (const auto& g : d.grants)
        grants.push_back({{"name", g.plugin},
                          {"added", formats::permissions_to_json(g.added)},
                          {"granted", formats::permissions_to_json(g.permissions)}});
    return {{"repositories", repos},
            {"plan", plan_json(d.plan)},
            {"marked_explicit", d.plan.marked_explicit},
            {"demoted", d.demoted},
            {"config", config},
            {"enabled", flags},
            {"grants", grants}};
}

Result<deploy::BundleTrust> bundle_anchors(const std::vector<std::string>& keys,
                                           const formats::Desired& desired) {
    deploy::BundleTrust trust;
    for (const auto& arg : keys) {
        std::string text = arg;
        if (std::filesystem::is_regular_file(arg)) {
            auto file = txn::read_file(arg, 64 * 1024);
            if (!file) return tl::unexpected(file.error());
            text = *file;
        }
        auto key = formats::parse_public_key(text);
        if (!key) {
            Error e = in_context(key.error(), "--key " + arg);
            e.kind = ErrorKind::Usage;
            return tl::unexpected(e);
        }
        trust.signers.push_back(*key);
    }
    for (const auto& r : desired.repos)
        for (const auto& k : r.keys)
            trust.repo_keys[r.name].push_back(*formats::parse_public_key(k));
    return trust;
}

}  // namespace nxp::cli
