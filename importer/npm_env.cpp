#include "importer/npm_env.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "formats/text_util.hpp"

namespace nxp::importer {
namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

namespace {

constexpr std::size_t kMaxNameLength = 63;  // a config key is at most 64 characters
constexpr std::size_t kMaxVariables = 64;

bool is_ident_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || formats::detail::is_digit(c) ||
           c == '_' || c == '$';
}

bool usable_name(std::string_view name) {
    return name.size() <= kMaxNameLength && formats::detail::is_env_name(name);
}

std::size_t skip_space(std::string_view s, std::size_t i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    return i;
}

// `{ A, B: b, C = 1, ...rest }` (the text between the braces): the property names.
void destructured_names(std::string_view body, std::vector<std::string>& out) {
    std::size_t start = 0;
    while (start <= body.size()) {
        auto comma = body.find(',', start);
        auto part = formats::detail::trim(body.substr(start, comma - start));
        std::size_t n = 0;
        while (n < part.size() && is_ident_char(part[n])) ++n;
        if (n > 0 && !part.starts_with("...")) out.emplace_back(part.substr(0, n));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
}

// The text of the balanced bracket group starting at `open` (strings skipped), or npos.
std::size_t matching_close(std::string_view s, std::size_t open, std::size_t cap) {
    const char o = s[open], c = o == '{' ? '}' : ']';
    int depth = 0;
    for (std::size_t i = open; i < s.size() && i < open + cap; ++i) {
        if (s[i] == '"') {
            for (++i; i < s.size() && s[i] != '"'; ++i)
                if (s[i] == '\\') ++i;
        } else if (s[i] == o) {
            ++depth;
        } else if (s[i] == c && --depth == 0) {
            return i;
        }
    }
    return std::string_view::npos;
}

// The JSON strings of `s` in order, each with whether a ':' follows it (an object key).
std::vector<std::pair<std::string, bool>> json_strings(std::string_view s) {
    std::vector<std::pair<std::string, bool>> out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '"') continue;
        std::string text;
        for (++i; i < s.size() && s[i] != '"'; ++i) {
            if (s[i] == '\\' && i + 1 < s.size()) ++i;
            text += s[i];
        }
        const std::size_t next = skip_space(s, i + 1);
        out.emplace_back(std::move(text), next < s.size() && s[next] == ':');
    }
    return out;
}

// Each `"KEY": <open>…<close>` group in `text`, as the text between the brackets.
std::vector<std::string_view> groups_after(std::string_view text, std::string_view key, char open) {
    std::vector<std::string_view> out;
    for (auto p = text.find(key); p != std::string_view::npos; p = text.find(key, p + 1)) {
        std::size_t i = skip_space(text, p + key.size());
        if (i >= text.size() || text[i] != ':') continue;
        i = skip_space(text, i + 1);
        if (i >= text.size() || text[i] != open) continue;
        auto close = matching_close(text, i, 16384);
        if (close != std::string_view::npos) out.push_back(text.substr(i + 1, close - i - 1));
    }
    return out;
}

std::string lower(std::string_view s) { return formats::detail::ascii_lower(s); }

// How the README's prose (outside JSON) speaks of a variable: its first describing line,
// and whether it is called required or optional.
void describe_from_prose(std::string_view readme, EnvSetting& e) {
    bool optional = false, required = false;
    std::size_t start = 0;
    while (start < readme.size()) {
        auto nl = readme.find('\n', start);
        auto line = readme.substr(start, nl - start);
        start = nl == std::string_view::npos ? readme.size() : nl + 1;
        auto at = line.find(e.name);
        if (at == std::string_view::npos) continue;
        const bool after_ok =
            at + e.name.size() >= line.size() || !is_ident_char(line[at + e.name.size()]);
        if (!after_ok || (at > 0 && is_ident_char(line[at - 1]))) continue;
        if (line.find("\":") != std::string_view::npos || line.find("=") == at + e.name.size())
            continue;  // JSON or a shell assignment, not prose
        const std::string l = lower(line);
        optional = optional || l.find("optional") != std::string::npos ||
                   l.find("default") != std::string::npos;
        required = required || l.find("required") != std::string::npos;
        if (e.description.empty()) {
            auto d = formats::detail::trim(line);
            while (!d.empty() &&
                   (d.front() == '-' || d.front() == '*' || d.front() == '|' || d.front() == ' '))
                d.remove_prefix(1);
            std::string text;
            for (char c : d.substr(0, 200))
                if (c != '`' && c != '|' && static_cast<unsigned char>(c) >= 0x20) text += c;
            e.description = std::string(formats::detail::trim(text));
        }
    }
    e.required = optional ? false : (required || is_secret_env_name(e.name));
}

