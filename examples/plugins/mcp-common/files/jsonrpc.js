// Newline-delimited JSON-RPC 2.0 over stdio, as MCP's stdio transport speaks it: the shared
// plumbing of the example MCP servers. A plugin that requires mcp-common finds this tree
// read-only in its sandbox at ${deps.mcp-common} (NXP_DEP_MCP_COMMON for hooks) and loads
// it with require(PATH + "/jsonrpc.js").
"use strict";
const readline = require("readline");

function errorReply(id, code, message) {
  return { jsonrpc: "2.0", id, error: { code, message } };
}

// Answers each request with handlers[method](params); a method without a handler gets
// JSON-RPC's "method not found", a handler that throws an internal error naming it.
function serve(handlers) {
  const rl = readline.createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    let msg;
    try { msg = JSON.parse(line); } catch { return; }
    if (msg === null || typeof msg !== "object" || msg.id === undefined) return; // a notification
    const handler = msg.method === "ping" ? () => ({}) : handlers[msg.method];
    let reply;
    if (!handler) {
      reply = errorReply(msg.id, -32601, `method not found: ${msg.method}`);
    } else {
      try {
        reply = { jsonrpc: "2.0", id: msg.id, result: handler(msg.params || {}) };
      } catch (e) {
        reply = errorReply(msg.id, -32603, `${msg.method} failed: ${e.message}`);
      }
    }
    process.stdout.write(JSON.stringify(reply) + "\n");
  });
}

// A tools/call result holding one text block.
function text(t) {
  return { content: [{ type: "text", text: String(t) }] };
}

module.exports = { serve, text };
