#!/bin/sh
# The post-install hook: runs in the plugin's sandbox once it is installed.
echo "hello-mcp is set up"
