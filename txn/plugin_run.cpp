// Running plugin code on a staged generation: hooks and MCP health checks (DESIGN.md §7).
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <map>

#include "formats/json_util.hpp"
#include "formats/text_util.hpp"
#include "os/beneath.hpp"
#include "txn/mcp_handshake.hpp"
#include "txn/nextchat_check.hpp"
#include "txn/plugins.hpp"
#include "txn/transaction.hpp"

namespace nxp::txn {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string rpc(int id, const std::string& method, json params) {
    json j{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
    return j.dump() + "\n";
}

// What a server says is outside data: nothing it sends is echoed back or kept unbounded.
constexpr std::size_t kMaxJsonDepth = 64;  // tools/list answers need about 10 levels
constexpr std::size_t kMaxEchoedId = 256;  // bytes of a request id nxp answers
constexpr std::size_t kMaxToolName = 128;  // MCP's own limit for tool names

// A request id nxp may echo in its answer: JSON-RPC allows strings and numbers.
bool echoable_id(const json& id) {
    return id.is_number() ||
           (id.is_string() && id.get_ref<const std::string&>().size() <= kMaxEchoedId);
}

// Server text for a message: capped, control bytes replaced.
std::string shown(std::string_view text) { return formats::detail::quote(text, 200); }

// The MCP handshake as a line handler: initialize → initialized + tools/list → tools.
struct Handshake {
    std::vector<std::string> tools;
    std::string error;
    bool answered = false;
    int stage = 0;  // 0 waiting for initialize's answer, 1 for tools/list's

    std::string on_line(const std::string& line, bool& done) {
        auto first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos || line[first] != '{') return {};  // a log line; not ours
        auto parsed = formats::parse_json(line, "", {kMaxJsonDepth, false});
        if (!parsed) {
            error = "invalid JSON-RPC message from the server: " + parsed.error().message;
            done = true;
            return {};
        }
        const json& msg = *parsed;
        if (msg.contains("method")) {
            // A request from the server (ping, roots/list…): answer it, keep going. An id
            // nxp would not echo (an object, a megabyte of text) gets no answer.
            if (!msg.contains("id") || !echoable_id(msg["id"])) return {};
            json reply{{"jsonrpc", "2.0"}, {"id", msg["id"]}};
            if (msg["method"] == "ping")
                reply["result"] = json::object();
            else
                reply["error"] = {{"code", -32601}, {"message", "method not found"}};
            return reply.dump() + "\n";
        }
        if (!msg.contains("id") || !msg["id"].is_number_integer()) return {};
        int id = msg["id"].get<int>();
        if (msg.contains("error")) {
            const json& e = msg["error"];
            bool has_text = e.is_object() && e.contains("message") && e["message"].is_string();
            error = (id == 1 ? "initialize" : "tools/list") + std::string(" failed: ") +
                    shown(has_text ? e["message"].get_ref<const std::string&>()
                                   : e.dump(-1, ' ', false, json::error_handler_t::replace));
            done = true;
            return {};
        }
        if (msg.value("jsonrpc", "") != "2.0" || !msg.contains("result")) {
            error = "invalid JSON-RPC 2.0 answer: " + shown(line);
            done = true;
            return {};
        }
        if (id == 1 && stage == 0) {
            stage = 1;
            return json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}.dump() + "\n" +
                   rpc(2, "tools/list", json::object());
        }
        if (id == 2 && stage == 1) {
            done = true;
            read_tools(msg["result"]);
        }
        return {};
    }

    void read_tools(const json& result) {
        if (!result.is_object() || !result.contains("tools") || !result["tools"].is_array()) {
            error = "tools/list answer has no tools array";
            return;
        }
        for (const auto& t : result["tools"]) {
            if (!t.is_object() || !t.contains("name") || !t["name"].is_string()) {
                error = "tools/list answer holds a tool without a name";
                return;
            }
            const auto& name = t["name"].get_ref<const std::string&>();
            bool control = std::any_of(name.begin(), name.end(), [](char c) {
                return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
            });
            if (name.empty() || name.size() > kMaxToolName || control) {
                error = "tools/list answer holds an invalid tool name " + shown(name) + " (1 to " +
                        std::to_string(kMaxToolName) + " characters, no control characters)";
                return;
            }
            tools.push_back(name);
        }
        answered = true;
    }
};

