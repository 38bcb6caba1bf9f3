#!/bin/sh
# smoke.sh — the quick fuzz smoke test (TAP): every plain-driver fuzz target runs its seed corpus
# and a fixed number of seeded mutations.  Arguments: RUNS SEED then NAME EXE CORPUS triples.
runs=$1 seed=$2
shift 2
echo "1..$(($# / 3))"
i=0 status=0
while [ $# -ge 3 ]; do
  i=$((i + 1))
  if out=$("$2" "-seed=$seed" "-runs=$runs" "$3" 2>&1); then
    echo "ok $i - $1: $out"
  else
    echo "not ok $i - $1"
    echo "$out" | sed 's/^/# /'
    status=1
  fi
  shift 3
done
exit $status
