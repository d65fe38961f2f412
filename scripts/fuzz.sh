#!/bin/sh
# Run every libFuzzer target briefly: scripts/fuzz.sh BUILD_DIR SECONDS
# Seeds come from test/fuzz/corpus/<target>/ and are copied to a scratch
# directory, so a run never adds files to the repository. Any crash, leak
# or sanitizer report fails the run (libFuzzer exits non-zero).
set -eu
build=${1:-build/test}
seconds=${2:-20}
top=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

found=0
for bin in "$build"/fuzz_*; do
	[ -x "$bin" ] || continue
	found=$((found + 1))
	name=${bin##*/fuzz_}
	mkdir -p "$scratch/$name"
	if [ -d "$top/test/fuzz/corpus/$name" ]; then
		cp -r "$top/test/fuzz/corpus/$name/." "$scratch/$name/"
	fi
	echo "fuzz: $name for ${seconds}s"
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=0 -artifact_prefix="$scratch/" \
		"$scratch/$name" >"$scratch/$name.log" 2>&1 || {
		tail -n 60 "$scratch/$name.log"
		echo "fuzz: $name FAILED"
		exit 1
	}
	grep -E "^#[0-9]+.*DONE" "$scratch/$name.log" | tail -n 1 || true
done
[ "$found" -gt 0 ] || { echo "fuzz: no targets in $build"; exit 1; }
echo "fuzz: $found targets passed"
