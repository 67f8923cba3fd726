// Running plugin code: hooks and MCP health checks in the plugin's sandbox (DESIGN.md §7).
#include "runtime/run.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>

#include "formats/json_util.hpp"
#include "formats/mcp_tools.hpp"
#include "formats/redact.hpp"
#include "formats/text_util.hpp"
#include "nextchat/catalog.hpp"
#include "os/beneath.hpp"
#include "runtime/mcp_handshake.hpp"

namespace nxp::runtime {
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

// A request id nxp may echo in its answer: JSON-RPC allows strings and numbers.
bool echoable_id(const json& id) {
    return id.is_number() ||
           (id.is_string() && id.get_ref<const std::string&>().size() <= kMaxEchoedId);
}

// Server text for a message: capped, control bytes replaced.
std::string shown(std::string_view text) { return formats::detail::quote(text, 200); }

// The MCP handshake as a line handler: initialize → initialized + tools/list → tools.
struct Handshake {
    std::vector<formats::ToolDef> tools;
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
        auto defs = formats::parse_tools_list(result);
        if (!defs) {
            error = "tools/list answer: " + defs.error().str();
            return;
        }
        tools = std::move(*defs);
        answered = true;
    }
};

// The end of captured output, for a message: secrets redacted first, so that the cut can
// never leave a piece of one.
std::string tail_of(const std::string& captured, const std::vector<std::string>& secrets) {
    const std::string output = formats::redact_secrets(captured, secrets);
    std::string s = output.size() > 400 ? output.substr(output.size() - 400) : output;
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s.empty() ? "" : "; output: " + s;
}

}  // namespace

void trace_sandbox(const sandbox::Profile& profile, const std::vector<std::string>& secrets,
                   const std::string& what, Events& events) {
    if (events.tracing() < 2) return;
    auto argv = sandbox::bwrap_argv(profile);
    if (!argv) {
        events.detail("sandbox", what + ": no command line (" +
                                     formats::redact_secrets(argv.error().str(), secrets) + ")");
        return;
    }
    std::string line;
    for (const auto& a : *argv) {
        const bool plain = !a.empty() && a.find_first_not_of(
                                             "abcdefghijklmnopqrstuvwxyz"
                                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                             "0123456789-_./=:,+@%") == std::string::npos;
        std::string quoted = a;
        if (!plain) {
            quoted = "'";
            for (char c : a) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
            quoted += "'";
        }
        line += (line.empty() ? "" : " ") + quoted;
    }
    events.detail("sandbox", what + ": " + formats::redact_secrets(line, secrets));
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
    events.message(nxp::Level::Info, "Running " + hook_name + " hook of " + p.name + "...");
    const std::string what = p.name + ": " + hook_name + " hook (" + rel + ")";
    trace_sandbox(prof, p.config.secrets, what, events);
    const auto started = std::chrono::steady_clock::now();
    auto r = sandbox::run(prof);
    if (r) {
        std::size_t lines =
            static_cast<std::size_t>(std::count(r->output.begin(), r->output.end(), '\n'));
        if (!r->output.empty() && r->output.back() != '\n') ++lines;
        events.phase(
            "hook",
            what + ": " + r->describe() + ", " + std::to_string(lines) + " line(s) of output",
            std::chrono::steady_clock::now() - started);
    }
    if (!r) return tl::unexpected(in_context(r.error(), what));
    if (!r->sandboxed)
        events.message(nxp::Level::Warning, what + " ran without a sandbox (--allow-unsandboxed)");
    if (r->timed_out || r->output_flood || r->signal != 0 || r->exit_code != 0)
        return fail(
            ErrorKind::Invalid, what,
            r->describe() + tail_of(r->output, p.config.secrets) + "; the transaction was aborted");
    if (!r->output.empty())
        events.message(nxp::Level::Debug, formats::redact_secrets(r->output, p.config.secrets));
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

Result<std::vector<formats::ToolDef>> mcp_health_check(const sandbox::Profile& profile,
                                                       const std::vector<std::string>& secrets) {
    Handshake h;
    json init_params{{"protocolVersion", "2024-11-05"},
                     {"capabilities", json::object()},
                     {"clientInfo", {{"name", "nxp"}, {"version", NXP_VERSION}}}};
    auto r = sandbox::converse(
        profile, rpc(1, "initialize", init_params),
        [&h](const std::string& line, bool& done) { return h.on_line(line, done); });
    if (!r) return tl::unexpected(r.error());
    if (h.answered && h.error.empty()) {
        // A tool's definition is printed and recorded: a server cannot publish a secret
        // through it.
        for (auto& t : h.tools) {
            t.name = formats::redact_secrets(t.name, secrets);
            t.canonical = formats::redact_secrets(t.canonical, secrets);
        }
        return h.tools;
    }
    std::string why = formats::redact_secrets(h.error, secrets);
    if (why.empty()) {
        if (r->timed_out)
            why = "no answer to " + std::string(h.stage == 0 ? "initialize" : "tools/list") +
                  " within " + std::to_string(profile.timeout_s) + " s";
        else if (r->output_flood)
            why = "killed for writing too much output";
        else
            why = "the server " + r->describe() + " before answering tools/list";
    }
    return fail(ErrorKind::Invalid, "", why + tail_of(r->output, secrets));
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
    for (const auto& t : h.tools) out.tools.push_back(t.name);
    out.error = h.error;
    out.answered = h.answered;
    return out;
}

}  // namespace nxp::runtime
