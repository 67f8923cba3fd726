#!/usr/bin/env node
// A small MCP server: answers initialize and tools/list, and a canned forecast. The JSON-RPC
// plumbing is the mcp-common library's, which this plugin requires: nxp binds that library's
// tree read-only into the sandbox and passes its path as the first argument
// (${deps.mcp-common} in plugin.json; hooks get it as NXP_DEP_MCP_COMMON).
"use strict";
const path = require("path");

const common = process.argv[2] || process.env.NXP_DEP_MCP_COMMON;
if (!common) {
  console.error("weather: no mcp-common directory given (start it with: nxp exec weather)");
  process.exit(1);
}
const { serve, text } = require(path.join(common, "jsonrpc.js"));

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
  "tools/call": (p) => {
    if (p.name !== "forecast") throw new Error(`unknown tool ${p.name}`);
    const city = (p.arguments || {}).city;
    return text(`Forecast for ${city}: mild, ${process.env.WEATHER_UNITS || "metric"} units`);
  },
});
