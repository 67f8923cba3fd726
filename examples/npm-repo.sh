#!/usr/bin/env bash
# Builds a signed nxp repository of 20 real MCP servers published on npm, each imported
# with `nxp import npm` (production dependencies vendored, install scripts disabled),
# given the permissions it needs, packed and signed. Not run in CI: it downloads ~200 MB.
#
#   examples/npm-repo.sh [OUT]        (default OUT: ./npm-repo)
#
# OUT/public is the repository to upload; OUT/publisher.pub the key users pin:
#   nxp repo add npm-mcp https://HOST/PATH --key publisher.pub
set -euo pipefail
NXP=${NXP:-nxp}
OUT=${1:-npm-repo}
mkdir -p "$OUT/plugins" "$OUT/packages"
[ -f "$OUT/publisher.key" ] || "$NXP" key generate -o "$OUT/publisher" >/dev/null

# npm package@version | plugin permissions (JSON) | import options
# Versions are pinned so the repository is reproducible. Servers that cannot start without
# an API key or a database are imported with --no-check (no health check at install).
SERVERS='
@modelcontextprotocol/server-memory@2026.8.31|{"filesystem":[{"path":"${state_dir}","access":"read-write"}],"env":["MEMORY_FILE_PATH"]}|
@modelcontextprotocol/server-sequential-thinking@2026.8.31|{"env":["DISABLE_THOUGHT_LOGGING"]}|
@modelcontextprotocol/server-everything@2026.8.31|{"env":["PORT"]}|
@modelcontextprotocol/server-filesystem@2026.8.31|{"filesystem":[{"path":"${state_dir}","access":"read-write"}]}|--no-check
@modelcontextprotocol/server-github@2025.4.8|{"network":["api.github.com"],"env":["GITHUB_PERSONAL_ACCESS_TOKEN"]}|
@modelcontextprotocol/server-brave-search@0.6.2|{"network":["api.search.brave.com"],"env":["BRAVE_API_KEY"]}|--no-check
@modelcontextprotocol/server-slack@2025.4.25|{"network":["slack.com"],"env":["SLACK_BOT_TOKEN","SLACK_TEAM_ID"]}|--no-check
@modelcontextprotocol/server-google-maps@0.6.2|{"network":["maps.googleapis.com"],"env":["GOOGLE_MAPS_API_KEY"]}|--no-check
@modelcontextprotocol/server-postgres@0.6.2|{"network":["localhost:5432"]}|--no-check
@modelcontextprotocol/server-redis@2025.4.25|{"network":["localhost:6379"]}|--no-check
@modelcontextprotocol/server-gitlab@2025.4.25|{"network":["gitlab.com"],"env":["GITLAB_PERSONAL_ACCESS_TOKEN","GITLAB_API_URL"]}|--no-check
@modelcontextprotocol/server-everart@0.6.2|{"network":["api.everart.ai"],"env":["EVERART_API_KEY"]}|--no-check
@modelcontextprotocol/server-aws-kb-retrieval@0.6.2|{"network":["bedrock-agent-runtime.us-east-1.amazonaws.com"],"env":["AWS_ACCESS_KEY_ID","AWS_SECRET_ACCESS_KEY","AWS_REGION"]}|--no-check
@modelcontextprotocol/server-gdrive@2025.1.14|{"network":["www.googleapis.com","oauth2.googleapis.com"],"env":["GDRIVE_CREDENTIALS_PATH"]}|--no-check
@upstash/context7-mcp@4.1.1|{"network":["context7.com"]}|
firecrawl-mcp@3.26.0|{"network":["api.firecrawl.dev"],"env":["FIRECRAWL_API_KEY"]}|--no-check
@notionhq/notion-mcp-server@2.5.2|{"network":["api.notion.com"],"env":["NOTION_TOKEN"]}|--no-check
tavily-mcp@0.2.22|{"network":["api.tavily.com"],"env":["TAVILY_API_KEY"]}|--no-check
exa-mcp-server@3.4.1|{"network":["api.exa.ai"],"env":["EXA_API_KEY"]}|--no-check
mcp-server-kubernetes@4.1.7|{"network":["localhost:6443"],"env":["KUBECONFIG"]}|--no-check
@kimtaeyoon83/mcp-server-youtube-transcript@0.1.1|{"network":["www.youtube.com"]}|
'
count=0
while IFS='|' read -r spec perms opts; do
    [ -n "$spec" ] || continue
    pkg=${spec%@*}
    dir=$OUT/plugins/$(basename "$pkg")
    if [ ! -f "$dir/plugin.json" ]; then
        rm -rf "$dir"
        # shellcheck disable=SC2086
        "$NXP" import npm "$spec" -o "$dir" $opts
    fi
    # What the importer leaves to the publisher: the permissions this server needs.
    jq --argjson p "$perms" '.permissions = $p' "$dir/plugin.json" >"$dir/plugin.json.new"
    mv "$dir/plugin.json.new" "$dir/plugin.json"
    "$NXP" lint "$dir"
    "$NXP" pack "$dir" -o "$OUT/packages/" >/dev/null
    count=$((count + 1))
done <<<"$SERVERS"
"$NXP" repo build "$OUT/public" "$OUT"/packages/*.nxp --key "$OUT/publisher.key" --id npm-mcp --expires-days 90
echo "Built $OUT/public with $count MCP servers from npm; users pin $OUT/publisher.pub."
