#!/usr/bin/env bash
# Usage: bash scripts/build-release.sh [TARGET] [-- napi build options]
# `npm run build`, the release workflow and `npm pack` (through scripts/pack.sh) build the release
# addon here, so the binary that is tested is the binary that ships. TARGET is a Rust triple from
# package.json's napi.targets, default: this machine's.
#
# - Linux glibc targets link against glibc 2.17 through cargo-zigbuild (`--target <triple>.2.17`), so
#   the binary loads on every distribution Node 20+ runs on (Debian 10+, RHEL 8, Amazon Linux 2023).
# - Linux musl targets also go through cargo-zigbuild (zig brings the musl C library and linker).
# - macOS and Windows targets build natively on their own OS.
# zig and cargo-zigbuild come from PyPI (packages `ziglang` and `cargo-zigbuild`) into a venv under
# $STOWAGE_BUILD_TOOLS (default ~/.cache/stowage-build-tools), installed on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

# The versions this repository builds with (cargo-zigbuild 0.24 supports zig 0.13 to 0.15).
ZIGLANG_VERSION=0.15.2
CARGO_ZIGBUILD_VERSION=0.24.1
# glibc the linux-gnu binaries link against; __tests__/platforms and scripts/check-binary.js hold
# the same number.
GLIBC_FLOOR=2.17

host_target() { rustc -vV | sed -n 's/^host: //p'; }
target=$(host_target)
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
  target=$1
  shift
fi
if [ "${1:-}" = "--" ]; then shift; fi

if ! node -e 'process.exit(require("./package.json").napi.targets.includes(process.argv[1]) ? 0 : 1)' "$target"; then
  echo "build-release: $target is not in package.json's napi.targets" >&2
  exit 2
fi

ensure_zigbuild() {
  local tools=${STOWAGE_BUILD_TOOLS:-$HOME/.cache/stowage-build-tools}
  local venv="$tools/venv"
  if [ ! -x "$venv/bin/cargo-zigbuild" ] || ! "$venv/bin/cargo-zigbuild" --version | grep -q "$CARGO_ZIGBUILD_VERSION" ||
    ! "$venv/bin/python" -m ziglang version 2>/dev/null | grep -q "^$ZIGLANG_VERSION"; then
    echo "build-release: installing zig $ZIGLANG_VERSION and cargo-zigbuild $CARGO_ZIGBUILD_VERSION (PyPI) into $venv" >&2
    mkdir -p "$tools"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
      "ziglang==$ZIGLANG_VERSION" "cargo-zigbuild==$CARGO_ZIGBUILD_VERSION" >&2
  fi
  PATH="$venv/bin:$PATH"
  export PATH
}

napi_args=(build --platform --release --no-const-enum --runtime-string-enum)
case "$target" in
  *-linux-gnu)
    ensure_zigbuild
    napi_args+=(--cross-compile --target "$target.$GLIBC_FLOOR")
    ;;
  *-linux-musl)
    ensure_zigbuild
    napi_args+=(--cross-compile --target "$target")
    ;;
  *)
    napi_args+=(--target "$target")
    ;;
esac

echo "build-release: napi ${napi_args[*]} $*" >&2
node_modules/.bin/napi "${napi_args[@]}" "$@" >&2
