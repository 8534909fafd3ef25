#!/usr/bin/env bash
# Runs the stowage/nest specs (__tests__/nest, the example app's end-to-end test included) against NestJS 12, whose
# packages are ESM-only, under Node 24, with stowage installed from its `npm pack` tarball.
# Installs Node 24 once (scripts/node24.sh) and tests/nest12's deps. Arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

node24_bin=$(dirname "$(bash scripts/node24.sh)")

tarball=$(bash scripts/pack.sh "$repo/tests/nest12/.pack")

cd tests/nest12
export PATH="$node24_bin:$PATH"
echo "test-nest12: node $(node --version), installing NestJS 12 test deps" >&2
npm ci --no-audit --no-fund >&2
npm install --no-save --no-audit --no-fund "$tarball" >&2

# The very same specs as the Nest 11 run, copied so that they resolve tests/nest12/node_modules.
rm -rf specs && mkdir specs
cp "$repo"/__tests__/nest/{drop-in,module,bare-module,disks,http,signed-urls,health,logger,console,example-app}.spec.ts \
  "$repo"/__tests__/nest/{helpers,http-helpers}.ts specs/

# The example app, compiled against NestJS 12; its end-to-end spec starts it through
# scripts/example.sh (STOWAGE_EXAMPLE_MAIN) from the repo (STOWAGE_REPO).
rm -rf example/src example/dist && cp -r "$repo"/examples/nest-app/src example/src
node "$repo"/node_modules/typescript/bin/tsc -p example/tsconfig.json
export STOWAGE_REPO="$repo" STOWAGE_EXAMPLE_MAIN="$PWD/example/dist/main.js" STOWAGE_EXAMPLE_NO_BUILD=1

node --import reflect-metadata esm-smoke.mjs
exec node node_modules/jest/bin/jest.js "$@"
