#!/usr/bin/env bash
# `npm test`: installs and starts everything the tests need, builds the addon (debug), and runs
# every suite: lint, Rust tests, the jest conformance suite on Node 20 and 24, LOCAL's suites on
# its portable implementation, the Nest 11 and
# Nest 12 specs, the release addon (glibc 2.17 floor) and the pack test. Works from a fresh clone; ends with "N passed, N failed".
#
#   STOWAGE_SKIP_SERVERS=1  skip the S3/Azure servers (their tests then say they were skipped)
#   STOWAGE_QUICK=1         build, Rust tests and the root jest suite only
#   STOWAGE_UPDATE_RELIABILITY=1  also write the reliability figures into the tracked RELIABILITY.md
#                           (otherwise they go to .test-results/RELIABILITY.md only)
#
# A run leaves the checkout as it found it and removes its temporary files; under CI=true a run
# that changed a tracked file or left an untracked one fails.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
results="$repo/.test-results"
rm -rf "$results" && mkdir -p "$results"
failed_steps=()
tmp_root=${TMPDIR:-/tmp}
tmp_before=$(find "$tmp_root" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort)

say() { printf '\n== %s\n' "$*" >&2; }
step() {
  local name=$1
  shift
  say "$name"
  if ! "$@"; then
    failed_steps+=("$name")
    echo "!! step failed: $name" >&2
  fi
}
must() {
  say "$1"
  shift
  "$@" || { echo "!! cannot go on: $*" >&2; exit 1; }
}

# --- install and build ------------------------------------------------------------------------
if [ ! -x node_modules/.bin/napi ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  must "npm ci" npm ci --no-audit --no-fund
fi
must "build the addon (debug) and stowage/nest" npm run --silent build:debug
if [ -n "${CI:-}" ] && [ -e .git ]; then
  step "generated index.js and index.d.ts are committed as built" git diff --exit-code --stat -- index.js index.d.ts
fi

# The syscall-fault tests fail syscalls on purpose with strace (`-e inject`): Debian's package.
if ! command -v strace >/dev/null 2>&1; then
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo -n)
  step "install strace (apt-get)" "${as_root[@]}" bash -c \
    'export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq strace >/dev/null 2>&1 ||
      { apt-get update -qq && apt-get install -y -qq strace >/dev/null; }'
fi

# --- servers ----------------------------------------------------------------------------------
if [ -z "${STOWAGE_SKIP_SERVERS:-}" ]; then
  must "install the S3 and Azure test servers" bash scripts/test-servers.sh install
  trap 'bash scripts/test-servers.sh stop' EXIT
  must "start the S3 and Azure test servers" bash scripts/test-servers.sh start
  set -a
  # shellcheck disable=SC1091
  source .test-servers/env
  set +a
fi

# --- suites -----------------------------------------------------------------------------------
jest_json() { node node_modules/jest/bin/jest.js --ci --json --outputFile="$results/$1.json" "${@:2}"; }

step "Rust tests (core, without Node)" cargo test -p stowage-core --quiet
step "Rust tests (the binding's modules that make no napi call: tests/napi_free.rs)" \
  cargo test -p stowage-node --quiet
step "jest on Node $(node --version): conformance suite and binding specs" jest_json root

# LOCAL's portable implementation (std + cap-std: what macOS and Windows build) on Linux, so it is
# never untested: its Rust tests, then an addon built with it and LOCAL's conformance,
# root-confinement, path-attack, walk and concurrency suites on that addon. The build shares
# target/ (only stowage-core and the binding compile again with the feature: about a minute) and
# puts its .node under target/portable/addon; the addon the other suites load is not touched.
portable_node="$repo/target/portable/addon/stowage.linux-x64-gnu.node"
build_portable() {
  local log="$results/portable-build.log"
  rm -f "$portable_node"
  node_modules/.bin/napi build --platform --no-const-enum --runtime-string-enum --features portable-local \
    --output-dir target/portable/addon >"$log" 2>&1 || { cat "$log" >&2; return 1; }
  # The addon must hold the portable code (cap-std), not the Linux fast path.
  grep -q cap_primitives "$portable_node" || { echo "no cap-std in $portable_node" >&2; return 1; }
}
jest_portable() {
  [ -f "$portable_node" ] || { echo "no portable addon was built" >&2; return 1; }
  NAPI_RS_NATIVE_LIBRARY_PATH="$portable_node" jest_json portable-local \
    __tests__/conformance/local.spec.ts __tests__/local-root.spec.ts __tests__/differential-fs.spec.ts \
    __tests__/reliability/path-attacks.spec.ts __tests__/reliability/walks.spec.ts \
    __tests__/reliability/concurrency.spec.ts __tests__/local-native-paths.spec.ts
}
step "Rust tests on the portable LOCAL (feature portable-local)" \
  cargo test -p stowage-core --features stowage-core/portable-local --quiet
