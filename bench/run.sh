#!/usr/bin/env bash
# Runs the benchmarks (not tests: scripts/run-tests.sh does not run them) and prints one table.
#   bench/run.sh [BUILD_DIR]        default: ./build; ROUNDS=N spawns per variant (default 1000),
#                                   RUNS=N parse runs (default 50)
# Numbers are only comparable within one run: the spawn variants are interleaved for that reason.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD_DIR=${1:-$HERE/../build}
ROUNDS=${ROUNDS:-1000}
RUNS=${RUNS:-50}

if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
    echo "bench/run.sh: $BUILD_DIR is not a configured build dir (run scripts/bootstrap.sh first)" >&2
    exit 1
fi
# Build only what the benchmarks need; the rest of the tree may be mid-edit.
ninja -C "$BUILD_DIR" bench/floor bench/spawn-bench bench/parse-bench launch/landlock-launch >/dev/null

RESULTS=$(mktemp)
trap 'rm -f "$RESULTS"' EXIT

echo "== spawn: direct vs floor vs landlock-launch ($ROUNDS spawns each, interleaved)"
"$BUILD_DIR/bench/spawn-bench" --rounds "$ROUNDS" --floor "$BUILD_DIR/bench/floor" \
    --launch "$BUILD_DIR/launch/landlock-launch" | tee -a "$RESULTS" | grep -v '^RESULT '
echo
echo "== parse + validate + compile: 10,000 rules ($RUNS runs)"
"$BUILD_DIR/bench/parse-bench" --runs "$RUNS" | tee -a "$RESULTS" | grep -v '^RESULT '
echo

# result NAME: the value a driver printed as "RESULT NAME VALUE".
result() { awk -v name="$1" '$1 == "RESULT" && $2 == name { print $3 }' "$RESULTS"; }
# verdict VALUE OP LIMIT: "met" or "missed" (awk does the floating-point comparison).
verdict() {
    awk -v v="$1" -v op="$2" -v limit="$3" \
        'BEGIN { ok = (op == "<=") ? (v <= limit) : (v < limit); print ok ? "met" : "MISSED" }'
}

ratio=$(result launch_floor_ratio)
parse_ms=$(result parse_total_ms)
echo "== summary ($(uname -r), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
printf '%-42s %12s %12s %8s\n' measure value target verdict
printf '%-42s %9s us %12s %8s\n' "direct spawn of /bin/true (median)" "$(result direct_median_us)" - -
printf '%-42s %9s us %12s %8s\n' "floor adds (median)" "$(result floor_added_us)" - -
printf '%-42s %9s us %12s %8s\n' "landlock-launch adds (median)" "$(result launch_added_us)" - -
printf '%-42s %12s %12s %8s\n' "launcher added / floor added" "$ratio" "<= 2" "$(verdict "$ratio" '<=' 2)"
printf '%-42s %9s ms %12s %8s\n' "parse+validate+compile, 10,000 rules" "$parse_ms" "< 20 ms" \
    "$(verdict "$parse_ms" '<' 20)"