bool looks_like_path(std::string_view p) {
    return p.starts_with("/") || p.starts_with("~") || p.starts_with("./") ||
           p.starts_with("${") ||  // an editor's variable: ${workspaceFolder}
           p.starts_with("../") || p.starts_with("C:") || p.find('\\') != std::string_view::npos;
}

}  // namespace

std::vector<std::string> env_names_in_code(std::string_view text) {
    std::vector<std::string> found;
    constexpr std::string_view needle = "process.env";
    for (auto p = text.find(needle); p != std::string_view::npos; p = text.find(needle, p + 1)) {
        if (p > 0 && (is_ident_char(text[p - 1]) || text[p - 1] == '.')) continue;
        std::size_t i = p + needle.size();
        if (i < text.size() && is_ident_char(text[i])) continue;  // process.envFoo
        if (text.substr(i, 2) == "?.") ++i;
        if (i < text.size() && text[i] == '.') {
            std::size_t j = i + 1;
            while (j < text.size() && is_ident_char(text[j])) ++j;
            found.emplace_back(text.substr(i + 1, j - i - 1));
        } else if (i < text.size() && text[i] == '[') {
            std::size_t j = skip_space(text, i + 1);
            if (j < text.size() && (text[j] == '"' || text[j] == '\'' || text[j] == '`')) {
                auto end = text.find(text[j], j + 1);
                if (end != std::string_view::npos && end - j <= 130)
                    found.emplace_back(text.substr(j + 1, end - j - 1));
            }
        }
        // `{ A, B } = process.env`: the object pattern before the '='.
        std::size_t k = p;
        while (k > 0 && (text[k - 1] == ' ' || text[k - 1] == '\t' || text[k - 1] == '\n')) --k;
        if (k == 0 || text[k - 1] != '=' || (k > 1 && text[k - 2] == '=')) continue;
        --k;
        while (k > 0 && (text[k - 1] == ' ' || text[k - 1] == '\t' || text[k - 1] == '\n')) --k;
        if (k == 0 || text[k - 1] != '}') continue;
        auto open = text.rfind('{', k - 1);
        if (open == std::string_view::npos || k - 1 - open > 4096) continue;
        destructured_names(text.substr(open + 1, k - 2 - open), found);
    }
    std::erase_if(found, [](const std::string& n) { return !usable_name(n); });
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    return found;
}

bool is_system_env_name(std::string_view n) {
    static constexpr std::string_view exact[] = {"PATH",
                                                 "HOME",
                                                 "USER",
                                                 "LOGNAME",
                                                 "SHELL",
                                                 "PWD",
                                                 "OLDPWD",
                                                 "TERM",
                                                 "COLORTERM",
                                                 "TERM_PROGRAM",
                                                 "LANG",
                                                 "LANGUAGE",
                                                 "TZ",
                                                 "TMPDIR",
                                                 "TMP",
                                                 "TEMP",
                                                 "HOSTNAME",
                                                 "CI",
                                                 "FORCE_COLOR",
                                                 "NO_COLOR",
                                                 "EDITOR",
                                                 "VISUAL",
                                                 "BROWSER",
                                                 "DISPLAY",
                                                 "APPDATA",
                                                 "LOCALAPPDATA",
                                                 "USERPROFILE",
                                                 "SYSTEMROOT",
                                                 "WINDIR",
                                                 "COMSPEC",
                                                 "PROGRAMFILES",
                                                 "UV_THREADPOOL_SIZE",
                                                 "JEST_WORKER_ID",
                                                 "VITEST",
                                                 "GITHUB_ACTIONS",
                                                 "SHLVL",
                                                 "_"};
    static constexpr std::string_view prefixes[] = {
        "NODE_", "NPM_", "LC_", "XDG_", "NXP_DEP_", "DEBUG_", "VSCODE_", "ELECTRON_", "BUN_"};
    if (std::find(std::begin(exact), std::end(exact), n) != std::end(exact)) return true;
    return std::any_of(std::begin(prefixes), std::end(prefixes),
                       [&](std::string_view p) { return n.starts_with(p); });
}

