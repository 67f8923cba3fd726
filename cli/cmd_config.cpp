// nxp config NAME [KEY [VALUE]] | --unset KEY | --from-file FILE | --edit: a plugin's
// configuration (DESIGN.md §3). Every change is validated, then made a new generation.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli/context.hpp"
#include "cli/table.hpp"
#include "formats/json_util.hpp"
#include "formats/nearest.hpp"
#include "txn/config_edit.hpp"

namespace nxp::cli {

namespace {

using nlohmann::json;

struct Flags {
    std::string name, key, value;
    std::vector<std::string> unset;
    std::string from_file;
    bool edit = false;
};

Result<std::string> read_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return fail(ErrorKind::NotFound, path, "cannot read");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
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
    // $EDITOR is a shell word list chosen by the operator ("code --wait"), run by the shell as
    // git and crontab do; the path is nxp's own mkstemps name, free of quotes.
    int rc = wrote ? std::system(  // NOLINT(cert-env33-c)
                         (std::string(editor) + " '" + path + "'").c_str())
                   : -1;
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
                            : spec.secret          ? std::string(txn::kMaskedSecret)
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
                     : spec.secret          ? json(std::string(txn::kMaskedSecret))
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

// The changes the flags ask for, in order: KEY VALUE, --unset, --from-file, --edit.
Result<void> edit(txn::ConfigEdit& e, const Flags& f) {
    if (!f.key.empty())
        if (auto r = e.set(f.key, f.value); !r) return r;
    for (const auto& k : f.unset)
        if (auto r = e.unset(k); !r) return r;
    if (!f.from_file.empty()) {
        auto text = read_file(f.from_file);
        if (!text) return tl::unexpected(text.error());
        auto parsed = formats::parse_json(*text, f.from_file);
        if (!parsed) return tl::unexpected(parsed.error());
        if (auto r = e.apply(*parsed, f.from_file); !r) return r;
    }
    if (f.edit) {
        auto doc = edit_doc(e.document());
        if (!doc) return tl::unexpected(doc.error());
        if (auto r = e.apply(*doc, "--edit"); !r) return r;
    }
    return {};
}

Result<int> show(Context& c, const Flags& f, const txn::ConfigEdit& e) {
    formats::Manifest m = e.manifest();
    if (!f.key.empty()) {
        if (!m.config.count(f.key))
            return fail(ErrorKind::NotFound, f.name + ": " + f.key,
                        "no such config key" + formats::did_you_mean_key(f.key, m.config));
        std::erase_if(m.config, [&](const auto& kv) { return kv.first != f.key; });
    }
    return list(c, f.name, m, runtime::effective_config(m, e.rows(), f.name), e.rows());
}

Result<int> run(Context& c, const Flags& f) {
    bool changing = !f.value.empty() || !f.unset.empty() || !f.from_file.empty() || f.edit;
    auto root = c.open_root(changing && !c.g.dry_run ? txn::Access::Write : txn::Access::Read);
    if (!root) return tl::unexpected(root.error());
    auto e = txn::ConfigEdit::open(*root, f.name, c.g.dry_run);
    if (!e) return tl::unexpected(e.error());
    if (!changing) return show(c, f, *e);
    if (auto r = edit(*e, f); !r) return tl::unexpected(r.error());
    if (!e->changed()) {
        c.out("Nothing to do: the configuration of " + f.name + " is unchanged.");
        if (c.g.json) c.emit({{"command", "config"}, {"name", f.name}, {"applied", false}});
        return 0;
    }
    auto opts = c.txn_options(txn::TxnKind::Config, *root);
    if (!opts) return tl::unexpected(opts.error());
    auto report = e->commit(*root, *opts, c);
    if (!report) return tl::unexpected(report.error());
    auto missing = e->effective().missing;
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
        cmd->add_option("value", f->value,
                        "New value (JSON for numbers, booleans and arrays; a secret may be "
                        "{\"env\": NAME} or {\"file\": PATH}, read when the plugin starts)"));
    cmd->add_option("--unset", f->unset, "Remove a key's value (its default applies)");
    cmd->add_option("--from-file", f->from_file, "Set keys from a JSON object (null unsets)");
    cmd->add_flag("--edit", f->edit, "Edit the configuration as JSON in $EDITOR");
    cmd->callback([&ctx, f] { ctx.action = [f](Context& c) { return run(c, *f); }; });
}

}  // namespace nxp::cli
