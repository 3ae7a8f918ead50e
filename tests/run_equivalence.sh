#!/usr/bin/env bash
# A run's results do not depend on how it was executed. The quick profile run
# straight through is the reference; each of these must write byte-identical
# JSON results and Markdown report (and plots):
#   - a run killed (SIGKILL, then SIGTERM) while it works and resumed from its checkpoint,
#   - the run in three shards (--shard K/3) merged with deqcheck merge,
#   - deqcheck-mpi on 1, 2 and 3 ranks (1: rank 0 computes itself; 2 and 3:
#     rank 0 dispatching to 1 or 2 workers), when built (and deqcheck-mpi names
#     itself in usage errors and --help); the JSON rows of -np 1 and -np 2 are
#     compared with the serial run's byte for byte;
#   - deqcheck reproduce (a tiny ling2022 run) serial and deqcheck-mpi reproduce
#     on 2 ranks (one width each): the CSVs, plots.gp and SVGs byte for byte;
#   - with OPENBLAS_NUM_THREADS unset, ranks bound to cores (mpirun's binding
#     would give each rank's OpenBLAS fewer threads than the serial run's; each
#     rank pins the serial count) on one family, against the serial run.
# Usage: run_equivalence.sh DEQCHECK [DEQCHECK_MPI]
set -euo pipefail
bin=$1
mpibin=${2:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
opts=(--profile quick --quiet)
fail=0

run_ok() { # a run exits 0 (all hold) or 1 (something violated); anything else is a failure
  local rc=0
  "$@" > /dev/null || rc=$?
  if [ "$rc" -gt 1 ]; then echo "FAIL: exit $rc: $*"; exit 1; fi
}

same() { # same DIR: DIR's results equal the reference's, byte for byte
  local d=$1 f bad=0
  for f in "$tmp/ref"/*; do
    if ! cmp -s "$f" "$d/$(basename "$f")"; then
      echo "FAIL: $d/$(basename "$f") differs from the uninterrupted run's"
      diff <(head -c 200000 "$f") <(head -c 200000 "$d/$(basename "$f")") | head -20 || true
      bad=1
    fi
  done
  if [ "$bad" -eq 0 ]; then echo "ok: $d matches the uninterrupted run"; else fail=1; fi
}

mkdir -p "$tmp/ref"
run_ok "$bin" run "${opts[@]}" --report "$tmp/ref/r.md" --json "$tmp/ref/r.json"
echo "reference: $(ls "$tmp/ref" | wc -l) files"

# killed twice at moments when some cases are recorded and others are not, then resumed
mkdir -p "$tmp/resume"
ck="$tmp/ck"
for sig in KILL TERM; do
  resume=()
  [ -d "$ck" ] && resume=(--resume)
  before=$( [ -f "$ck/cases.jsonl" ] && wc -l < "$ck/cases.jsonl" || echo 0)
  "$bin" run "${opts[@]}" --checkpoint "$ck" "${resume[@]}" --report "$tmp/resume/r.md" \
    --json "$tmp/resume/r.json" > /dev/null 2>&1 &
  pid=$!
  # wait until this attempt has recorded two more cases, then kill it mid-way
  for _ in $(seq 600); do
    n=$( [ -f "$ck/cases.jsonl" ] && wc -l < "$ck/cases.jsonl" || echo 0)
    [ "$n" -ge $((before + 2)) ] && break
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.2
  done
  sleep 0.5
  kill -s "$sig" "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  echo "after SIG$sig: $(wc -l < "$ck/cases.jsonl") cases recorded"
done
total=$(grep -o '"cases_total": *[0-9]*' "$ck/run.json" | grep -o '[0-9]*$')
recorded=$(wc -l < "$ck/cases.jsonl")
if [ "$recorded" -ge "$total" ]; then
  echo "FAIL: the killed runs finished every case ($recorded of $total): nothing left to resume"
  exit 1
fi
rm -f "$tmp/resume"/*
run_ok "$bin" run "${opts[@]}" --checkpoint "$ck" --resume --report "$tmp/resume/r.md" \
  --json "$tmp/resume/r.json"
same "$tmp/resume"

# three shards, two at a time, merged
mkdir -p "$tmp/shards" "$tmp/merged"
shard() {
  run_ok "$bin" run "${opts[@]}" --shard "$1/3" --no-plots --report "$tmp/shards/s$1.md" \
    --json "$tmp/shards/s$1.json"
}
shard 1 & p1=$!
shard 2 & p2=$!
wait "$p1" && wait "$p2" || { echo "FAIL: a shard failed"; exit 1; }
shard 3
run_ok "$bin" merge "$tmp/shards"/s{1,2,3}.json --report "$tmp/merged/r.md" --json "$tmp/merged/r.json"
same "$tmp/merged"
# a missing shard is refused
rc=0
"$bin" merge "$tmp/shards"/s{1,2}.json --report "$tmp/x.md" > /dev/null 2>&1 || rc=$?
if [ "$rc" -ne 2 ]; then echo "FAIL: merge with a shard missing exited $rc, expected 2"; fail=1; fi

if [ -n "$mpibin" ]; then
  mkdir -p "$tmp/mpi"
  extra=(--oversubscribe)
  [ "$(id -u)" -eq 0 ] && extra+=(--allow-run-as-root)
  run_ok env OMPI_MCA_rmaps_base_oversubscribe=1 mpirun "${extra[@]}" -np 3 "$mpibin" \
    "${opts[@]}" --report "$tmp/mpi/r.md" --json "$tmp/mpi/r.json"
  same "$tmp/mpi"
  for np in 1 2; do
    mkdir -p "$tmp/mpi$np"
    run_ok env OMPI_MCA_rmaps_base_oversubscribe=1 mpirun "${extra[@]}" -np "$np" "$mpibin" \
      "${opts[@]}" --report "$tmp/mpi$np/r.md" --json "$tmp/mpi$np/r.json"
    same "$tmp/mpi$np"
  done
  # the default thread settings (no OPENBLAS_NUM_THREADS), ranks bound to cores
  mkdir -p "$tmp/thr-serial" "$tmp/thr-mpi"
  fam=(well-posedness --profile quick --quiet --no-plots)
  run_ok env -u OPENBLAS_NUM_THREADS "$bin" run "${fam[@]}" --report "$tmp/thr-serial/r.md" \
    --json "$tmp/thr-serial/r.json"
  run_ok env -u OPENBLAS_NUM_THREADS OMPI_MCA_rmaps_base_oversubscribe=1 mpirun "${extra[@]}" \
    --bind-to core -np 2 "$mpibin" "${fam[@]}" --report "$tmp/thr-mpi/r.md" --json "$tmp/thr-mpi/r.json"
  if cmp -s "$tmp/thr-serial/r.json" "$tmp/thr-mpi/r.json"; then
    echo "ok: deqcheck-mpi -np 2 bound to cores matches the serial run with default threads"
  else
    echo "FAIL: deqcheck-mpi -np 2 bound to cores differs from the serial run (default threads)"; fail=1
  fi
  # a bad option: exit 2 and one line naming deqcheck-mpi and the flag
  rc=0
  msg=$("$mpibin" --seed x 2>&1 > /dev/null) || rc=$?
  if [ "$rc" -ne 2 ] || [ "$(wc -l <<< "$msg")" -ne 1 ] || ! grep -q '^deqcheck-mpi: --seed: ' <<< "$msg"; then
    echo "FAIL: deqcheck-mpi --seed x exited $rc with: $msg"; fail=1
  fi
  "$mpibin" --help > "$tmp/mpi-help.txt"
  if ! grep -q '^Usage: deqcheck-mpi ' "$tmp/mpi-help.txt"; then
    echo "FAIL: deqcheck-mpi --help does not name deqcheck-mpi"; fail=1
  fi
  # reproduce: serial against one width per rank (given sizes: no timing enters)
  rep=(ling2022 --n 12 --widths 10,20 --epochs 6 --gram-every 3)
  run_ok "$bin" reproduce "${rep[@]}" --out "$tmp/rep-serial" 2> /dev/null
  run_ok env OMPI_MCA_rmaps_base_oversubscribe=1 mpirun "${extra[@]}" -np 2 "$mpibin" reproduce \
    "${rep[@]}" --out "$tmp/rep-mpi" 2> /dev/null
  bad=0
  for f in ling2022-m10.csv ling2022-m20.csv plots.gp ling2022-loss.svg ling2022-opnorm.svg; do
    if [ ! -e "$tmp/rep-serial/$f" ] && [ ! -e "$tmp/rep-mpi/$f" ] && [ "${f##*.}" = svg ]; then
      continue # no gnuplot: neither run drew the plots
    fi
    if ! cmp -s "$tmp/rep-serial/$f" "$tmp/rep-mpi/$f"; then
      echo "FAIL: deqcheck-mpi -np 2 reproduce: $f differs from the serial run"; fail=1; bad=1
    fi
  done
  [ "$bad" -eq 0 ] && echo "ok: deqcheck-mpi -np 2 reproduce matches the serial run (CSVs, plots)"
fi
exit "$fail"
