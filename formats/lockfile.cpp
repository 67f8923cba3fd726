#include "formats/lockfile.hpp"

#include <algorithm>
#include <set>

#include "formats/constraint.hpp"
#include "formats/json_util.hpp"
#include "formats/minisign.hpp"
#include "formats/text_util.hpp"

namespace nxp::formats {
namespace {

using detail::at;
using detail::dot;
using detail::invalid;
using detail::json;
using detail::member;

constexpr std::size_t kMaxDepth = 16;

Result<std::string> required_string(const json& obj, const std::string& field, std::string_view key,
                                    std::size_t max = 4096) {
    const json* v = member(obj, key);
    if (!v) return invalid(dot(field, key), "required field is missing");
    return detail::get_string(*v, dot(field, key), max);
}

Result<std::vector<std::string>> strings(const json& obj, const std::string& field,
                                         std::string_view key) {
    std::vector<std::string> out;
    const json* v = member(obj, key);
    if (!v) return out;
    // Lockfiles have always said "an array" where manifests say "array".
    if (!v->is_array()) return invalid(dot(field, key), "expected an array of strings");
    return detail::get_strings(*v, dot(field, key), 4096);
}

bool is_sha256(std::string_view s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return detail::is_digit(c) || (c >= 'a' && c <= 'f');
           });
}

Result<LockRepo> parse_repo(const json& v, const std::string& field) {
    if (!v.is_object()) return invalid(field, "expected an object");
    if (auto ok = detail::reject_unknown_keys(v, field, {"name", "url", "keys", "mirrors"}); !ok)
        return tl::unexpected(ok.error());
    LockRepo r;
    auto name = required_string(v, field, "name", 64);
    if (!name) return tl::unexpected(name.error());
    if (!is_valid_package_name(*name))
        return invalid(dot(field, "name"), "not a valid repository name");
    r.name = *name;
    auto url = required_string(v, field, "url");
    if (!url) return tl::unexpected(url.error());
    r.url = *url;
    auto keys = strings(v, field, "keys");
    if (!keys) return tl::unexpected(keys.error());
    for (std::size_t i = 0; i < keys->size(); ++i) {
        auto key = parse_public_key((*keys)[i]);
        if (!key) return tl::unexpected(in_context(key.error(), at(dot(field, "keys"), i)));
        r.keys.push_back(public_key_base64(*key));
    }
    auto mirrors = strings(v, field, "mirrors");
    if (!mirrors) return tl::unexpected(mirrors.error());
    r.mirrors = std::move(*mirrors);
    return r;
}

Result<LockPackage> parse_package(const json& v, const std::string& field) {
    if (!v.is_object()) return invalid(field, "expected an object");
    if (auto ok = detail::reject_unknown_keys(
            v, field, {"name", "version", "repo", "path", "url", "sha256", "size", "reason"});
        !ok)
        return tl::unexpected(ok.error());
    LockPackage p;
    auto name = required_string(v, field, "name", 64);
    if (!name) return tl::unexpected(name.error());
    if (!is_valid_package_name(*name))
        return invalid(dot(field, "name"), "not a valid package name");
    p.name = *name;
    auto version = required_string(v, field, "version", 256);
    if (!version) return tl::unexpected(version.error());
    auto parsed = parse_version(*version);
    if (!parsed) return tl::unexpected(in_context(parsed.error(), dot(field, "version")));
    p.version = *parsed;
    auto repo = required_string(v, field, "repo", 64);
    if (!repo) return tl::unexpected(repo.error());
    p.repo = *repo;
    auto path = required_string(v, field, "path");
    if (!path) return tl::unexpected(path.error());
    if (auto why = detail::relative_path_problem(*path); !why.empty())
        return invalid(dot(field, "path"), std::string(why));
    p.path = *path;
    if (const json* u = member(v, "url")) {
        auto url = detail::get_string(*u, dot(field, "url"), 8192);
        if (!url) return tl::unexpected(url.error());
        p.url = *url;
    }
    auto sha = required_string(v, field, "sha256", 64);
    if (!sha) return tl::unexpected(sha.error());
    if (!is_sha256(*sha)) return invalid(dot(field, "sha256"), "expected 64 lowercase hex digits");
    p.sha256 = *sha;
    const json* size = member(v, "size");
    if (!size) return invalid(dot(field, "size"), "required field is missing");
    auto n = detail::get_int(*size, dot(field, "size"));
    if (!n) return tl::unexpected(n.error());
    if (*n <= 0) return invalid(dot(field, "size"), "must be positive");
    p.size = static_cast<std::uint64_t>(*n);
    if (const json* r = member(v, "reason")) {
        auto reason = detail::get_string(*r, dot(field, "reason"), 16);
        if (!reason) return tl::unexpected(reason.error());
        if (*reason != "explicit" && *reason != "dependency")
            return invalid(dot(field, "reason"), "expected \"explicit\" or \"dependency\"");
        p.reason = *reason;
    }
    return p;
}

}  // namespace

