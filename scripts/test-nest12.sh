#!/usr/bin/env bash
# Runs the stowage/nest specs (__tests__/nest: drop-in, module, bare-module, logger) against NestJS 12, whose
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
cp "$repo"/__tests__/nest/{drop-in,module,bare-module,disks,http,signed-urls,health,logger,console}.spec.ts "$repo"/__tests__/nest/{helpers,http-helpers}.ts specs/
node --import reflect-metadata esm-smoke.mjs
exec node node_modules/jest/bin/jest.js "$@"
