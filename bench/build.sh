#!/usr/bin/env bash
# Release build of the addon for the benchmark, into bench/.build (git-ignored), from a snapshot of
# HEAD: an edit in progress in the work tree neither breaks nor taints it, and the repo root's
# index.js, index.d.ts and .node stay as they are. The commit measured goes to .build/commit.txt.
# CARGO_TARGET_DIR defaults to bench/.build/target (the first build compiles every dependency).
set -euo pipefail
bench="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$bench/.." && pwd)"
rev="${1:-HEAD}"
src="$(mktemp -d)"
trap 'rm -rf "$src"' EXIT
# -m: the files get the extraction time, not the commit's. Cargo judges path crates (the workspace,
# vendor/object_store) by mtime, so a snapshot older than the last build would otherwise be taken
# as already built, and the previous commit's code linked.
git -C "$repo" archive "$rev" | tar -x -m -C "$src"
ln -s "$repo/node_modules" "$src/node_modules"
mkdir -p "$bench/.build"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$bench/.build/target}"
(cd "$src" && "$repo/node_modules/.bin/napi" build --platform --release --no-const-enum \
  --runtime-string-enum --output-dir "$bench/.build/out")
cp "$bench/.build/out/"*.node "$bench/.build/out/index.d.ts" "$bench/.build/"
# The hand-written layer of the same commit, which the addon calls (bench/impls/stowage.js loads it);
# a commit from before lib/ existed has none and needs none.
rm -rf "$bench/.build/lib"
if [ -d "$src/lib" ]; then cp -r "$src/lib" "$bench/.build/lib"; fi
git -C "$repo" rev-parse --short "$rev" > "$bench/.build/commit.txt"
echo "bench/.build: $(ls "$bench/.build/"*.node) from $(cat "$bench/.build/commit.txt")"