bool is_generic_env_name(std::string_view n) {
    static constexpr std::string_view names[] = {"PORT",
                                                 "HOST",
                                                 "DEBUG",
                                                 "LOG_LEVEL",
                                                 "LOGLEVEL",
                                                 "VERBOSE",
                                                 "HTTP_PROXY",
                                                 "HTTPS_PROXY",
                                                 "NO_PROXY",
                                                 "ALL_PROXY",
                                                 "SSL_CERT_FILE",
                                                 "SSL_CERT_DIR",
                                                 "TRANSPORT",
                                                 "MCP_TRANSPORT",
                                                 "READABLE_STREAM",
                                                 "SUPPRESS_NO_CONFIG_WARNING",
                                                 "NODE_TLS_REJECT_UNAUTHORIZED"};
    return is_system_env_name(n) ||
           std::find(std::begin(names), std::end(names), n) != std::end(names);
}

bool is_secret_env_name(std::string_view n) {
    static constexpr std::string_view words[] = {"KEY",  "TOKEN",      "SECRET", "PASSWORD",
                                                 "PASS", "CREDENTIAL", "AUTH"};
    const std::string upper = [&] {
        std::string u(n);
        for (char& c : u)
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        return u;
    }();
    return std::any_of(std::begin(words), std::end(words),
                       [&](std::string_view w) { return upper.find(w) != std::string::npos; });
}

ReadmeHints readme_hints(std::string_view readme, std::string_view package) {
    ReadmeHints out;
    std::set<std::string> seen;
    for (auto body : groups_after(readme, "\"env\"", '{')) {
        for (auto& [text, is_key] : json_strings(body)) {
            if (!is_key || !usable_name(text) || is_system_env_name(text)) continue;
            if (!seen.insert(text).second) continue;
            EnvSetting e;
            e.name = text;
            e.origin = "README";
            describe_from_prose(readme, e);
            out.env.push_back(std::move(e));
            if (out.env.size() >= kMaxVariables) break;
        }
    }
    // The required arguments: those every example that runs the package passes.
    std::optional<std::vector<std::string>> fewest;
    for (auto body : groups_after(readme, "\"args\"", '[')) {
        auto items = json_strings(body);
        auto pkg = std::find_if(items.begin(), items.end(), [&](const auto& s) {
            return s.first == package || s.first.starts_with(std::string(package) + "@");
        });
        if (pkg == items.end()) continue;
        std::vector<std::string> args;
        for (auto it = pkg + 1; it != items.end(); ++it) {
            if (it->first.starts_with("-")) {
                if (it->first.find('=') == std::string::npos && it + 1 != items.end()) ++it;
                continue;
            }
            args.push_back(it->first);
        }
        if (args.size() >= 2 &&
            std::all_of(args.begin(), args.end(), [](const auto& a) { return looks_like_path(a); }))
            out.repeated = true;
        if (!fewest || args.size() < fewest->size()) fewest = std::move(args);
    }
    if (fewest) out.args = std::move(*fewest);
    return out;
}

std::vector<ArgSetting> arg_settings_for(const std::vector<std::string>& placeholders,
                                         bool repeated) {
    std::vector<ArgSetting> out;
    if ((placeholders.size() >= 2 || (repeated && !placeholders.empty())) &&
        std::all_of(placeholders.begin(), placeholders.end(),
                    [](const auto& p) { return looks_like_path(p); })) {
        ArgSetting a;
        a.key = "directories";
        a.spread = true;
        a.description = "Directories the server works in (README example: " +
                        formats::detail::quote(placeholders[0], 80) + ", …)";
        out.push_back(std::move(a));
        return out;
    }
    for (std::size_t i = 0; i < placeholders.size(); ++i) {
        const std::string& p = placeholders[i];
        ArgSetting a;
        const std::string l = lower(p);
        if (auto scheme = l.find("://"); scheme != std::string::npos) {
            static constexpr std::string_view db[] = {
                "postgres", "postgresql", "mysql",  "mariadb", "mongodb",  "mongodb+srv",
                "redis",    "rediss",     "sqlite", "mssql",   "sqlserver"};
            const std::string s = l.substr(0, scheme);
            a.key =
                std::find(std::begin(db), std::end(db), s) != std::end(db) ? "database_url" : "url";
        } else if (looks_like_path(p)) {
            a.key = "directory";
        } else {
            a.key = "arg" + std::to_string(i + 1);
        }
        a.description = "Command-line argument " + std::to_string(i + 1) +
                        " (README example: " + formats::detail::quote(p, 80) + ")";
        out.push_back(std::move(a));
    }
    return out;
}

