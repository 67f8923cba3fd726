#!/usr/bin/env node
// A small MCP server: answers initialize and tools/list, and a canned forecast.
"use strict";
// Newline-delimited JSON-RPC 2.0 over stdio, as MCP's stdio transport speaks it. Kept in
// this file: in nxp's sandbox a plugin sees only its own tree.
const readline = require("readline");
function serve(handlers) {
  const rl = readline.createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    let msg;
    try { msg = JSON.parse(line); } catch { return; }
    if (msg.id === undefined) return; // a notification
    const handler = handlers[msg.method];
    const reply = handler
      ? { jsonrpc: "2.0", id: msg.id, result: handler(msg.params || {}) }
      : { jsonrpc: "2.0", id: msg.id, error: { code: -32601, message: "method not found" } };
    process.stdout.write(JSON.stringify(reply) + "\n");
  });
}

serve({
  initialize: () => ({
    protocolVersion: "2024-11-05",
    capabilities: { tools: {} },
    serverInfo: { name: "weather", version: "1.2.0" },
  }),
  "tools/list": () => ({
    tools: [{
      name: "forecast",
      description: "Forecast for a city",
      inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    }],
  }),
  "tools/call": (p) => ({
    content: [{ type: "text", text: `Forecast for ${(p.arguments || {}).city}: mild, ${process.env.WEATHER_UNITS || "metric"} units` }],
  }),
});