Result<Lockfile> parse_lockfile(std::string_view json_text) {
    auto parsed = detail::parse_json_text(json_text, kMaxDepth);
    if (!parsed) return tl::unexpected(parsed.error());
    const json& doc = *parsed;
    if (!doc.is_object()) return invalid("", "expected a JSON object");
    if (auto ok = detail::reject_unknown_keys(doc, "", {"format", "repositories", "packages"}); !ok)
        return tl::unexpected(ok.error());
    Lockfile lock;
    const json* format = member(doc, "format");
    if (!format) return invalid("format", "required field is missing (1)");
    auto f = detail::get_int(*format, "format");
    if (!f) return tl::unexpected(f.error());
    if (*f != 1)
        return invalid("format",
                       "unsupported format " + std::to_string(*f) + " (this nxp reads 1)");
    std::set<std::string> repo_names;
    if (const json* repos = member(doc, "repositories")) {
        if (!repos->is_array()) return invalid("repositories", "expected an array");
        for (std::size_t i = 0; i < repos->size(); ++i) {
            auto r = parse_repo((*repos)[i], at("repositories", i));
            if (!r) return tl::unexpected(r.error());
            if (!repo_names.insert(r->name).second)
                return invalid(at("repositories", i) + ".name", "duplicate repository " + r->name);
            lock.repos.push_back(std::move(*r));
        }
    }
    const json* packages = member(doc, "packages");
    if (!packages) return invalid("packages", "required field is missing");
    if (!packages->is_array()) return invalid("packages", "expected an array");
    std::set<std::string> names;
    for (std::size_t i = 0; i < packages->size(); ++i) {
        std::string field = at("packages", i);
        auto p = parse_package((*packages)[i], field);
        if (!p) return tl::unexpected(p.error());
        if (!names.insert(p->name).second)
            return invalid(field + ".name", "duplicate package " + p->name);
        if (!repo_names.count(p->repo))
            return invalid(field + ".repo",
                           "names repository " + p->repo + ", which \"repositories\" lacks");
        lock.packages.push_back(std::move(*p));
    }
    return lock;
}

std::string write_lockfile(const Lockfile& lock) {
    auto repos = lock.repos;
    std::sort(repos.begin(), repos.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    auto packages = lock.packages;
    std::sort(packages.begin(), packages.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    // nlohmann's object keeps keys sorted, which gives the fixed order.
    json doc{{"format", lock.format}, {"repositories", json::array()}, {"packages", json::array()}};
    for (const auto& r : repos)
        doc["repositories"].push_back(
            {{"name", r.name}, {"url", r.url}, {"keys", r.keys}, {"mirrors", r.mirrors}});
    for (const auto& p : packages)
        doc["packages"].push_back({{"name", p.name},
                                   {"version", p.version.str()},
                                   {"repo", p.repo},
                                   {"path", p.path},
                                   {"url", p.url},
                                   {"sha256", p.sha256},
                                   {"size", p.size},
                                   {"reason", p.reason}});
    return doc.dump(2) + "\n";
}

}  // namespace nxp::formats
