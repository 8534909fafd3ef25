#!/usr/bin/env bash
# Usage: bash scripts/pack.sh DEST_DIR
# Builds the release addon for this machine (scripts/build-release.sh: on Linux glibc, against
# glibc 2.17) and stowage/nest, then runs `npm pack` into DEST_DIR; npm's prepack
# (scripts/check-binary.js) refuses the tarball unless the .node is a stripped release build within
# the glibc floor. Prints the tarball's absolute path on stdout, everything else on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=$1
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

# STOWAGE_PACK_SKIP_BUILD=1: the caller has just built it (npm test); prepack still checks it.
# (napi build relinks the addon each time, minutes with LTO, even when nothing changed.)
if [ -z "${STOWAGE_PACK_SKIP_BUILD:-}" ]; then
  bash scripts/build-release.sh >&2
fi
rm -rf dist/nest  # no stale files from renamed sources in the tarball
npx tsc -p tsconfig.build.json >&2
rm -f "$dest"/stowage-*.tgz
name=$(npm pack --pack-destination "$dest" --silent | tail -n 1)
echo "$dest/$name"
