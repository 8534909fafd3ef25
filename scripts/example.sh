#!/usr/bin/env bash
# `npm run example`: builds what is missing and starts the example Nest backend
# (examples/nest-app). Storage is LOCAL under ./data unless STORAGE_TYPE (and the S3 or Azure
# variables of the README) say otherwise. PORT (default 3000) and HOST (default 127.0.0.1) choose
# where it listens; PORT=0 picks a free port. STOWAGE_EXAMPLE_MAIN runs another build of the app
# (scripts/test-nest12.sh: the same sources compiled against NestJS 12).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${STOWAGE_EXAMPLE_NO_BUILD:-}" ]; then  # set by the end-to-end test after its first start
  if ! compgen -G './*.node' >/dev/null; then
    echo "example: no native addon yet, building it (debug, takes a few minutes the first time)" >&2
    npx napi build --platform --no-const-enum --runtime-string-enum >&2
  fi
  echo "example: compiling stowage/nest and the example app" >&2
  npx tsc -p tsconfig.build.json
  npx tsc -p examples/nest-app/tsconfig.json
fi

exec node "${STOWAGE_EXAMPLE_MAIN:-examples/nest-app/dist/main.js}"