step "build the addon with the portable LOCAL (target/portable/addon)" build_portable
step "jest on the portable LOCAL: conformance, root confinement, path attacks, walks, concurrency" jest_portable
if [ -z "${STOWAGE_QUICK:-}" ]; then
  step "lint: cargo fmt" cargo fmt --all --check
  step "lint: cargo clippy" cargo clippy --workspace --all-targets --quiet -- -D warnings
  step "lint: TypeScript type check of the tests" node_modules/.bin/tsc --noEmit -p __tests__/tsconfig.json
  step "lint: TypeScript type check of lib/ (JSDoc)" node_modules/.bin/tsc -p tsconfig.lib.json
  step "fuzz: the path parser for 30 s (cargo-fuzz, nightly)" bash scripts/fuzz.sh
  step "lint: TypeScript type check of the Nest specs and the example app" node_modules/.bin/tsc --noEmit -p __tests__/nest/tsconfig.json
  step "jest: stowage/nest on Nest 11" jest_json nest -c __tests__/nest/jest.config.js
  node24=$(bash scripts/node24.sh) || failed_steps+=("install Node 24")
  if [ -n "${node24:-}" ]; then
    # The conformance suite and the binding specs again on Node 24, the 1 GiB stream memory bound
    # included (Node 24's V8 collects dead Buffers later than Node 20's; the streams nudge it). The
    # long suites about the core rather than the Node version (reliability, the 2,000-file
    # transfers) run once, on Node 20.
    step "jest on Node 24: conformance suite and binding specs" \
      "$node24" node_modules/jest/bin/jest.js --ci --json --outputFile="$results/root-node24.json" \
      --testPathIgnorePatterns '/node_modules/' '<rootDir>/__tests__/nest/' '<rootDir>/__tests__/reliability/' \
      '<rootDir>/__tests__/transfer/'
  fi
  step "Nest 12 on Node 24" bash scripts/test-nest12.sh --ci --json --outputFile="$results/nest12.json"
  step "release addon (scripts/build-release.sh): a stripped release build needing at most GLIBC_2.17" \
    bash -c 'bash scripts/build-release.sh && node scripts/check-binary.js'
  step "npm pack, install into a fresh Nest project, run a spec there" \
    env STOWAGE_PACK_SKIP_BUILD=1 bash scripts/test-pack.sh
fi

# --- what the run left behind ---------------------------------------------------------------------
# New entries in the temp directory since the run began (other programs' too, when they share
# it): printed with their size, so a suite that forgets to clean up shows here.
tmp_left=$(comm -13 <(printf '%s\n' "$tmp_before") \
  <(find "$tmp_root" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort))
if [ -n "$tmp_left" ]; then
  echo "temp files left in $tmp_root by this run (or by others meanwhile):" >&2
  while IFS= read -r name; do du -sh "$tmp_root/$name" >&2 2>/dev/null; done <<<"$tmp_left"
else
  echo "temp files: none left in $tmp_root" >&2
fi
if [ -n "${CI:-}" ] && [ -e .git ]; then
  checkout_clean() {
    local dirty
    dirty=$(git status --porcelain --untracked-files=all)
    [ -z "$dirty" ] && return 0
    echo "the run changed the checkout (a test must write under .test-results/ or a temp dir):" >&2
    printf '%s\n' "$dirty" >&2
    return 1
  }
  step "the checkout is clean after the run (git status)" checkout_clean
fi

# --- summary ----------------------------------------------------------------------------------
node -e '
  const fs = require("fs"); let passed = 0, failed = 0, skipped = 0;
  for (const f of fs.readdirSync(process.argv[1]).filter((f) => f.endsWith(".json"))) {
    const r = JSON.parse(fs.readFileSync(`${process.argv[1]}/${f}`, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
    skipped += r.numPendingTests;
  }
  console.log(`jest: ${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$results"
if [ ${#failed_steps[@]} -gt 0 ]; then
  printf '!! failed: %s\n' "${failed_steps[@]}" >&2
  exit 1
fi
echo "all steps passed" >&2
