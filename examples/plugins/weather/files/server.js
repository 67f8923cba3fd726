#!/usr/bin/env node
// A small MCP server: answers initialize and tools/list, and a canned forecast.
"use strict";
const path = require("path");
const { serve } = require(path.join(__dirname, "..", "mcp-common", "jsonrpc.js"));

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
