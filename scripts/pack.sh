#!/usr/bin/env bash
# Usage: bash scripts/pack.sh DEST_DIR
# Builds what is missing (the addon, in debug, when no *.node exists; dist/nest always) and runs
# `npm pack` into DEST_DIR. Prints the tarball's absolute path on stdout, everything else on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=$1
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

if ! compgen -G './*.node' >/dev/null; then
  echo "pack: no native addon yet, building it (debug)" >&2
  npx napi build --platform --no-const-enum --runtime-string-enum >&2
fi
rm -rf dist/nest  # no stale files from renamed sources in the tarball
npx tsc -p tsconfig.build.json >&2
rm -f "$dest"/stowage-*.tgz
name=$(npm pack --pack-destination "$dest" --silent | tail -n 1)
echo "$dest/$name"
