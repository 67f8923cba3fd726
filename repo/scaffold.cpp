#include "repo/scaffold.hpp"

#include <nlohmann/json.hpp>

namespace nxp::repo {
namespace {

using json = nlohmann::ordered_json;

// A dependency-free MCP server: newline-delimited JSON-RPC 2.0 over stdio, as MCP's stdio
// transport speaks it. Kept in one file: in nxp's sandbox a plugin sees only its own tree.
constexpr const char* kServerJs = R"JS(#!/usr/bin/env node
// An MCP server over stdio with one tool, "hello". Add tools to `tools` and `call`.
"use strict";
const readline = require("readline");

const tools = [{
  name: "hello",
  description: "Greets someone by name",
  inputSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
}];

function call(name, args) {
  if (name === "hello") return `Hello, ${args.name}!`;
  throw new Error(`unknown tool ${name}`);
}

const handlers = {
  initialize: () => ({
    protocolVersion: "2024-11-05",
    capabilities: { tools: {} },
    serverInfo: { name: "@NAME@", version: "0.1.0" },
  }),
  "tools/list": () => ({ tools }),
  "tools/call": (p) => ({ content: [{ type: "text", text: call(p.name, p.arguments || {}) }] }),
  ping: () => ({}),
};

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  let msg;
  try { msg = JSON.parse(line); } catch { return; }
  if (msg.id === undefined) return; // a notification
  let reply;
  try {
    const handler = handlers[msg.method];
    reply = handler
      ? { jsonrpc: "2.0", id: msg.id, result: handler(msg.params || {}) }
      : { jsonrpc: "2.0", id: msg.id, error: { code: -32601, message: "method not found" } };
  } catch (e) {
    reply = { jsonrpc: "2.0", id: msg.id, error: { code: -32603, message: String(e.message) } };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
)JS";

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
        s.replace(pos, from.size(), to);
    return s;
}

json base_manifest(const std::string& name, const std::string& kind, const std::string& summary) {
    return {{"name", name},       {"version", "0.1.0"},       {"kind", kind},
            {"summary", summary}, {"license", "MIT"},         {"publisher", ""},
            {"homepage", ""},     {"requires", json::array()}};
}

std::vector<ScaffoldFile> mcp_server(const std::string& name) {
    json m = base_manifest(name, "mcp-server", "An MCP server with a hello tool");
    m["requires"] = {"nextchat >= " + default_nextchat_requirement("mcp-server").minimum,
                     "node-runtime >= 18"};
    m["mcp"] = {{"command", "node"}, {"args", {"${plugin_dir}/server.js"}}};
    m["config"] = json::object();
    m["permissions"] = json::object();
    m["check"] = {{"mcp", true}, {"timeout", 10}};
    return {{"plugin.json", m.dump(2) + "\n"},
            {"files/server.js", replace_all(kServerJs, "@NAME@", name), true}};
}

std::vector<ScaffoldFile> mask(const std::string& name) {
    json m = base_manifest(name, "mask", "A NextChat mask");
    m["requires"] = {"nextchat >= " + default_nextchat_requirement("mask").minimum};
    json mask = {
        {"avatar", "1f916"},
        {"name", name},
        {"context",
         {{{"role", "system"},
           {"content", "You are a helpful assistant. Describe the role of this mask here."}}}},
        {"modelConfig", {{"model", "gpt-4o-mini"}, {"temperature", 0.5}}},
        {"lang", "en"},
        {"builtin", false}};
    return {{"plugin.json", m.dump(2) + "\n"}, {"files/mask.json", mask.dump(2) + "\n"}};
}

std::vector<ScaffoldFile> prompts(const std::string& name) {
    json m = base_manifest(name, "prompts", "A NextChat prompt pack");
    m["requires"] = {"nextchat >= " + default_nextchat_requirement("prompts").minimum};
    // json::array: a braced list of string pairs would otherwise become an object.
    json p = {
        {"en",
         json::array(
             {json::array({"Summarise", "Summarise the following text in five bullet points."}),
              json::array({"Proofread", "Correct spelling and grammar in the following text."})})}};
    return {{"plugin.json", m.dump(2) + "\n"}, {"files/prompts.json", p.dump(2) + "\n"}};
}

}  // namespace

NextchatDefault default_nextchat_requirement(const std::string& kind) {
    if (kind == "mcp-server") return {"2.15", "NextChat runs MCP servers from 2.15 on"};
    return {"2.10", "a floor for NextChat's public/" +
                        std::string(kind == "prompts" ? "prompts" : "masks") + ".json"};
}

Result<std::vector<ScaffoldFile>> scaffold(const std::string& name, const std::string& kind) {
    std::vector<ScaffoldFile> files;
    if (kind == "mcp-server")
        files = mcp_server(name);
    else if (kind == "mask")
        files = mask(name);
    else if (kind == "prompts")
        files = prompts(name);
    else
        return fail(ErrorKind::Usage, "--kind",
                    "must be mcp-server, mask or prompts, not \"" + kind + "\"");
    // The manifest must be one nxp accepts: the name is the only input that can break it.
    auto m = formats::parse_manifest(files.front().text);
    if (!m) return tl::unexpected(in_context(m.error(), "plugin.json"));
    return files;
}

}  // namespace nxp::repo
