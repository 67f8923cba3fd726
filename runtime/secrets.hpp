#pragma once
// Secret config values sealed at rest (issue 15, DESIGN.md §7): a secret row's value_json
// is a libsodium secretbox (formats/sealed.hpp) under ROOT/secret.key, a 32-byte key file
// kept apart from nxp.db (mode 0400, made on first need, never in the database, a bundle, a
// lockfile or history), opened only when a plugin's code starts. A secret may also be a
// reference, {"env": NAME} or {"file": PATH}, read then.
#include <array>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "formats/desired.hpp"
#include "formats/error.hpp"
#include "formats/manifest.hpp"

namespace nxp::runtime {

// ROOT/secret.key.
std::filesystem::path secret_key_path(const std::filesystem::path& root_dir);

class SecretStore {
  public:
    // Create: the key file is made when something is first sealed. Ephemeral (a dry run):
    // an existing key file is used, a missing one is replaced by a key that lives only in
    // memory, so that nothing is written; what it seals is never stored.
    enum class Mode { Create, Ephemeral };

    explicit SecretStore(std::filesystem::path root_dir, Mode mode = Mode::Create);
    SecretStore(const SecretStore&) = default;
    SecretStore(SecretStore&&) noexcept = default;
    SecretStore& operator=(const SecretStore&) = default;
    SecretStore& operator=(SecretStore&&) noexcept = default;
    ~SecretStore();

    const std::filesystem::path& key_path() const { return key_path_; }

    // The value_json of plugin `package`'s key `key` sealed (a new random nonce each time).
    Result<std::string> seal(const std::string& package, const std::string& key,
                             const std::string& value_json);
    // A secret row sealed in place (others and sealed ones are left alone): it takes the
    // sealed text of the row of `previous` with the same plugin and key when that holds the
    // same value, so that giving a secret again changes nothing.
    Result<void> seal_row(db::ConfigRow& row, const std::vector<db::ConfigRow>& previous = {});
    // The plain value_json of a stored one; a plain one (an older nxp's) passes through.
    // Errors name the plugin, the key, the key file and what to do.
    Result<std::string> open(const std::string& package, const std::string& key,
                             const std::string& value_json) const;

  private:
    using Key = std::array<unsigned char, 32>;
    Result<Key> key(bool create) const;

    std::filesystem::path key_path_;
    Mode mode_;
    mutable std::optional<Key> key_;  // read once
};

// Issue 15's migration for the root at `root_dir`: db::Database::seal_plain_secrets with
// its key (made only if something needs sealing). Returns how many values were sealed.
Result<int> seal_stored_secrets(db::Database& db, const std::filesystem::path& root_dir);

// A config value that is a reference: {"env": NAME} or {"file": ABSOLUTE-PATH}.
std::optional<formats::DesiredValue> as_reference(const nlohmann::json& value);

// A reference read now: the variable of nxp's environment, or the file (at most 1 MiB, one
// trailing newline dropped). Errors name `ref.field` and the reference.
Result<std::string> read_reference(const formats::DesiredValue& ref);

// The value text read from a variable or a file stands for: strings and enums as they are,
// other types parsed as JSON (text that is not JSON stays text; validation names the rule).
nlohmann::json value_from_text(const formats::ConfigKey* spec, const std::string& text,
                               const std::string& field);

}  // namespace nxp::runtime
