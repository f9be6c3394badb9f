#!/usr/bin/env bash
# Runs every libFuzzer target (executables named fuzz_*) of a BACKSTOP_FUZZ build for SECONDS
# in all, split evenly, each seeded with a temporary copy of tests/fixtures (and of
# tests/fuzz/corpus/TARGET/ if present). Prints one summary line per target; exits non-zero if
# any target found a crash, leak, timeout or out-of-memory, or if there is no target to run.
#
#   tests/fuzz/run.sh FUZZ_BUILD_DIR SECONDS      (works from any directory)
set -uo pipefail

usage() {
  echo "usage: $0 FUZZ_BUILD_DIR SECONDS" >&2
  exit 2
}
[[ $# -eq 2 ]] || usage
[[ "$2" =~ ^[0-9]+$ ]] || usage

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fixtures="$here/../fixtures"
seeds_root="$here/corpus"
total_seconds="$2"
if ! build="$(cd "$1" 2>/dev/null && pwd)"; then
  echo "run.sh: no such build directory: $1 (build it with 'make fuzz-build')" >&2
  exit 1
fi

# The targets: executables named fuzz_* anywhere in the build tree, CMake's own files aside.
mapfile -t targets < <(find "$build" -type f -name 'fuzz_*' -perm -u+x -not -path '*/CMakeFiles/*' |
  sort)
if ((${#targets[@]} == 0)); then
  echo "run.sh: no fuzz_* executables under $build (build it with 'make fuzz-build')" >&2
  exit 1
fi

per_target=$((total_seconds / ${#targets[@]}))
((per_target < 1)) && per_target=1

tmp="$(mktemp -d "${TMPDIR:-/tmp}/backstop-fuzz.XXXXXX")"
keep_tmp=0
cleanup() { ((keep_tmp)) || rm -rf "$tmp"; }
trap cleanup EXIT

# UBSan reports are failures here, not warnings; leaks are checked at exit (ASan's default).
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:print_stacktrace=1"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1"

failed=0
for bin in "${targets[@]}"; do
  name="$(basename "$bin")"
  corpus="$tmp/corpus-$name"
  artifacts="$tmp/artifacts-$name"
  log="$tmp/$name.log"
  mkdir -p "$corpus" "$artifacts"
  # Seeds: every fixture file (flattened, names made unique), then the target's own corpus.
  if [[ -d "$fixtures" ]]; then
    while IFS= read -r -d '' f; do
      rel="${f#"$fixtures"/}"
      cp "$f" "$corpus/fixture-${rel//\//_}"
    done < <(find "$fixtures" -type f ! -name '*.md' -print0)
  fi
  if [[ -d "$seeds_root/$name" ]]; then
    cp -r "$seeds_root/$name/." "$corpus/"
  fi
  seeds=$(find "$corpus" -type f | wc -l)

  start=$(date +%s)
  (cd "$tmp" && "$bin" -max_total_time="$per_target" -max_len=65536 -rss_limit_mb=2048 \
    -timeout=60 -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus") >"$log" 2>&1
  rc=$?
  elapsed=$(($(date +%s) - start))
  runs=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' "$log" | tail -1)
  size=$(find "$corpus" -type f | wc -l)

  if ((rc == 0)); then
    echo "$name: ok, ${runs:-?} runs in ${elapsed}s, corpus $seeds -> $size inputs"
    continue
  fi
  failed=1
  keep_tmp=1
  what="crash"
  grep -q 'ERROR: LeakSanitizer' "$log" && what="leak"
  grep -q 'ERROR: libFuzzer: timeout' "$log" && what="timeout"
  grep -q 'ERROR: libFuzzer: out-of-memory' "$log" && what="out-of-memory"
  grep -q 'runtime error:' "$log" && what="undefined behaviour"
  artifact=$(find "$artifacts" -type f | head -1)
  echo "$name: FAILED ($what, exit $rc) after ${elapsed}s; input: ${artifact:-none}; log: $log"
  # The first report, so that a CI log shows what went wrong without the temp dir.
  grep -m1 -A25 -E '^==[0-9]+==ERROR|runtime error:|ERROR: libFuzzer' "$log" | sed 's/^/  | /'
done

if ((failed)); then
  echo "run.sh: fuzzing found problems; inputs and logs are kept in $tmp" >&2
  exit 1
fi
exit 0
