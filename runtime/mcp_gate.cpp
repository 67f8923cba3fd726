// The MCP-aware relay's logic (runtime/mcp_gate.hpp): one parse per line, lines that need no
// change passed as the bytes that came, only tools/list answers rewritten.
#include "runtime/mcp_gate.hpp"

#include <algorithm>

#include "formats/json_util.hpp"
#include "formats/redact.hpp"
#include "formats/text_util.hpp"

namespace nxp::runtime {

namespace {

using formats::detail::member;
using nlohmann::json;

constexpr std::size_t kMaxCancelled = 256;  // late answers to cancelled requests, dropped
// JSON-RPC 2.0's codes.
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kInvalidParams = -32602;  // what MCP answers for an unknown tool
constexpr int kInternalError = -32603;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Untrusted text in a message or event: capped, control bytes replaced.
std::string shown(std::string_view s, std::size_t cap = 120) {
    return formats::detail::quote(s, cap);
}

std::string error_line(const std::string& id_json, int code, const std::string& message) {
    return R"({"jsonrpc":"2.0","id":)" + id_json + R"(,"error":)" +
           dump(json{{"code", code}, {"message", message}}) + "}\n";
}

bool blank(std::string_view line) {
    return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// The server's lines that are JSON-RPC messages start with '{' (a '[' batch is refused);
// anything else is text such as a log line the server printed on stdout.
// Whether a line of the server's stdout is meant as a JSON message. A log line that merely
// starts with a bracket ("[MCP] ready", "[INFO] started") cannot be a JSON array
// (no JSON value starts with that character), so it is a log line like any other: JSON.parse
// in the client rejects it as well, and no reading of it differs between nxp and the client.
bool looks_like_json(std::string_view line) {
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return false;
    if (line[first] == '{') return true;
    if (line[first] != '[') return false;
    auto next = line.find_first_not_of(" \t\r", first + 1);
    if (next == std::string_view::npos) return true;
    const char c = line[next];
    return c == '{' || c == '[' || c == ']' || c == '"' || c == '-' || c == 't' || c == 'f' ||
           c == 'n' || (c >= '0' && c <= '9');
}

std::string with_newline(std::string_view line) {
    std::string s;
    s.reserve(line.size() + 1);
    s.append(line);
    s.push_back('\n');
    return s;
}

const char* type_name(const json& j) {
    switch (j.type()) {
        case json::value_t::array:
            return "an array";
        case json::value_t::string:
            return "a string";
        case json::value_t::boolean:
            return "a boolean";
        case json::value_t::null:
            return "null";
        case json::value_t::object:
            return "an object";
        default:
            return "a number";
    }
}

}  // namespace

McpGate::McpGate(ToolPolicy policy, GateLimits limits)
    : policy_(std::move(policy)), limits_(limits) {
    for (const auto& t : policy_.pins) pins_.emplace(t.name, t.canonical);
}

std::string McpGate::plugin() const {
    return policy_.plugin.empty() ? std::string("NAME") : policy_.plugin;
}

// Why a tools/call of `name` is answered by nxp instead of the server, or "".
std::string McpGate::refusal(const std::string& name) const {
    const std::string tool = "tool " + shown(name);
    if (policy_.hidden.count(name)) {
        std::string bare = shown(name);
        bare = bare.substr(1, bare.size() - 2);
        return tool + " is hidden by the operator (nxp tools " + plugin() + " --enable " + bare +
               ")";
    }
    if (policy_.allow_unpinned) return {};
    if (!pins_.count(name))
        return tool + " is withheld: " +
               (policy_.pinned ? "it was not among the tools pinned for " + plugin()
                               : "no tool definitions are pinned for " + plugin()) +
               " (nxp tools " + plugin() + " --allow-unpinned lets it through)";
    if (withheld_.count(name)) return tool + " is withheld: its definition is not the one pinned";
    return {};
}

void McpGate::answer_all(GateOutput& out, int code, const std::string& message) {
    for (const auto& [id, pending] : pending_) out.to_client += error_line(id, code, message);
    pending_.clear();
}

GateOutput McpGate::end_session(const GateEvent& event, const std::string& message) {
    GateOutput out;
    if (closed_) return out;
    out.events.push_back(event);
    answer_all(out, kInternalError, message);
    out.close = true;
    closed_ = true;
    return out;
}

GateOutput McpGate::protocol_error(const std::string& what) {
    return end_session({"protocol", "", what}, "the MCP server " + plugin() +
                                                   " broke the protocol (" + what +
                                                   "); nxp closed the session");
}

GateOutput McpGate::from_client(std::string_view line) {
    GateOutput out;
    if (closed_ || blank(line)) return out;
    unsolicited_ = 0;
    auto parsed = formats::parse_json(line, "", {limits_.max_depth, true});
    if (!parsed) {
        out.to_client = error_line("null", kParseError, "Parse error: " + parsed.error().message);
        return out;
    }
    const json& msg = *parsed;
    if (!msg.is_object()) {
        out.to_client = error_line("null", kInvalidRequest,
                                   "Invalid Request: nxp relays one JSON-RPC object a line, not " +
                                       std::string(type_name(msg)));
        return out;
    }
    const json* method = member(msg, "method");
    const json* id = member(msg, "id");
    if (method && method->is_string() && id) {
        if (!id->is_string() && !id->is_number()) {
            out.to_client = error_line("null", kInvalidRequest,
                                       "Invalid Request: an id must be a string or a number");
            return out;
        }
        std::string key = dump(*id);
        if (key.size() > limits_.max_id) {
            out.to_client = error_line(
                "null", kInvalidRequest,
                "Invalid Request: an id of more than " + std::to_string(limits_.max_id) + " bytes");
            return out;
        }
        if (pending_.size() >= limits_.max_pending && !pending_.count(key)) {
            out.to_client =
                error_line(key, kInternalError,
                           "nxp exec " + plugin() + ": " + std::to_string(limits_.max_pending) +
                               " requests are already waiting for the server");
            return out;
        }
        const auto& m = method->get_ref<const std::string&>();
        if (m == "tools/call") {
            const json* params = member(msg, "params");
            const json* name = params && params->is_object() ? member(*params, "name") : nullptr;
            if (name && name->is_string()) {
                const auto& n = name->get_ref<const std::string&>();
                if (std::string why = refusal(n); !why.empty()) {
                    out.to_client = error_line(key, kInvalidParams, why);
                    out.events.push_back({"hidden-call", n, why});
                    return out;
                }
            }
        }
        pending_[key].tools_list = m == "tools/list";
    } else if (method && method->is_string() && *method == "notifications/cancelled") {
        const json* params = member(msg, "params");
        const json* req = params && params->is_object() ? member(*params, "requestId") : nullptr;
        if (req && pending_.erase(dump(*req))) {
            cancelled_.push_back(dump(*req));
            if (cancelled_.size() > kMaxCancelled) cancelled_.pop_front();
        }
    }
    out.to_server = with_newline(line);
    return out;
}

GateOutput McpGate::client_line_too_long() {
    GateOutput out;
    if (!closed_)
        out.to_client = error_line("null", kInvalidRequest,
                                   "Invalid Request: a line of more than " +
                                       std::to_string(limits_.max_line) + " bytes; dropped");
    return out;
}

GateOutput McpGate::from_server(std::string_view line) {
    if (closed_) return {};
    if (++unsolicited_ > limits_.max_unsolicited)
        return protocol_error("it flooded: more than " + std::to_string(limits_.max_unsolicited) +
                              " lines in a row without answering a request");
    GateOutput out;
    if (blank(line)) return out;
    if (!looks_like_json(line)) {  // a log line: the client skips it as it would without nxp
        out.to_client = with_newline(line);
        return out;
    }
    auto parsed = formats::parse_json(line, "", {limits_.max_depth, true});
    if (!parsed) return protocol_error(parsed.error().message);
    const json& msg = *parsed;
    if (!msg.is_object())
        return protocol_error("a message must be a JSON object, not " +
                              std::string(type_name(msg)));
    if (const json* method = member(msg, "method")) {
        if (!method->is_string()) return protocol_error("a method that is not a string");
        out.to_client = with_newline(line);  // its requests and notifications pass unchanged
        return out;
    }
    const json* id = member(msg, "id");
    const bool has_result = member(msg, "result") != nullptr;
    const bool has_error = member(msg, "error") != nullptr;
    if (!id || has_result == has_error)
        return protocol_error("a message that is neither a request, a notification nor an answer");
    if (id->is_null() && has_error) {  // its answer to a message it could not read
        out.to_client = with_newline(line);
        return out;
    }
    if (!id->is_string() && !id->is_number())
        return protocol_error("an answer whose id is " + std::string(type_name(*id)));
    std::string key = dump(*id);
    auto it = pending_.find(key);
    if (it == pending_.end()) {
        if (std::find(cancelled_.begin(), cancelled_.end(), key) != cancelled_.end()) return out;
        return protocol_error("an answer to no request of NextChat (id " + shown(key, 64) + ")");
    }
    unsolicited_ = 0;
    if (it->second.tools_list && has_result) {
        out = answer_tools_list(msg, line);  // a broken answer fails this request too
        if (!out.close) pending_.erase(key);
        return out;
    }
    pending_.erase(it);
    out.to_client = with_newline(line);
    return out;
}

// A tools/list answer: each tool that is hidden, not the pinned definition, not pinned, invalid
// or listed twice is taken out (and logged, but for hidden ones); the answer is written anew
// only when something was taken out.
GateOutput McpGate::answer_tools_list(const json& msg, std::string_view line) {
    const json& result = msg["result"];
    const json* tools = result.is_object() ? member(result, "tools") : nullptr;
    if (!tools || !tools->is_array())
        return protocol_error("a tools/list answer whose result.tools is not an array");
    std::map<std::string, std::size_t> count;
    for (const json& t : *tools) {
        const json* n = t.is_object() ? member(t, "name") : nullptr;
        if (n && n->is_string()) ++count[n->get<std::string>()];
    }
    GateOutput out;
    std::vector<bool> keep(tools->size(), true);
    for (std::size_t i = 0; i < tools->size(); ++i) {
        const json& t = (*tools)[i];
        const json* n = t.is_object() ? member(t, "name") : nullptr;
        const std::string name = n && n->is_string() ? n->get<std::string>() : std::string();
        const bool pinned = pins_.count(name) > 0;
        std::string why;
        auto def = formats::canonical_tool(t, formats::detail::at("tools", i));
        if (!def) {
            why = "its definition is invalid: " + def.error().str();
        } else if (count[name] > 1) {
            why = "it is listed " + std::to_string(count[name]) + " times";
        } else if (policy_.hidden.count(name)) {
            keep[i] = false;  // the operator's choice: not news
            continue;
        } else {
            auto pin = pins_.find(name);
            std::string canonical = policy_.secrets.empty()
                                        ? def->canonical
                                        : formats::redact_secrets(def->canonical, policy_.secrets);
            if (pin != pins_.end() && (pin->second.empty() || pin->second == canonical)) {
                withheld_.erase(name);
                continue;
            }
            why = pin != pins_.end() ? "its definition is not the one pinned"
                  : policy_.pinned   ? "it was not among the tools pinned for " + plugin()
                                     : "no tool definitions are pinned for " + plugin();
            if (policy_.allow_unpinned) {
                out.events.push_back({"unpinned-allowed", name, why});
                continue;
            }
        }
        keep[i] = false;
        if (pinned) withheld_.insert(name);
        out.events.push_back({"withheld", name, why});
    }
    if (out.events.size() > limits_.max_events) {
        std::size_t more = out.events.size() - limits_.max_events;
        out.events.resize(limits_.max_events);
        out.events.push_back({"withheld", "", "and " + std::to_string(more) + " more tools"});
    }
    if (std::all_of(keep.begin(), keep.end(), [](bool k) { return k; })) {
        out.to_client = with_newline(line);
        return out;
    }
    json answer = msg;
    json kept = json::array();
    for (std::size_t i = 0; i < tools->size(); ++i) {
        if (keep[i]) kept.push_back((*tools)[i]);
    }
    answer["result"]["tools"] = std::move(kept);
    out.to_client = dump(answer) + "\n";
    return out;
}

GateOutput McpGate::server_line_too_long() {
    return protocol_error("a line of more than " + std::to_string(limits_.max_line) + " bytes");
}

GateOutput McpGate::server_gone(const std::string& why) {
    if (closed_) return {};
    if (pending_.empty()) {
        closed_ = true;
        GateOutput out;
        out.close = true;
        return out;
    }
    const std::string n = std::to_string(pending_.size());
    return end_session({"ended", "", "the server " + why + " with " + n + " request(s) unanswered"},
                       "the MCP server " + plugin() + " " + why + " before answering");
}

}  // namespace nxp::runtime
