// nxp repo add | list | remove | push (and `repo build`, in cmd_publish.cpp).
#include <fstream>
#include <sstream>

#include "cli/context.hpp"
#include "cli/table.hpp"
#include "cli/term.hpp"
#include "formats/minisign.hpp"
#include "repo/download.hpp"
#include "repo/oci.hpp"
#include "txn/admin.hpp"
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

namespace add {

struct Flags {
    std::string name, url;
    std::vector<std::string> keys, mirrors;
    int priority = 0;
    std::uint32_t threshold = 1;
    std::string max_age;
};

Result<int> run(Context& c, const Flags& a) {
    if (!formats::is_valid_package_name(a.name))
        return fail(ErrorKind::Usage, "repo add " + a.name,
                    "repository names use [a-z0-9][a-z0-9._-]{0,63}");
    // An unknown scheme is a usage error naming the supported ones, not a network failure.
    if (auto r = repo::check_repository_url(a.url); !r) return tl::unexpected(r.error());
    for (const auto& m : a.mirrors) {
        if (auto r = repo::check_repository_url(m); !r)
            return tl::unexpected(in_context(r.error(), "--mirror"));
    }
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
    auto added = txn::add_repository(*root, row, c.g.offline, txn::now_or_clock(0), c.user());
    if (!added) return tl::unexpected(added.error());
    if (c.g.json)
        c.emit({{"command", "repo add"},
                {"name", row.name},
                {"url", added->shown_url},
                {"index_version", added->index_version},
                {"packages", added->packages}});
    else
        c.out("Added repository " + row.name + " (" + added->shown_url + "): index version " +
              std::to_string(added->index_version) + ", " + std::to_string(added->packages) +
              " package(s).");
    return 0;
}

}  // namespace add

namespace list {

struct Flags {};

Result<int> run(Context& c, const Flags&) {
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

}  // namespace list

namespace remove {

struct Flags {
    std::string name;
};

Result<int> run(Context& c, const Flags& f) {
    const std::string& name = f.name;
    auto root = c.open_root(txn::Access::Write);
    if (!root) return tl::unexpected(root.error());
    if (auto r = txn::remove_repository(*root, name, c.user()); !r)
        return tl::unexpected(r.error());
    if (c.g.json)
        c.emit({{"command", "repo remove"}, {"name", name}});
    else
        c.out("Removed repository " + name + "; installed plugins from it stay installed.");
    return 0;
}

}  // namespace remove

namespace push {

struct Flags {
    std::string dir, url;
};

Result<int> run(Context& c, const Flags& f) {
    if (!repo::oci::is_oci(f.url))
        return fail(ErrorKind::Usage, f.url,
                    "repo push writes to OCI registries: oci://HOST[:PORT]/PATH[:TAG]");
    auto ref = repo::oci::parse_reference(f.url);
    if (!ref) return tl::unexpected(ref.error());
    auto pushed = repo::oci::push_repository(f.dir, f.url, [&c](const repo::oci::PushedBlob& b) {
        c.out((b.skipped ? "  present " : "  pushed  ") + b.name + " (" + std::to_string(b.size) +
              " bytes)");
    });
    if (!pushed) return tl::unexpected(pushed.error());
    std::size_t sent = 0, skipped = 0;
    std::uint64_t bytes = 0;
    nlohmann::json blobs = nlohmann::json::array();
    for (const auto& b : pushed->blobs) {
        if (b.skipped) {
            ++skipped;
        } else {
            ++sent;
            bytes += b.size;
        }
        blobs.push_back(
            {{"name", b.name}, {"digest", b.digest}, {"size", b.size}, {"pushed", !b.skipped}});
    }
    if (c.g.json) {
        c.emit({{"command", "repo push"},
                {"directory", f.dir},
                {"reference", pushed->ref.str()},
                {"registry", pushed->ref.host},
                {"repository", pushed->ref.repository},
                {"tag", pushed->ref.tag},
                {"manifest_digest", pushed->manifest_digest},
                {"manifest_size", pushed->manifest_size},
                {"blobs", blobs},
                {"pushed", sent},
                {"pushed_bytes", bytes},
                {"skipped", skipped}});
    } else {
        c.out("Pushed " + f.dir + " to " + pushed->ref.str() + ": " + std::to_string(sent) +
              " blob(s) sent (" + std::to_string(bytes) + " bytes), " + std::to_string(skipped) +
              " already present; manifest " + pushed->manifest_digest);
    }
    return 0;
}

}  // namespace push

}  // namespace

void add_repo_build(CLI::App& repo, Context& ctx);

void add_repo(CLI::App& app, Context& ctx) {
    auto* repo = app.add_subcommand("repo", "Manage repositories");
    repo->require_subcommand(1);

    auto add_args = std::make_shared<add::Flags>();
    auto* add_cmd = repo->add_subcommand("add", "Add a repository and fetch its index");
    add_cmd->add_option("name", add_args->name, "Local name; must equal the index's repo id")
        ->required();
    add_cmd->add_option("url", add_args->url, "Base URL (file://, http://, https://, oci://)")
        ->required();
    add_cmd->add_option("--key", add_args->keys, "Pinned minisign public key (.pub file or base64)")
        ->required();
    add_cmd->add_option("--mirror", add_args->mirrors, "Mirror base URL, tried in order");
    add_cmd->add_option("--priority", add_args->priority, "Higher wins between repositories");
    add_cmd
        ->add_option("--threshold", add_args->threshold,
                     "Distinct valid signatures the index needs (default 1)")
        ->check(CLI::Range(1, 64));
    add_cmd->add_option("--max-age", add_args->max_age,
                        "Refresh the index before install/update when older (e.g. 6h; default: "
                        "setting repo.max_age, else 24h; 0 never)");
    add_cmd->callback([&ctx, add_args] {
        ctx.action = [add_args](Context& c) { return add::run(c, *add_args); };
    });

    auto* list_cmd = repo->add_subcommand("list", "List repositories");
    list_cmd->callback(
        [&ctx] { ctx.action = [](Context& c) { return list::run(c, list::Flags{}); }; });

    auto remove_flags = std::make_shared<remove::Flags>();
    auto* remove_cmd = repo->add_subcommand("remove", "Remove a repository");
    remove_cmd->add_option("name", remove_flags->name, "Repository name")->required();
    remove_cmd->callback([&ctx, remove_flags] {
        ctx.action = [remove_flags](Context& c) { return remove::run(c, *remove_flags); };
    });

    auto push_flags = std::make_shared<push::Flags>();
    auto* push_cmd = repo->add_subcommand("push", "Push a built repository to an OCI registry");
    push_cmd->add_option("dir", push_flags->dir, "Repository directory (from nxp repo build)")
        ->required();
    push_cmd->add_option("url", push_flags->url, "oci://HOST[:PORT]/PATH[:TAG] (tag: latest)")
        ->required();
    push_cmd->callback([&ctx, push_flags] {
        ctx.action = [push_flags](Context& c) { return push::run(c, *push_flags); };
    });

    add_repo_build(*repo, ctx);
}

}  // namespace nxp::cli
