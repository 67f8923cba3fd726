#include "txn/nextchat_version.hpp"

#include "nextchat/version.hpp"

namespace nxp::txn {

namespace fs = std::filesystem;

namespace {

Result<std::string> setting_or_empty(const db::Database& db, const char* key) {
    auto v = db.setting(key);
    if (!v) return tl::unexpected(v.error());
    return v->value_or("");
}

Result<void> store(db::Database& db, const NextchatVersion& v) {
    if (auto r = db.set_setting("nextchat.version", v.version); !r) return r;
    return db.set_setting("nextchat.version_source", v.source);
}

std::string shown_source(const NextchatVersion& v) {
    if (v.source == kExplicitVersion) return "set explicitly";
    if (v.source.empty()) return "source not recorded";
    return "from " + (fs::path(v.dir) / v.source).string();
}

}  // namespace

Result<NextchatVersion> recorded_nextchat_version(const db::Database& db) {
    NextchatVersion out;
    auto version = setting_or_empty(db, "nextchat.version");
    if (!version) return tl::unexpected(version.error());
    auto source = db.setting("nextchat.version_source");
    if (!source) return tl::unexpected(source.error());
    auto dir = setting_or_empty(db, "nextchat.dir");
    if (!dir) return tl::unexpected(dir.error());
    out.version = *version;
    out.dir = *dir;
    out.source = source->value_or("");
    if (!*source && !out.version.empty()) {
        // From an nxp before version_source: with no directory it can only have been given.
        if (out.dir.empty())
            out.source = kExplicitVersion;
        else
            out.legacy = true;
    }
    return out;
}

std::string nextchat_version_command(const std::string& dir) {
    return "nxp nextchat set " + (dir.empty() ? std::string("DIR") : dir) + " --nextchat-version V";
}

std::string unknown_nextchat_version(const std::string& dir) {
    return "the NextChat version is unknown" +
           (dir.empty() ? std::string()
                        : " (nothing in " + dir +
                              " names it: src-tauri/tauri.conf.json, package.json or the .next "
                              "build output)") +
           "; plugins that require nextchat cannot be installed until it is set: " +
           nextchat_version_command(dir);
}

Result<NextchatVersion> record_nextchat_version(db::Database& db, const fs::path& dir,
                                                const std::string& explicit_version) {
    NextchatVersion out;
    out.dir = dir.string();
    if (!explicit_version.empty() && explicit_version != "detect") {
        auto v = nextchat::parse_nextchat_version(explicit_version);
        if (!v)
            return fail(ErrorKind::Usage, "--nextchat-version " + explicit_version,
                        v.error().message + " (expected a version such as 2.16.0)");
        out.version = v->str();
        out.source = kExplicitVersion;
        if (auto r = store(db, out); !r) return tl::unexpected(r.error());
        return out;
    }
    if (explicit_version.empty()) {
        auto recorded = recorded_nextchat_version(db);
        if (!recorded) return tl::unexpected(recorded.error());
        if (recorded->source == kExplicitVersion &&
            (recorded->dir.empty() || recorded->dir == out.dir)) {
            recorded->dir = out.dir;
            return *recorded;  // given by the operator; only they change it
        }
    }
    auto found = nextchat::detect_nextchat_version(dir);
    if (!found) {
        Error e = found.error();
        e.message += " (NextChat's version; give it with --nextchat-version V instead)";
        return tl::unexpected(std::move(e));
    }
    if (*found) {
        out.version = (*found)->version.str();
        out.source = (*found)->source;
    }
    if (auto r = store(db, out); !r) return tl::unexpected(r.error());
    return out;
}

Result<VersionCheck> check_nextchat_version(const db::Database& db) {
    VersionCheck out;
    auto recorded = recorded_nextchat_version(db);
    if (!recorded) return tl::unexpected(recorded.error());
    out.recorded = *recorded;
    out.now = *recorded;
    if (recorded->dir.empty() || recorded->source == kExplicitVersion) return out;
    auto found = nextchat::detect_nextchat_version(recorded->dir);
    if (!found) {
        out.problem =
            "cannot detect NextChat's version: " + found.error().str() +
            (recorded->version.empty()
                 ? std::string()
                 : "; " + recorded->version + " (" + shown_source(*recorded) + ") stays recorded");
        return out;
    }
    if (!*found) {
        if (!recorded->version.empty())
            out.problem = "nothing in " + recorded->dir + " names NextChat's version any more; " +
                          recorded->version + " (" + shown_source(*recorded) +
                          ") stays recorded until " + nextchat_version_command(recorded->dir);
        return out;
    }
    const std::string detected = (*found)->version.str();
    if (recorded->legacy && detected != recorded->version) {
        out.problem = "NextChat in " + recorded->dir + " names " + detected + " (" +
                      (*found)->source + ") but " + recorded->version +
                      " is recorded, by an earlier nxp that did not say whether it was given or "
                      "detected; it stays until 'nxp nextchat set " +
                      recorded->dir + " --nextchat-version detect' (or --nextchat-version " +
                      recorded->version + " to keep it)";
        return out;
    }
    out.now.version = detected;
    out.now.source = (*found)->source;
    out.now.legacy = false;
    return out;
}

Result<NextchatVersion> redetect_nextchat_version(Root& root, Events& events, bool record) {
    auto check = check_nextchat_version(root.db());
    if (!check) return tl::unexpected(check.error());
    if (!check->problem.empty()) events.message(Level::Warning, check->problem);
    const auto& was = check->recorded;
    const auto& now = check->now;
    if (now.version == was.version && now.source == was.source) return now;
    if (record)
        if (auto r = store(root.db(), now); !r) return tl::unexpected(r.error());
    if (now.version != was.version)
        events.message(Level::Info, "NextChat is now " + now.version + " (was " +
                                        (was.version.empty() ? "unknown" : was.version) + ", " +
                                        shown_source(now) +
                                        (record ? ")" : "; not recorded: --dry-run)"));
    return now;
}

std::string nextchat_unknown_hint(const std::string& dir) {
    return "the NextChat version is unknown; set it with '" + nextchat_version_command(dir) + "'";
}

void provide_nextchat_version(resolver::Universe& u, const NextchatVersion& v) {
    std::erase_if(u.host, [](const resolver::HostProvide& h) { return h.name == "nextchat"; });
    u.host_hints.erase("nextchat");
    auto parsed = formats::parse_partial_version(v.version);
    if (!v.version.empty() && parsed)
        u.host.push_back({"nextchat", *parsed});
    else
        u.host_hints["nextchat"] = nextchat_unknown_hint(v.dir);
}

}  // namespace nxp::txn
