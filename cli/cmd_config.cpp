// nxp config NAME [KEY [VALUE]] | --unset KEY | --from-file FILE | --edit: a plugin's
// configuration (DESIGN.md §3). Every change is validated, then made a new generation.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <tuple>

#include "cli/context.hpp"
#include "cli/table.hpp"
#include "formats/json_util.hpp"

namespace nxp::cli {

namespace {

using nlohmann::json;
constexpr const char* kMasked = "••••";

struct Flags {
    std::string name, key, value;
    std::vector<std::string> unset;
    std::string from_file;
    bool edit = false;
};

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

Result<std::string> read_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return fail(ErrorKind::NotFound, path, "cannot read");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Applies {key: value|null} to `rows`; null unsets; the masked placeholder keeps a secret.
Result<void> apply_doc(const formats::Manifest& m, const std::string& pkg, const json& doc,
                       std::vector<db::ConfigRow>& rows, const std::string& where) {
    if (!doc.is_object()) return fail(ErrorKind::Invalid, where, "expected a JSON object of keys");
    for (const auto& [key, value] : doc.items()) {
        auto spec = m.config.find(key);
        if (spec == m.config.end())
            return fail(ErrorKind::Invalid, where, key + ": " + pkg + " has no such config key");
        if (spec->second.secret && value.is_string() && value.get<std::string>() == kMasked)
            continue;
        std::erase_if(rows,
                      [&, &key = key](const auto& r) { return r.package == pkg && r.key == key; });
        if (value.is_null()) continue;
        if (auto ok = formats::validate_config_value(key, spec->second, value); !ok)
            return tl::unexpected(in_context(ok.error(), where));
        rows.push_back({pkg, key, value.dump(), spec->second.secret});
    }
    return {};
}

json current_doc(const formats::Manifest& m, const runtime::PluginConfig& cfg) {
    json doc = json::object();
    for (const auto& [key, spec] : m.config) {
        auto it = cfg.values.find(key);
        if (it == cfg.values.end())
            doc[key] = nullptr;
        else
            doc[key] = spec.secret ? json(kMasked) : it->second;
    }
    return doc;
}

Result<json> edit_doc(const json& doc) {
    const char* editor = std::getenv("VISUAL");
    if (!editor || !*editor) editor = std::getenv("EDITOR");
    if (!editor || !*editor) return fail(ErrorKind::Usage, "--edit", "set $EDITOR");
    char path[] = "/tmp/nxp-config-XXXXXX.json";
    int fd = ::mkstemps(path, 5);  // mode 0600: it may hold values being typed in
    if (fd < 0) return fail(ErrorKind::Io, path, "cannot create");
    std::string text = doc.dump(2) + "\n";
    bool wrote = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    int rc = wrote ? std::system((std::string(editor) + " '" + path + "'").c_str()) : -1;
    auto edited = read_file(path);
    ::unlink(path);
    if (rc != 0) return fail(ErrorKind::Cancelled, "--edit", "the editor failed; nothing changed");
    if (!edited) return tl::unexpected(edited.error());
    auto j = formats::parse_json(*edited, "--edit");
    if (!j) return fail(ErrorKind::Invalid, "--edit", j.error().message + "; nothing changed");
    return std::move(*j);
}

Result<int> list(Context& c, const std::string& name, const formats::Manifest& m,
                 const runtime::PluginConfig& cfg, const std::vector<db::ConfigRow>& rows) {
    json keys = json::array();
    Table t({"KEY", "VALUE", "DEFAULT", "TYPE", "DESCRIPTION"});
    for (const auto& [key, spec] : m.config) {
        bool set = std::any_of(rows.begin(), rows.end(), [&, &key = key](const auto& r) {
            return r.package == name && r.key == key;
        });
        auto it = cfg.values.find(key);
        std::string value = it == cfg.values.end() ? (spec.required ? "(required, unset)" : "-")
                            : spec.secret          ? kMasked
                                                   : runtime::config_text(it->second);
        std::string type(formats::config_type_name(spec.type));
        t.add({key, value, spec.default_json.value_or("-"), type, spec.description});
        json k{{"key", key},
               {"type", type},
               {"description", spec.description},
               {"secret", spec.secret},
               {"required", spec.required},
               {"set", set}};
        k["value"] = it == cfg.values.end() ? json(nullptr)
                     : spec.secret          ? json(kMasked)
                                            : it->second;
        k["default"] = spec.default_json ? json::parse(*spec.default_json) : json(nullptr);
        keys.push_back(std::move(k));
    }
    if (c.g.json) {
        c.emit({{"command", "config"}, {"name", name}, {"keys", keys}, {"missing", cfg.missing}});
        return 0;
    }
    if (m.config.empty())
        c.out(name + " has no configuration.");
    else
        c.out(t.render());
    if (!cfg.missing.empty()) {
        std::string keys_text;
        for (const auto& k : cfg.missing) keys_text += (keys_text.empty() ? "" : ", ") + k;
        c.out(name + " is paused until these are set: " + keys_text);
    }
    return 0;
}

Result<int> run(Context& c, const Flags& f) {
    bool changing = !f.value.empty() || !f.unset.empty() || !f.from_file.empty() || f.edit;
    auto root = c.open_root(changing && !c.g.dry_run ? txn::Access::Write : txn::Access::Read);
    if (!root) return tl::unexpected(root.error());
    auto snap = txn::current_snapshot(*root);
    if (!snap) return tl::unexpected(snap.error());
    auto* pkg = snap->find(f.name);
    if (!pkg) return fail(ErrorKind::NotFound, f.name, "not installed");
    auto m = runtime::installed_manifest(root->db(), pkg->store_path);
    if (!m) return tl::unexpected(m.error());
    if (!changing) {
        if (!f.key.empty()) {
            if (!m->config.count(f.key))
                return fail(ErrorKind::NotFound, f.name + ": " + f.key, "no such config key");
            std::erase_if(m->config, [&](const auto& kv) { return kv.first != f.key; });
        }
        return list(c, f.name, *m, runtime::effective_config(*m, snap->config, f.name),
                    snap->config);
    }
    auto rows = snap->config;
    if (!f.key.empty()) {
        auto spec = m->config.find(f.key);
        if (spec == m->config.end())
            return fail(ErrorKind::Invalid, f.name + ": " + f.key, "no such config key");
        json doc{{f.key, parse_value(spec->second, f.value)}};
        if (auto r = apply_doc(*m, f.name, doc, rows, f.name); !r) return tl::unexpected(r.error());
    }
    for (const auto& k : f.unset) {
        if (auto r = apply_doc(*m, f.name, json{{k, nullptr}}, rows, f.name); !r)
            return tl::unexpected(r.error());
    }
    if (!f.from_file.empty()) {
        auto text = read_file(f.from_file);
        if (!text) return tl::unexpected(text.error());
        auto parsed = formats::parse_json(*text, f.from_file);
        if (!parsed) return tl::unexpected(parsed.error());
        json doc = std::move(*parsed);
        if (auto r = apply_doc(*m, f.name, doc, rows, f.from_file); !r)
            return tl::unexpected(r.error());
    }
    if (f.edit) {
        auto doc = edit_doc(current_doc(*m, runtime::effective_config(*m, rows, f.name)));
        if (!doc) return tl::unexpected(doc.error());
        if (auto r = apply_doc(*m, f.name, *doc, rows, "--edit"); !r)
            return tl::unexpected(r.error());
    }
    auto key_of = [](const db::ConfigRow& r) {
        return r.package + "\n" + r.key + "\n" + r.value_json;
    };
    std::vector<std::string> before, after;
    for (const auto& r : snap->config) before.push_back(key_of(r));
    for (const auto& r : rows) after.push_back(key_of(r));
    std::sort(before.begin(), before.end());
    std::sort(after.begin(), after.end());
    if (before == after) {
        c.out("Nothing to do: the configuration of " + f.name + " is unchanged.");
        if (c.g.json) c.emit({{"command", "config"}, {"name", f.name}, {"applied", false}});
        return 0;
    }
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        return std::tie(a.package, a.key) < std::tie(b.package, b.key);
    });
    txn::Snapshot next = *snap;
    next.config = rows;
    auto report = txn::apply_change(*root, next, "config",
                                    {{"config", f.name, pkg->version, pkg->version, pkg->repo}},
                                    c.txn_options("config"));
    if (!report) return tl::unexpected(report.error());
    auto missing = runtime::effective_config(*m, rows, f.name).missing;
    if (c.g.json) {
        c.emit({{"command", "config"},
                {"name", f.name},
                {"applied", report->applied},
                {"generation", report->applied ? report->to_generation : report->from_generation},
                {"missing", missing}});
        return 0;
    }
    if (!report->applied) {
        c.out("Dry run: the configuration of " + f.name + " would change; nothing was changed.");
        return 0;
    }
    c.message(txn::Level::Info, "Configuration of " + f.name + " changed: generation " +
                                    std::to_string(report->to_generation) +
                                    " is current (undo with 'nxp rollback').");
    if (!missing.empty())
        c.message(txn::Level::Info, f.name + " stays paused until " + missing.front() + " is set.");
    return 0;
}

}  // namespace

void add_config(CLI::App& app, Context& ctx) {
    auto f = std::make_shared<Flags>();
    auto* cmd = app.add_subcommand("config", "Show or change a plugin's configuration");
    cmd->add_option("name", f->name, "Plugin name")->required();
    cmd->add_option("key", f->key, "Config key");
    // Any value may be a secret (for a plugin whose manifest is not known yet): history masks it.
    ctx.secret_options.insert(
        cmd->add_option("value", f->value, "New value (JSON for numbers, booleans and arrays)"));
    cmd->add_option("--unset", f->unset, "Remove a key's value (its default applies)");
    cmd->add_option("--from-file", f->from_file, "Set keys from a JSON object (null unsets)");
    cmd->add_flag("--edit", f->edit, "Edit the configuration as JSON in $EDITOR");
    cmd->callback([&ctx, f] { ctx.action = [f](Context& c) { return run(c, *f); }; });
}

}  // namespace nxp::cli
