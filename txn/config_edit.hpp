#pragma once
// `nxp config`: a plugin's configuration changed as values checked against its manifest
// (DESIGN.md §3). Every change is validated before anything is written; the edited
// configuration becomes a new generation through apply_change.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "db/database.hpp"
#include "formats/error.hpp"
#include "formats/manifest.hpp"
#include "runtime/config.hpp"
#include "runtime/secrets.hpp"
#include "txn/events.hpp"
#include "txn/plugins.hpp"
#include "txn/root.hpp"
#include "txn/transaction.hpp"

namespace nxp::txn {

// What a secret value shows instead of itself; given back unchanged it keeps the secret.
inline constexpr std::string_view kMaskedSecret = "••••";

class ConfigEdit {
  public:
    // The installed plugin `name` (ErrorKind::NotFound when it is not), its manifest and the
    // current generation's configuration. Secret values are sealed as they are set, with
    // ROOT/secret.key (made on first need; with `dry_run`, a missing key is not made and
    // what is sealed is never stored).
    static Result<ConfigEdit> open(Root& root, const std::string& name, bool dry_run = false);

    const std::string& name() const { return name_; }
    const formats::Manifest& manifest() const { return manifest_; }
    const std::vector<db::ConfigRow>& rows() const { return rows_; }  // every plugin's
    // What the plugin would run with: set values, else defaults, and required keys missing.
    runtime::PluginConfig effective() const;

    // KEY to a value typed on a command line: strings and enums stay text; numbers,
    // booleans and arrays parse as JSON (an array also as "a,b,c"); a secret's value may be
    // the reference {"env": NAME} or {"file": PATH}, read when the plugin starts. Errors name
    // the plugin and the key.
    Result<void> set(const std::string& key, const std::string& text);
    // The key's value removed (its default applies).
    Result<void> unset(const std::string& key);
    // {KEY: value|null} (a --from-file or an edited document): null unsets, a secret's
    // kMaskedSecret keeps it, a secret may be a reference (as in set). A secret value is
    // sealed at once; given again unchanged, it changes nothing. `where` names the document
    // in errors.
    Result<void> apply(const nlohmann::json& doc, const std::string& where);
    // The plugin's keys with their values for editing: secrets masked, unset keys null.
    nlohmann::json document() const;

    // Whether the edits change the configuration at all.
    bool changed() const;
    // The edited configuration as the next generation (a "config" step for the plugin).
    Result<TxnReport> commit(Root& root, const TxnOptions& opts, Events& events) const;

  private:
    ConfigEdit() = default;

    std::string name_;
    Snapshot snapshot_;
    db::GenPackage package_;
    formats::Manifest manifest_;
    std::vector<db::ConfigRow> rows_;
    runtime::SecretStore secrets_{""};
};

}  // namespace nxp::txn
