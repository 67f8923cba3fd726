// A Streamable HTTP MCP server made with the MCP TypeScript SDK (McpServer +
// StreamableHTTPServerTransport), stateful (a session per initialize), on 127.0.0.1, for
// test_remote_mcp_sdk.sh. It requires "Authorization: Bearer TOKEN" and prints its port.
// Usage: node remote_sdk_server.mjs TOKEN   (NODE_PATH-free: run from the npm prefix)
import { randomUUID } from "node:crypto";
import http from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

const token = process.argv[2];
const transports = {};

function makeServer() {
  const server = new McpServer({ name: "sdk-remote", version: "1.0.0" });
  server.tool("add", "Adds two numbers", { a: z.number(), b: z.number() },
    async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }));
  server.tool("shout", "Upper-cases a text", { text: z.string() },
    async ({ text }) => ({ content: [{ type: "text", text: text.toUpperCase() }] }));
  return server;
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString()));
  });
}

const httpServer = http.createServer(async (req, res) => {
  if (req.headers.authorization !== `Bearer ${token}`) {
    res.writeHead(401).end("unauthorized");
    return;
  }
  const sid = req.headers["mcp-session-id"];
  const body = req.method === "POST" ? JSON.parse(await readBody(req)) : undefined;
  let transport = sid ? transports[sid] : undefined;
  if (!transport) {
    if (sid || req.method !== "POST" || !isInitializeRequest(body)) {
      res.writeHead(sid ? 404 : 400).end("no session");
      return;
    }
    transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => { transports[id] = transport; },
    });
    transport.onclose = () => { if (transport.sessionId) delete transports[transport.sessionId]; };
    await makeServer().connect(transport);
  }
  await transport.handleRequest(req, res, body);
});
httpServer.listen(0, "127.0.0.1", () => console.log(httpServer.address().port));