Result<std::vector<EnvSetting>> parse_env_option(const std::vector<std::string>& values) {
    std::vector<EnvSetting> out;
    for (const auto& value : values) {
        std::size_t start = 0;
        while (start <= value.size()) {
            auto comma = value.find(',', start);
            std::string item = value.substr(start, comma - start);
            start = comma == std::string::npos ? value.size() + 1 : comma + 1;
            if (item.empty()) continue;
            EnvSetting e;
            e.origin = "--env";
            auto eq = item.find('=');
            e.name = item.substr(0, eq);
            if (!usable_name(e.name))
                return fail(ErrorKind::Usage, "--env " + formats::detail::quote(item, 80),
                            "not an environment variable name ([A-Z_][A-Z0-9_]*, at most 63 "
                            "characters)");
            if (e.name == "PATH" || e.name == "HOME" || e.name == "TMPDIR" ||
                e.name.starts_with("NXP_DEP_"))
                return fail(ErrorKind::Usage, "--env " + e.name,
                            "the sandbox sets " + e.name + " itself; a plugin cannot configure it");
            std::string flags = eq == std::string::npos ? "" : item.substr(eq + 1) + "+";
            for (std::size_t f = 0; eq != std::string::npos && f < flags.size();) {
                auto plus = flags.find('+', f);
                const std::string flag = flags.substr(f, plus - f);
                f = plus + 1;
                if (flag == "secret")
                    e.secret = true;
                else if (flag == "plain")
                    e.secret = false;
                else if (flag == "required")
                    e.required = true;
                else if (flag == "optional")
                    e.required = false;
                else
                    return fail(ErrorKind::Usage, "--env " + formats::detail::quote(item, 80),
                                "unknown flag " + formats::detail::quote(flag) +
                                    " (secret, plain, required or optional, joined with '+')");
            }
            out.push_back(std::move(e));
        }
    }
    return out;
}

std::vector<EnvSetting> merge_env_settings(const std::vector<std::string>& code,
                                           const std::vector<EnvSetting>& documented,
                                           const std::vector<EnvSetting>& asked) {
    std::vector<EnvSetting> out;
    auto merge = [&](const EnvSetting& e) {
        auto it =
            std::find_if(out.begin(), out.end(), [&](const auto& o) { return o.name == e.name; });
        if (it == out.end()) {
            out.push_back(e);
            return;
        }
        if (e.secret) it->secret = e.secret;
        if (e.required) it->required = e.required;
        if (!e.description.empty()) it->description = e.description;
        if (e.default_value) it->default_value = e.default_value;
        if (!e.choices.empty()) it->choices = e.choices;
        it->origin = e.origin;
    };
    for (const auto& name : code) {
        if (is_generic_env_name(name)) continue;
        EnvSetting e;
        e.name = name;
        e.origin = "code";
        merge(e);
    }
    for (const auto& e : documented)
        if (!is_system_env_name(e.name)) merge(e);
    for (const auto& e : asked) merge(e);
    if (out.size() > kMaxVariables) out.resize(kMaxVariables);
    return out;
}