std::string tail_of(const std::string& output) {
    std::string s = output.size() > 400 ? output.substr(output.size() - 400) : output;
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s.empty() ? "" : "; output: " + s;
}

Result<void> run_hook(const Plugin& p, const std::string& hook_name, const std::string& rel,
                      const RunPolicy& policy, Events& events) {
    if (rel.empty()) return {};
    fs::path script = p.plugin_dir / rel;
    auto prof = plugin_profile(p, policy.allow_unsandboxed);
    prof.timeout_s = policy.hook_timeout_s;
    prof.max_processes = 64;
    // The hook is a file of the plugin's own tree: looked up beneath it, never through a
    // link leading out of it (nxp, not the sandbox, does this lookup).
    const std::string hook_what = p.name + ": " + hook_name + " hook (" + rel + ")";
    auto tree = os::open_directory(p.plugin_dir);
    if (!tree) return tl::unexpected(in_context(tree.error(), hook_what));
    auto hook = os::open_beneath(tree->get(), rel, O_PATH, hook_what);
    if (!hook)
        return fail(hook.error().kind, hook_what,
                    hook.error().message + "; the transaction was aborted");
    struct stat st {};
    if (::fstat(hook->get(), &st) != 0 || !S_ISREG(st.st_mode))
        return fail(ErrorKind::Invalid, hook_what,
                    "not a regular file; the transaction was aborted");
    bool executable = (st.st_mode & S_IXUSR) != 0;
    prof.argv = executable ? std::vector<std::string>{script.string()}
                           : std::vector<std::string>{"/bin/sh", script.string()};
    events.message(Level::Info, "Running " + hook_name + " hook of " + p.name + "...");
    const std::string what = p.name + ": " + hook_name + " hook (" + rel + ")";
    auto r = sandbox::run(prof);
    if (!r) return tl::unexpected(in_context(r.error(), what));
    if (!r->sandboxed)
        events.message(Level::Warning, what + " ran without a sandbox (--allow-unsandboxed)");
    if (r->timed_out || r->output_flood || r->signal != 0 || r->exit_code != 0)
        return fail(ErrorKind::Invalid, what,
                    r->describe() + tail_of(r->output) + "; the transaction was aborted");
    if (!r->output.empty()) events.message(Level::Debug, r->output);
    return {};
}

// A mask or prompt pack NextChat could not read would only fail after the switch, when
// NextChat's lists are merged: check it on the staged generation instead.
Result<void> check_catalog(const Plugin& p) {
    using nextchat::Catalog;
    if (p.manifest.kind != formats::Kind::Mask && p.manifest.kind != formats::Kind::Prompts)
        return {};
    auto kind = p.manifest.kind == formats::Kind::Mask ? Catalog::Masks : Catalog::Prompts;
    if (auto r = nextchat::check_catalog_plugin(kind, p.plugin_dir); !r)
        return fail(ErrorKind::Invalid, p.name, r.error().str() + "; the transaction was aborted");
    return {};
}

}  // namespace

Result<std::vector<std::string>> mcp_health_check(const sandbox::Profile& profile) {
    Handshake h;
    json init_params{{"protocolVersion", "2024-11-05"},
                     {"capabilities", json::object()},
                     {"clientInfo", {{"name", "nxp"}, {"version", NXP_VERSION}}}};
    auto r = sandbox::converse(
        profile, rpc(1, "initialize", init_params),
        [&h](const std::string& line, bool& done) { return h.on_line(line, done); });
    if (!r) return tl::unexpected(r.error());
    if (h.answered && h.error.empty()) return h.tools;
    std::string why = h.error;
    if (why.empty()) {
        if (r->timed_out)
            why = "no answer to " + std::string(h.stage == 0 ? "initialize" : "tools/list") +
                  " within " + std::to_string(profile.timeout_s) + " s";
        else if (r->output_flood)
            why = "killed for writing too much output";
        else
            why = "the server " + r->describe() + " before answering tools/list";
    }
    return fail(ErrorKind::Invalid, "", why + tail_of(r->output));
}

