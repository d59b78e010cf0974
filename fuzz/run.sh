#!/bin/sh
# Build and run one fuzz target without cargo-fuzz (the same instrumentation flags it uses,
# on the nightly toolchain, without ASan). Seeds: tests/lua/*.lua for `load`.
#   fuzz/run.sh load 60        # target, seconds
#   fuzz/run.sh pattern 120
# With cargo-fuzz installed, `cargo +nightly fuzz run <target>` works as well.
set -eu
target=${1:?usage: fuzz/run.sh load|pattern|pack [seconds]}
secs=${2:-60}
cd "$(dirname "$0")"
triple=$(rustc -vV | sed -n 's/^host: //p')
RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks" \
  cargo +nightly build --release --bin "$target" --target "$triple"
mkdir -p "corpus/$target" artifacts
if [ "$target" = load ]; then cp ../tests/lua/*.lua "corpus/$target/"; fi
exec "target/$triple/release/$target" "corpus/$target" -artifact_prefix=artifacts/ \
  -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048