std::vector<std::string> add_config_keys(ojson& manifest, const std::vector<EnvSetting>& env,
                                         const std::vector<ArgSetting>& args) {
    std::vector<std::string> created;
    if (!manifest.contains("config") || !manifest["config"].is_object())
        manifest["config"] = ojson::object();
    ojson& config = manifest["config"];
    auto free_key = [&](std::string key) {
        if (key.size() > 64) key.resize(64);
        std::string k = key;
        for (int n = 2; config.contains(k); ++n) k = key.substr(0, 60) + "_" + std::to_string(n);
        return k;
    };
    for (const auto& e : env) {
        // A variable another key already passes (a server.json argument, a publisher's key).
        if (std::any_of(config.begin(), config.end(),
                        [&](const ojson& k) { return k.value("env", "") == e.name; }))
            continue;
        ojson k;
        k["type"] = e.choices.empty() ? "string" : "enum";
        if (!e.description.empty()) k["description"] = e.description;
        if (e.secret.value_or(is_secret_env_name(e.name))) k["secret"] = true;
        if (e.required.value_or(false) && !e.default_value) k["required"] = true;
        if (!e.choices.empty()) k["values"] = e.choices;
        if (e.default_value) k["default"] = *e.default_value;
        k["env"] = e.name;
        const std::string key = free_key(lower(e.name));
        config[key] = std::move(k);
        created.push_back(key);
    }
    if (args.empty() || !manifest.contains("mcp") || !manifest["mcp"].contains("args")) {
        if (config.empty()) manifest.erase("config");
        return created;
    }
    // Positions count the arguments after the command (runtime::mcp_argv): the fixed ones
    // first, then each value where it belongs, a named argument's after its flag.
    ojson& fixed = manifest["mcp"]["args"];
    std::vector<std::pair<std::string, std::string>> named;  // flag, key
    int position = static_cast<int>(fixed.size());
    for (const auto& a : args) {
        ojson k;
        k["type"] = a.spread ? "array" : a.choices.empty() ? "string" : "enum";
        if (!a.description.empty()) k["description"] = a.description;
        if (a.required && !a.default_value) k["required"] = true;
        if (a.spread) k["minItems"] = 1;
        if (!a.choices.empty()) k["values"] = a.choices;
        if (a.default_value) k["default"] = *a.default_value;
        k["arg"] = a.spread ? "spread" : "single";
        const std::string key = free_key(a.key);
        if (!a.spread && a.flag.empty()) k["position"] = position++;
        config[key] = std::move(k);
        if (!a.flag.empty()) named.emplace_back(a.flag, key);
        created.push_back(key);
    }
    for (const auto& [flag, key] : named) {
        fixed.push_back(flag);
        config[key]["position"] = position + 1;
        position += 2;
    }
    if (config.empty()) manifest.erase("config");
    return created;
}

std::vector<std::string> scan_package_env(const fs::path& dir) {
    static constexpr std::string_view exts[] = {".js",  ".mjs", ".cjs", ".ts",
                                                ".mts", ".cts", ".jsx", ".tsx"};
    constexpr std::size_t kMaxFiles = 5000, kMaxFile = 8u << 20, kMaxTotal = 64u << 20;
    std::set<std::string> names;
    std::error_code ec;
    fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
    std::size_t files = 0, total = 0;
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const auto st = it->symlink_status(ec);
        if (ec) break;
        if (fs::is_directory(st) && it->path().filename() == "node_modules") {
            it.disable_recursion_pending();
            continue;
        }
        if (!fs::is_regular_file(st)) continue;
        const std::string ext = it->path().extension().string();
        if (std::find(std::begin(exts), std::end(exts), ext) == std::end(exts)) continue;
        const auto size = it->file_size(ec);
        if (ec || size > kMaxFile) continue;
        if (++files > kMaxFiles || (total += size) > kMaxTotal) break;
        std::ifstream in(it->path(), std::ios::binary);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        for (auto& n : env_names_in_code(text)) names.insert(std::move(n));
    }
    return {names.begin(), names.end()};
}

std::string read_readme(const fs::path& dir) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = lower(entry.path().filename().string());
        if (name != "readme.md" && name != "readme" && name != "readme.markdown" &&
            name != "readme.txt")
            continue;
        if (!fs::is_regular_file(entry.symlink_status(ec))) continue;
        std::ifstream in(entry.path(), std::ios::binary);
        std::string text(1u << 20, '\0');
        in.read(text.data(), static_cast<std::streamsize>(text.size()));
        text.resize(static_cast<std::size_t>(in.gcount()));
        return text;
    }
    return "";
}

}  // namespace nxp::importer