Result<void> run_plugin_code(Root& root, const Intent& intent, const TxnReport& report,
                             const RunPolicy& policy, Events& events) {
    // First, while nothing has run: a plugin that would take over a NextChat entry nxp did
    // not create, or NextChat files reached through a symlink, refuse the transaction.
    if (auto r = check_nextchat_before_switch(root, intent); !r) return r;
    auto old_packages = root.db().generation_packages(report.from_generation);
    if (!old_packages) return tl::unexpected(old_packages.error());
    auto old_config = root.db().generation_config(report.from_generation);
    if (!old_config) return tl::unexpected(old_config.error());
    std::map<std::string, const db::GenPackage*> old_by_name, new_by_name;
    for (const auto& p : *old_packages) old_by_name[p.name] = &p;
    for (const auto& p : intent.packages) new_by_name[p.name] = &p;
    auto find = [](const std::map<std::string, const db::GenPackage*>& m, const std::string& name) {
        auto it = m.find(name);
        return it == m.end() ? nullptr : it->second;
    };
    // Only the manifest is read for a plugin with nothing to run or check (a library
    // without hooks): loading the whole plugin (paths, configuration, grants) for each of
    // 1,000 plugins took 0.4 s of a 1.4 s install (measured), for nothing.
    auto has_work = [](const formats::Manifest& m, const std::string& action) {
        if (action == "remove") return !m.hooks.pre_remove.empty();
        if (action == "install" && !m.hooks.post_install.empty()) return true;
        if ((action == "upgrade" || action == "downgrade" || action == "reinstall") &&
            !m.hooks.post_upgrade.empty())
            return true;
        return m.kind == formats::Kind::Mask || m.kind == formats::Kind::Prompts ||
               (m.check.mcp && m.mcp);
    };
    for (const auto& step : intent.steps) {
        const std::string& a = step.action;
        if (a != "remove" && a != "install" && a != "upgrade" && a != "downgrade" &&
            a != "reinstall" && a != "config" && a != "enable")
            continue;
        const auto* pkg = find(a == "remove" ? old_by_name : new_by_name, step.name);
        if (!pkg) continue;
        auto manifest = installed_manifest(root, pkg->store_path);
        if (!manifest) return tl::unexpected(manifest.error());
        if (!has_work(*manifest, a)) continue;
        if (a == "remove") {
            auto p = load_plugin(root, *pkg, *old_config);
            if (!p) return tl::unexpected(p.error());
            if (auto r = run_hook(*p, "pre-remove", p->manifest.hooks.pre_remove, policy, events);
                !r)
                return r;
            continue;
        }
        auto p = load_plugin(root, *pkg, intent.config);
        if (!p) return tl::unexpected(p.error());
        if (a == "install") {
            if (auto r =
                    run_hook(*p, "post-install", p->manifest.hooks.post_install, policy, events);
                !r)
                return r;
        } else if (a == "upgrade" || a == "downgrade" || a == "reinstall") {
            if (auto r =
                    run_hook(*p, "post-upgrade", p->manifest.hooks.post_upgrade, policy, events);
                !r)
                return r;
        }
        if (auto r = check_catalog(*p); !r) return r;
        if (!p->manifest.check.mcp || !p->manifest.mcp || !pkg->enabled ||
            !p->config.missing.empty())
            continue;
        auto prof = plugin_profile(*p, policy.allow_unsandboxed);
        prof.argv = mcp_argv(*p);
        prof.timeout_s = p->manifest.check.timeout;
        events.message(Level::Info, "Checking MCP server " + p->name + "...");
        auto tools = mcp_health_check(prof);
        if (!tools)
            return fail(ErrorKind::Invalid, p->name + ": MCP health check",
                        tools.error().str() + "; the transaction was aborted");
        if (auto r = root.db().set_tools(p->name, pkg->version, json(*tools).dump(),
                                         static_cast<std::int64_t>(std::time(nullptr)));
            !r)
            return r;
        std::string names;
        for (const auto& t : *tools) names += (names.empty() ? "" : ", ") + t;
        events.message(Level::Info, p->name + " answers with " + std::to_string(tools->size()) +
                                        " tool(s): " + names);
    }
    return {};
}

HandshakeReplay replay_mcp_handshake(const std::vector<std::string>& lines) {
    Handshake h;
    HandshakeReplay out;
    bool done = false;
    for (const auto& line : lines) {
        if (done) break;
        out.replies.push_back(h.on_line(line, done));
        ++out.lines_read;
    }
    out.tools = h.tools;
    out.error = h.error;
    out.answered = h.answered;
    return out;
}

}  // namespace nxp::txn
