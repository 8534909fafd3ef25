#!/usr/bin/env bash
# Runs the cargo-fuzz target for the path parser (fuzz/) for a short while: 30 s by default,
# STOWAGE_FUZZ_SECONDS to change it. Needs a nightly toolchain; installs cargo-fuzz into a cache
# (~/.cache/stowage-tools) when it is missing, and builds into ~/.cache/stowage-fuzz-target so a
# second run (CI on the same machine) does not compile everything again.
# Without nightly it says so and exits 0: the randomized path test in crates/core (cargo test)
# checks the same invariants on every run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${STOWAGE_FUZZ_SECONDS:-30}
tools=${STOWAGE_TOOLS_DIR:-$HOME/.cache/stowage-tools}
target_dir=${STOWAGE_FUZZ_TARGET_DIR:-$HOME/.cache/stowage-fuzz-target}

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz: skipped: no nightly toolchain here (cargo test runs the randomized path test instead)"
  exit 0
fi
export PATH="$tools/bin:$PATH"
if ! command -v cargo-fuzz >/dev/null; then
  echo "fuzz: installing cargo-fuzz into $tools" >&2
  nice cargo install cargo-fuzz --locked --root "$tools" >&2
fi

cd fuzz
# fuzz/Cargo.lock is committed: a stale one would be rewritten by the build and leave the checkout
# changed, so refuse it here with what to do instead.
if ! cargo metadata --locked --format-version 1 >/dev/null 2>&1; then
  echo "fuzz: fuzz/Cargo.lock is out of date with crates/core; run \`cargo update -w\` in fuzz/ and commit it" >&2
  exit 1
fi
mkdir -p corpus/path_parser artifacts
# Seeds: the vectors of the path tests, one per file.
for seed in 'a/b.txt' '../x' 'a/../../x' '/srv/data/a' '/srv/database/x' '%2e%2e/x' '..\x' 'a/.. /b' \
  $'a\u2025/x' $'\uff0e\uff0e/x' $'a\u2215b' 'file.' 'name ' './uploads/ab12.png'; do
  printf '%s' "$seed" > "corpus/path_parser/seed-$(printf '%s' "$seed" | cksum | cut -d' ' -f1)"
done
set +e
log=$(mktemp)
nice cargo +nightly fuzz run --sanitizer none --target-dir "$target_dir" path_parser \
  corpus/path_parser -- -dict=path.dict -max_total_time="$seconds" -max_len=4200 -timeout=10 \
  -print_final_stats=1 > "$log" 2>&1
status=$?
tail -n 8 "$log"
set -e
if [ "$status" -ne 0 ]; then
  echo "fuzz: FAILED (exit $status); the crashing input is in fuzz/artifacts/path_parser" >&2
  exit "$status"
fi
runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 \2/p' "$log")
corpus=$(find corpus/path_parser -type f | wc -l)
rm -f "$log"
cd ..
node -e '
  const [runs, secs] = process.argv[1].split(" ");
  require("./__tests__/reliability/report.js").writeSection("fuzz", 15, "Path parser fuzzing",
    `cargo-fuzz target \`fuzz/fuzz_targets/path_parser.rs\` (\`scripts/fuzz.sh\`, part of \`npm test\`): ` +
    `${runs} inputs in ${secs} s under the keyed, rooted and native rules, no panic and no broken invariant ` +
    `(only EACCES/EINVAL refusals; accepted keys are plain names under the root, within the length limits). ` +
    `Corpus: ${process.argv[2]} inputs. \`cargo test\` runs a 20,000-input randomized version of the same checks.`);
' "$runs" "$corpus"
echo "fuzz: path parser ran ${seconds}s without a failure (${runs%% *} inputs)"
