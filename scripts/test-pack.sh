#!/usr/bin/env bash
# Packs stowage with `npm pack`, installs the tarball into a fresh temporary Nest 11 project with
# no Rust toolchain on PATH, and runs a spec there that injects StorageService and writes, reads
# and lists a file; also imports stowage/nest from a plain ES module.
# KEEP_PACK_PROJECT=1 keeps the temporary project for a look.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

work=$(mktemp -d "${TMPDIR:-/tmp}/stowage-pack-XXXXXX")
if [ -z "${KEEP_PACK_PROJECT:-}" ]; then trap 'rm -rf "$work"' EXIT; fi
tarball=$(bash scripts/pack.sh "$work")
echo "test-pack: $(basename "$tarball") is $(du -h "$tarball" | cut -f1)" >&2
# The entry point and everything it loads ship: the hand-written layer (lib/) with them.
shipped=$(tar -tzf "$tarball")
for f in main.js index.js index.d.ts $(git ls-files 'lib/*.js'); do
  if ! grep -qx "package/$f" <<<"$shipped"; then
    echo "test-pack: $f is not in the tarball" >&2
    exit 1
  fi
done

# The project's tooling, at the versions the repo itself tests with.
dev_version() { node -p "require('./package.json').devDependencies['$1']"; }
project="$work/app"
mkdir -p "$project/test"
cat > "$project/package.json" <<JSON
{
  "name": "stowage-pack-test",
  "private": true,
  "dependencies": {
    "@nestjs/common": "$(dev_version @nestjs/common)",
    "@nestjs/config": "$(dev_version @nestjs/config)",
    "@nestjs/core": "$(dev_version @nestjs/core)",
    "reflect-metadata": "$(dev_version reflect-metadata)",
    "rxjs": "$(dev_version rxjs)"
  },
  "devDependencies": {
    "@nestjs/testing": "$(dev_version @nestjs/testing)",
    "@types/jest": "$(dev_version @types/jest)",
    "@types/node": "$(dev_version @types/node)",
    "jest": "$(dev_version jest)",
    "ts-jest": "$(dev_version ts-jest)",
    "typescript": "$(dev_version typescript)"
  },
  "jest": {
    "testEnvironment": "node",
    "transform": { "^.+\\\\.ts$": "ts-jest" },
    "testRegex": "\\\\.spec\\\\.ts$"
  }
}
JSON
cat > "$project/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022",
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "strict": true,
    "esModuleInterop": true,
    "experimentalDecorators": true,
    "emitDecoratorMetadata": true,
    "isolatedModules": true,
    "skipLibCheck": true,
    "types": ["node", "jest"]
  }
}
JSON
cp "$repo/scripts/pack-test/storage.spec.ts" "$project/test/"
cp "$repo/scripts/pack-test/esm-import.mjs" "$project/"

cd "$project"
npm install --no-audit --no-fund --prefer-offline >&2
npm install --no-audit --no-fund --prefer-offline "$tarball" >&2

# From here on, no Rust toolchain: the tarball must work as it is.
PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v -e '\.cargo' -e '\.rustup' | paste -sd: -)
export PATH CARGO_HOME=/nonexistent RUSTUP_HOME=/nonexistent
if command -v cargo >/dev/null || command -v rustc >/dev/null; then
  echo "test-pack: could not take cargo/rustc off PATH" >&2
  exit 1
fi

node esm-import.mjs
# Not `exec`: the shell must live on so that its EXIT trap removes $work (the project and its
# node_modules, ~150 MB). `set -e` still ends the script with jest's status when it fails.
node node_modules/jest/bin/jest.js --ci
