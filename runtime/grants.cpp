#include "runtime/grants.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "formats/json_util.hpp"

namespace nxp::runtime {
using nlohmann::json;

namespace {

bool has_dotdot(std::string_view p) {
    for (std::size_t s = 0; s <= p.size();) {
        auto e = p.find('/', s);
        if (e == std::string_view::npos) e = p.size();
        if (p.substr(s, e - s) == "..") return true;
        s = e + 1;
    }
    return false;
}

}  // namespace

// A path in the plugin's own directories: the placeholder, then a fixed path below it.
bool own_path(const std::string& path) {
    for (std::string_view var : {"${plugin_dir}", "${state_dir}"}) {
        if (!path.starts_with(var)) continue;
        if (path.size() > var.size() && path[var.size()] != '/') return false;
        return path.find("${", var.size()) == std::string::npos && !has_dotdot(path);
    }
    return false;
}

// Why an expanded ${config.KEY} path cannot be bound (empty when it can).
std::string host_path_problem(const std::string& path) {
    if (path.find("${") != std::string::npos) return "a configuration key it names is unset";
    if (path.empty() || path.front() != '/') return "not an absolute path";
    if (has_dotdot(path)) return "holds \"..\"";
    for (char c : path)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "holds control characters";
    return {};
}

bool names_config(const std::string& path) { return path.find("${config.") != std::string::npos; }

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

bool covers(const formats::FsPermission& have, const formats::FsPermission& want, bool prefix) {
    bool path_ok =
        have.path == want.path ||
        (prefix && want.path.starts_with(have.path.ends_with("/") ? have.path : have.path + "/"));
    return path_ok && (have.access == want.access || have.access == "read-write");
}

formats::Permissions needed_permissions(const formats::Permissions& requested) {
    formats::Permissions p = requested;
    std::erase_if(p.filesystem, [](const formats::FsPermission& f) { return own_path(f.path); });
    return p;
}

formats::Permissions config_paths(const formats::Manifest& m, const PluginConfig& config,
                                  std::vector<std::string>* problems) {
    formats::Permissions out;
    for (const auto& f : m.permissions.filesystem) {
        if (own_path(f.path) || !names_config(f.path)) continue;
        std::string path = expand_config(f.path, config);
        if (auto why = host_path_problem(path); !why.empty()) {
            if (problems) problems->push_back(f.path + " (\"" + path + "\"): " + why);
            continue;
        }
        formats::FsPermission e{path, f.access};
        if (std::find(out.filesystem.begin(), out.filesystem.end(), e) == out.filesystem.end())
            out.filesystem.push_back(std::move(e));
    }
    return out;
}

formats::Permissions merged_permissions(formats::Permissions a, const formats::Permissions& b) {
    auto add = [](auto& to, const auto& from) {
        for (const auto& x : from)
            if (std::find(to.begin(), to.end(), x) == to.end()) to.push_back(x);
    };
    add(a.network, b.network);
    add(a.filesystem, b.filesystem);
    add(a.env, b.env);
    return a;
}

formats::Permissions ungranted(const formats::Permissions& needed,
                               const formats::Permissions& granted) {
    formats::Permissions out;
    for (const auto& h : needed.network)
        if (!contains(granted.network, h)) out.network.push_back(h);
    for (const auto& f : needed.filesystem) {
        bool ok = std::any_of(granted.filesystem.begin(), granted.filesystem.end(),
                              [&](const auto& g) { return covers(g, f, false); });
        if (!ok) out.filesystem.push_back(f);
    }
    for (const auto& e : needed.env)
        if (!contains(granted.env, e)) out.env.push_back(e);
    return out;
}

Result<formats::Permissions> granted_permissions(const db::Database& db,
                                                 const std::string& package) {
    auto text = db.grant(package);
    if (!text) return tl::unexpected(text.error());
    if (!*text) return formats::Permissions{};
    json j = json::parse(**text, nullptr, false);
    if (j.is_discarded()) return formats::Permissions{};
    return formats::parse_permissions(j, "grants." + package);
}

Result<void> store_grant(db::Database& db, const std::string& package,
                         const formats::Permissions& permissions, std::int64_t now) {
    return db.set_grant(package, formats::permissions_to_json(permissions).dump(), now);
}

namespace {

// The variables NextChat reads its access code and model providers' keys from: a plugin asking
// for one asks for NextChat's own secret, and the question says so.
constexpr std::string_view kNextChatSecrets[] = {"OPENAI_API_KEY",     "CODE",
                                                 "GOOGLE_API_KEY",     "ANTHROPIC_API_KEY",
                                                 "AZURE_API_KEY",      "BAIDU_API_KEY",
                                                 "BAIDU_SECRET_KEY",   "BYTEDANCE_API_KEY",
                                                 "ALIBABA_API_KEY",    "TENCENT_SECRET_ID",
                                                 "TENCENT_SECRET_KEY", "MOONSHOT_API_KEY",
                                                 "IFLYTEK_API_KEY",    "IFLYTEK_API_SECRET",
                                                 "DEEPSEEK_API_KEY",   "XAI_API_KEY",
                                                 "CHATGLM_API_KEY",    "SILICONFLOW_API_KEY",
                                                 "STABILITY_API_KEY",  "AI302_API_KEY"};

}  // namespace

bool nextchat_secret(std::string_view name) {
    return std::find(std::begin(kNextChatSecrets), std::end(kNextChatSecrets), name) !=
           std::end(kNextChatSecrets);
}

std::string describe_permissions(const formats::Permissions& p) {
    std::vector<std::string> parts;
    for (const auto& h : p.network) parts.push_back("network " + h);
    for (const auto& f : p.filesystem) parts.push_back(f.access + " " + f.path);
    if (!p.env.empty()) {
        // The values come from nxp's environment when the plugin runs: say so, and name
        // NextChat's own secrets as such.
        std::string names;
        for (const auto& e : p.env)
            names += (names.empty() ? "" : ", ") + e +
                     (nextchat_secret(e) ? " (NextChat's own secret)" : "");
        parts.push_back("env " + names + " (" + (p.env.size() == 1 ? "its value" : "their values") +
                        " passed from nxp's environment)");
    }
    std::string s;
    for (const auto& x : parts) s += (s.empty() ? "" : "; ") + x;
    return s;
}

Result<formats::Permissions> parse_policy(std::string_view json_text, const std::string& file) {
    auto parsed = formats::parse_json(json_text, file);
    if (!parsed) return tl::unexpected(parsed.error());
    json j = std::move(*parsed);
    // A granted variable hands the plugin its value from nxp's environment, which may hold
    // NextChat's own secrets: a policy names each variable, and "*" is refused for env.
    if (j.is_object() && j.contains("env") && j["env"].is_array() &&
        std::find(j["env"].begin(), j["env"].end(), json("*")) != j["env"].end())
        return fail(ErrorKind::Invalid, file + ": env",
                    "\"*\" is not accepted: a granted variable passes its value from nxp's "
                    "environment, so name each variable a plugin may receive");
    // "*" (any host) is policy syntax, not a permission: parse around it.
    bool any_host = false;
    if (j.is_object() && j.contains("network") && j["network"].is_array()) {
        auto& arr = j["network"];
        auto before = arr.size();
        arr.erase(std::remove(arr.begin(), arr.end(), json("*")), arr.end());
        any_host = arr.size() != before;
    }
    auto p = formats::parse_permissions(j, "policy");
    if (!p) return tl::unexpected(in_context(p.error(), file));
    if (any_host) p->network.push_back("*");
    return p;
}

formats::Permissions outside_policy(const formats::Permissions& needed,
                                    const formats::Permissions& policy) {
    formats::Permissions out;
    bool any_host = contains(policy.network, "*");
    for (const auto& h : needed.network)
        if (!any_host && !contains(policy.network, h)) out.network.push_back(h);
    for (const auto& f : needed.filesystem) {
        bool ok = std::any_of(policy.filesystem.begin(), policy.filesystem.end(),
                              [&](const auto& g) { return covers(g, f, true); });
        if (!ok) out.filesystem.push_back(f);
    }
    for (const auto& e : needed.env)
        if (!contains(policy.env, e)) out.env.push_back(e);
    return out;
}

}  // namespace nxp::runtime
