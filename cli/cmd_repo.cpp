// nxp repo add | list | remove (and `repo build`, in cmd_repo_build.cpp).
#include <fstream>
#include <sstream>

#include "cli/context.hpp"
#include "cli/table.hpp"
#include "cli/term.hpp"
#include "formats/minisign.hpp"
#include "repo/download.hpp"
#include "txn/repos.hpp"

namespace nxp::cli {

namespace {

// --key takes a .pub file or the bare base64 line, as minisign -p / -P do.
Result<std::string> read_key_arg(const std::string& arg) {
    std::string text = arg;
    if (std::filesystem::is_regular_file(arg)) {
        std::ifstream in(arg);
        std::stringstream ss;
        ss << in.rdbuf();
        text = ss.str();
    }
    auto key = formats::parse_public_key(text);
    if (!key) {
        // A malformed command-line argument is a usage error (exit 2).
        Error e = in_context(key.error(), "--key " + arg);
        e.kind = ErrorKind::Usage;
        return tl::unexpected(e);
    }
    return formats::public_key_base64(*key);
}

struct AddArgs {
    std::string name, url;
    std::vector<std::string> keys, mirrors;
    int priority = 0;
    std::uint32_t threshold = 1;
    std::string max_age;
};

Result<int> repo_add(Context& c, const AddArgs& a) {
    if (!formats::is_valid_package_name(a.name))
        return fail(ErrorKind::Usage, "repo add " + a.name,
                    "repository names use [a-z0-9][a-z0-9._-]{0,63}");
    db::RepoRow row;
    row.name = a.name;
    row.url = a.url;
    row.mirrors = a.mirrors;
    row.priority = a.priority;
    row.threshold = a.threshold;
    if (!a.max_age.empty()) {
        if (auto age = repo::parse_max_age(a.max_age); !age)
            return fail(ErrorKind::Usage, "--max-age " + a.max_age, age.error().message);
        row.max_age = a.max_age;
    }
    for (const auto& k : a.keys) {
        auto key = read_key_arg(k);
        if (!key) return tl::unexpected(key.error());
        row.keys.push_back(*key);
    }
    if (a.threshold > row.keys.size())
        return fail(ErrorKind::Usage, "--threshold " + std::to_string(a.threshold),
                    "more than the " + std::to_string(row.keys.size()) + " key(s) given");
    auto root = c.open_root(txn::Access::Write);
    if (!root) return tl::unexpected(root.error());
    if (auto r = root->db().add_repo(row); !r) return tl::unexpected(r.error());
    std::size_t count = 0;
    std::uint64_t version = 0;
    if (!c.g.offline) {
        // Fetch at once so a wrong URL or key is reported now, not at the first install.
        auto index = txn::refresh_repo(*root, row, txn::now_or_clock(0));
        if (!index) {
            (void)root->db().remove_repo(row.name);
            return tl::unexpected(index.error());
        }
        count = index->packages.size();
        version = index->version;
    }
    // A URL may carry credentials (https://user:token@host/): kept in the repository row,
    // where fetching needs them, but in no log and on no screen.
    const std::string shown_url = redact_url_credentials(row.url);
    (void)root->db().audit(c.user(), "repo-add", row.name + " " + shown_url);
    if (c.g.json)
        c.emit({{"command", "repo add"},
                {"name", row.name},
                {"url", shown_url},
                {"index_version", version},
                {"packages", count}});
    else
        c.out("Added repository " + row.name + " (" + shown_url + "): index version " +
              std::to_string(version) + ", " + std::to_string(count) + " package(s).");
    return 0;
}

Result<int> repo_list(Context& c) {
    auto root = c.open_root(txn::Access::Read);
    if (!root) return tl::unexpected(root.error());
    auto rows = root->db().repos();
    if (!rows) return tl::unexpected(rows.error());
    if (c.g.json) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& r : *rows) {
            std::vector<std::string> mirrors;
            for (const auto& m : r.mirrors) mirrors.push_back(redact_url_credentials(m));
            arr.push_back({{"name", r.name},
                           {"url", redact_url_credentials(r.url)},
                           {"mirrors", mirrors},
                           {"keys", r.keys},
                           {"priority", r.priority},
                           {"index_version", r.last_version},
                           {"fetched", r.last_fetched},
                           {"key_version", r.key_version},
                           {"threshold", r.threshold},
                           {"max_age", r.max_age}});
        }
        c.emit({{"command", "repo list"}, {"repositories", arr}});
        return 0;
    }
    if (rows->empty()) {
        c.out("No repositories; add one with 'nxp repo add NAME URL --key KEY'.");
        return 0;
    }
    Table t({"NAME", "URL", "PRIORITY", "INDEX", "KEYS", "MIRRORS"});
    for (const auto& r : *rows)
        t.add({r.name, redact_url_credentials(r.url), std::to_string(r.priority),
               "v" + std::to_string(r.last_version),
               std::to_string(r.threshold) + "/" + std::to_string(r.keys.size()) + " (v" +
                   std::to_string(r.key_version) + ")",
               std::to_string(r.mirrors.size())});
    c.out(t.render());
    return 0;
}

Result<int> repo_remove(Context& c, const std::string& name) {
    auto root = c.open_root(txn::Access::Write);
    if (!root) return tl::unexpected(root.error());
    if (auto r = root->db().remove_repo(name); !r) return tl::unexpected(r.error());
    std::error_code ec;
    std::filesystem::remove_all(root->repo_cache_dir(name), ec);
    (void)root->db().audit(c.user(), "repo-remove", name);
    if (c.g.json)
        c.emit({{"command", "repo remove"}, {"name", name}});
    else
        c.out("Removed repository " + name + "; installed plugins from it stay installed.");
    return 0;
}

}  // namespace

void add_repo_build(CLI::App& repo, Context& ctx);

void add_repo(CLI::App& app, Context& ctx) {
    auto* repo = app.add_subcommand("repo", "Manage repositories");
    repo->require_subcommand(1);

    auto add_args = std::make_shared<AddArgs>();
    auto* add = repo->add_subcommand("add", "Add a repository and fetch its index");
    add->add_option("name", add_args->name, "Local name; must equal the index's repo id")
        ->required();
    add->add_option("url", add_args->url, "Base URL (file://, http://, https://)")->required();
    add->add_option("--key", add_args->keys, "Pinned minisign public key (.pub file or base64)")
        ->required();
    add->add_option("--mirror", add_args->mirrors, "Mirror base URL, tried in order");
    add->add_option("--priority", add_args->priority, "Higher wins between repositories");
    add->add_option("--threshold", add_args->threshold,
                    "Distinct valid signatures the index needs (default 1)")
        ->check(CLI::Range(1, 64));
    add->add_option("--max-age", add_args->max_age,
                    "Refresh the index before install/update when older (e.g. 6h; default: "
                    "setting repo.max_age, else 24h; 0 never)");
    add->callback([&ctx, add_args] {
        ctx.action = [add_args](Context& c) { return repo_add(c, *add_args); };
    });

    auto* list = repo->add_subcommand("list", "List repositories");
    list->callback([&ctx] { ctx.action = repo_list; });

    auto name = std::make_shared<std::string>();
    auto* remove = repo->add_subcommand("remove", "Remove a repository");
    remove->add_option("name", *name, "Repository name")->required();
    remove->callback(
        [&ctx, name] { ctx.action = [name](Context& c) { return repo_remove(c, *name); }; });

    add_repo_build(*repo, ctx);
}

}  // namespace nxp::cli
