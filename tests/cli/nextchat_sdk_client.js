// NextChat's MCP start-up, with NextChat's own client library: reads app/mcp/mcp_config.json
// from the current directory as app/mcp/actions.ts does (CONFIG_PATH = cwd +
// app/mcp/mcp_config.json; every server whose status is not "paused"), and for each creates
// the client as app/mcp/client.ts does: new StdioClientTransport({command, args, env:
// {...process.env, ...config.env}}), new Client({name: `nextchat-mcp-client-${id}`, version:
// "1.0.0"}, {capabilities: {}}), client.connect, client.listTools, and tools/call through
// client.request(request, z.any()) (client.ts's executeRequest); then client.close().
//
// usage: node nextchat_sdk_client.js SDK_PREFIX NXP [COMMAND...]
//   SDK_PREFIX: the directory whose node_modules holds @modelcontextprotocol/sdk (and zod);
//   NXP: only entries whose command is this binary (or one of the COMMANDs, such as the
//   launcher /nxp/nxp-launch that `nextchat set --launcher` writes) are started (the fixture's
//   other entries, such as `npx -y @modelcontextprotocol/server-filesystem`, would fetch from
//   the network).
// Prints one JSON line per server: {id, tools, call, exit_ms}; exits non-zero on any failure.
"use strict";
const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

const [sdkPrefix, nxp, ...others] = process.argv.slice(2);
const commands = [nxp, ...others];
const sdkRequire = createRequire(path.join(path.resolve(sdkPrefix), "package.json"));
const { Client } = sdkRequire("@modelcontextprotocol/sdk/client/index.js");
const { StdioClientTransport } = sdkRequire("@modelcontextprotocol/sdk/client/stdio.js");
const { z } = sdkRequire("zod");

const CONFIG_PATH = path.join(process.cwd(), "app/mcp/mcp_config.json");

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}

async function waitExit(pid, limitMs) {
  const t0 = Date.now();
  while (alive(pid)) {
    if (Date.now() - t0 > limitMs) return -1;
    await new Promise((r) => setTimeout(r, 2));
  }
  return Date.now() - t0;
}

// client.ts createClient, stdio branch.
async function createClient(id, config) {
  const transport = new StdioClientTransport({
    command: config.command,
    args: config.args,
    env: {
      ...Object.fromEntries(
        Object.entries(process.env)
          .filter(([_, v]) => v !== undefined)
          .map(([k, v]) => [k, v]),
      ),
      ...(config.env || {}),
    },
  });
  const client = new Client({ name: `nextchat-mcp-client-${id}`, version: "1.0.0" },
                            { capabilities: {} });
  await client.connect(transport);
  return { client, transport };
}

function textOf(result) {
  return (result.content || []).filter((c) => c.type === "text").map((c) => c.text).join("\n");
}

async function main() {
  const config = JSON.parse(fs.readFileSync(CONFIG_PATH, "utf-8"));
  let started = 0;
  for (const [id, serverConfig] of Object.entries(config.mcpServers)) {
    if (serverConfig.status === "paused") continue;
    if (!commands.includes(serverConfig.command)) continue;
    started++;
    const { client, transport } = await createClient(id, serverConfig);
    const pid = transport._process.pid;  // private in 1.11.4; read only to check the exit
    const tools = await client.listTools();
    const names = tools.tools.map((t) => t.name);
    // What NextChat sends when the model calls a tool (executeMcpAction → executeRequest).
    const marker = `nxp-sdk-test-${process.pid}`;
    const created = await client.request(
      { method: "tools/call",
        params: { name: "create_entities",
                  arguments: { entities: [{ name: marker, entityType: "test",
                                            observations: ["written through nxp exec"] }] } } },
      z.any());
    if (created.isError) throw new Error(`${id}: create_entities failed: ${textOf(created)}`);
    const graph = await client.request(
      { method: "tools/call", params: { name: "read_graph", arguments: {} } }, z.any());
    const graphText = textOf(graph);
    if (!graphText.includes(marker))
      throw new Error(`${id}: read_graph does not show the entity just created: ${graphText}`);
    await client.close();  // client.ts removeClient
    const exitMs = await waitExit(pid, 5000);
    console.log(JSON.stringify({ id, tools: names, call: graphText.length, exit_ms: exitMs }));
    if (exitMs < 0) throw new Error(`${id}: nxp exec (pid ${pid}) still running 5 s after close`);
  }
  if (started === 0) throw new Error(`no server in ${CONFIG_PATH} runs ${commands.join(" or ")}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`FAIL: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  },
);
