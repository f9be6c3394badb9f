#!/usr/bin/env bash
# run.sh BUILD_DIR [CORPUS]: the classifier benchmark that `make bench` runs. Measures backstop's
# classifier, MIME parsing alone and the GMime walk it replaced (bench_classify_corpus), Sisimai
# on the same bounces (sisimai_bench.pl), runs bench_classify briefly, and prints a side-by-side
# summary.
#
# CORPUS is a folder with labels.tsv (path, class, ...); bounces are the rows of class "bounce".
# Without it, the project's own tests/fixtures are used instead, and the summary says so.
# MIN_TIME (seconds of CPU per measured stage, default 2) trades run time for stability.
set -euo pipefail

build="${1:?usage: run.sh BUILD_DIR [CORPUS]}"
corpus="${2:-}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
min_time="${MIN_TIME:-2}"
corpus_bin="$build/bench/classify/bench_classify_corpus"
gbench_bin="$build/bench/classify/bench_classify"
for b in "$corpus_bin" "$gbench_bin"; do
  [[ -x "$b" ]] || { echo "run.sh: $b is missing; build $build first" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
bounces="$work/bounces.list"
all="$work/all.list"

# The file lists: absolute paths, one per line.
labelled_lists() {  # DIR: writes $all and $bounces from DIR/labels.tsv
  awk -F'\t' -v d="$1" 'NR > 1 && $1 != "" { print d "/" $1 }' "$1/labels.tsv" >"$all"
  awk -F'\t' -v d="$1" 'NR > 1 && $2 == "bounce" { print d "/" $1 }' "$1/labels.tsv" >"$bounces"
}
if [[ -n "$corpus" && -f "$corpus/labels.tsv" ]]; then
  corpus="$(cd "$corpus" && pwd)"
  source_note="development corpus $corpus (labels.tsv; bounces = class \"bounce\")"
  labelled_lists "$corpus"
else
  fixtures="$here/tests/fixtures"
  echo "run.sh: NOTE: no corpus at '${corpus}'; measuring the project's fixtures in $fixtures"
  echo "run.sh: NOTE: fixture figures are from a few small files and are not comparable to"
  echo "run.sh: NOTE: the corpus figures in docs/benchmarks.md."
  if [[ -f "$fixtures/labels.tsv" ]]; then
    source_note="project fixtures $fixtures (labels.tsv) -- no corpus"
    labelled_lists "$fixtures"
  else
    # Without labels, a fixture is taken for a bounce by its path below the fixtures folder
    # (a file or folder named for bounces, DSNs or NDRs).
    source_note="project fixtures $fixtures (bounces by path name) -- no corpus"
    find "$fixtures" -type f ! -name '.*' ! -name '*.json' ! -name '*.tsv' ! -name '*.md' \
      ! -name '*.expected' ! -name '*.yaml' ! -name '*.toml' ! -name '*.sh' 2>/dev/null \
      | sort >"$all" || true
    awk -v d="$fixtures/" 'tolower(substr($0, length(d) + 1)) ~ /bounce|dsn|ndr/' "$all" \
      >"$bounces"
  fi
fi
n_all=$(wc -l <"$all")
n_bounces=$(wc -l <"$bounces")

rule() { printf '%s\n' "------------------------------------------------------------------------"; }
sisimai_version="$(perl -MSisimai -e 'print Sisimai->version' 2>/dev/null || echo "not installed")"
echo "Classifier throughput benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
rule
echo "machine:  $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "          $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
echo "versions: GMime $(pkg-config --modversion gmime-3.0 2>/dev/null || echo '?')," \
  "vectorscan $(pkg-config --modversion libhs 2>/dev/null || echo '?'), Sisimai $sisimai_version," \
  "Perl $(perl -e 'printf "%vd", $^V')"
echo "          $(${CXX:-g++} --version | head -1);" \
  "build type $(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null)"
echo "messages: $source_note"
echo "          $n_bounces bounces, $n_all in all; at least $min_time s CPU per stage, one thread"
rule

out_b="$work/bounces.out" out_a="$work/all.out" out_s="$work/sisimai.out"
: >"$out_b" >"$out_a" >"$out_s"
if ((n_bounces > 0)); then
  echo "== backstop, its MIME parsing alone and the GMime walk, on the bounces"
  "$corpus_bin" --min-time "$min_time" "$bounces" | tee "$out_b"
  echo
  if [[ "$sisimai_version" != "not installed" ]]; then
    echo "== Sisimai on the same bounces"
    perl "$here/bench/classify/sisimai_bench.pl" --min-time "$min_time" "$bounces" | tee "$out_s"
  else
    echo "== Sisimai is not installed (scripts/deps.sh --bench installs libsisimai-perl); skipped"
  fi
  echo
else
  echo "== no bounce files found; the bounce and Sisimai comparisons are skipped"
fi
if ((n_all > 0)); then
  echo "== backstop, its MIME parsing alone and the GMime walk, on all messages (ham, spam, ...)"
  "$corpus_bin" --min-time "$min_time" "$all" | tee "$out_a"
  echo
fi

echo "== bench_classify (Google Benchmark, brief)"
gb_list="$bounces"
((n_bounces > 0)) || gb_list="$all"
BACKSTOP_BENCH_MESSAGES="$gb_list" "$gbench_bin" --benchmark_min_time=0.2 2>&1
echo

# Summary: fields of the "stage" rows are name rounds cpu_s wall_s msgs/s MB/s us/msg.
row() {  # LABEL FILE STAGE
  awk -v l="$1" -v s="$3" '$1 == s { printf "%-34s %11.0f %9.2f %9.1f\n", l, $5, $6, $7 }' "$2"
}
field() { awk -v s="$2" -v f="$3" '$1 == s { print $f }' "$1"; }
echo "Summary: one core, rates per CPU second, MB = 10^6 bytes"
rule
printf '%-34s %11s %9s %9s\n' "" "msgs/s" "MB/s" "us/msg"
row "backstop classify, bounces" "$out_b" classify
row "MIME parse-only, bounces" "$out_b" parse-only
row "GMime walk (reference), bounces" "$out_b" parse-gmime
row "Sisimai $sisimai_version, bounces" "$out_s" sisimai
row "backstop classify, all messages" "$out_a" classify
row "MIME parse-only, all messages" "$out_a" parse-only
row "GMime walk (reference), all msgs" "$out_a" parse-gmime
rule
ours="$(field "$out_b" classify 5)"
theirs="$(field "$out_s" sisimai 5)"
if [[ -n "$ours" && -n "$theirs" ]]; then
  awk -v a="$ours" -v b="$theirs" 'BEGIN {
    r = a / b
    verdict = (r >= 100) ? "met" : "NOT met"
    printf "backstop / Sisimai on the bounces: %.1fx (target >= 100x: %s)\n", r, verdict
  }'
else
  echo "backstop / Sisimai: not measured (no bounces or no Sisimai)"
fi
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
