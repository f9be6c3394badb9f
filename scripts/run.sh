#!/usr/bin/env bash
# run.sh BINARY CORPUS: what `make run` does until the daemon exists. Classifies a sample of
# the development corpus (or, without it, the project's own fixtures) and prints a summary.
set -euo pipefail
bin="$1"
corpus="${2:-}"
here="$(cd "$(dirname "$0")/.." && pwd)"
if [[ -n "$corpus" && -f "$corpus/labels.tsv" ]]; then
  # A sample across every label: every 7th labelled message.
  mapfile -t sample < <(awk -F'\t' 'NR > 1 && NR % 7 == 0 { print c "/" $1 }' c="$corpus" "$corpus/labels.tsv")
  echo "backstop classify: a sample of ${#sample[@]} messages of $corpus"
else
  sample=("$here/tests/fixtures")
  echo "backstop classify: the project's fixtures (no corpus at '${corpus}')"
fi
echo
"$bin" classify --summary "${sample[@]}"
echo
echo "Per message: $bin classify PATH...     JSON: $bin classify --json PATH..."
echo "BATV:        $bin batv sign --key-file FILE user@example.org"
