#!/usr/bin/env node
// An MCP server over stdio (newline-delimited JSON-RPC 2.0) with two tools.
"use strict";
const readline = require("readline");

const tools = [
  {
    name: "hello",
    description: "Greets someone by name",
    inputSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
  },
  {
    name: "add",
    description: "Adds two numbers",
    inputSchema: {
      type: "object",
      properties: { a: { type: "number" }, b: { type: "number" } },
      required: ["a", "b"],
    },
  },
];

function call(name, args) {
  if (name === "hello") return `Hello, ${args.name}!`;
  if (name === "add") return String(Number(args.a) + Number(args.b));
  throw new Error(`unknown tool ${name}`);
}

const handlers = {
  initialize: () => ({
    protocolVersion: "2024-11-05",
    capabilities: { tools: {} },
    serverInfo: { name: "hello-mcp", version: "1.0.0" },
  }),
  "tools/list": () => ({ tools }),
  "tools/call": (p) => ({ content: [{ type: "text", text: call(p.name, p.arguments || {}) }] }),
  ping: () => ({}),
};

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  let msg;
  try { msg = JSON.parse(line); } catch { return; }
  if (msg.id === undefined) return;
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
