#!/usr/bin/env bash
# Runs every test program of kernel/vm/guest-tests.list in ONE boot of the VM guest (BPF LSM,
# Landlock ABI 6) and brings the results back: the `vm` suite of scripts/run-tests.sh.
#   kernel/vm/run-suite.sh BUILD_DIR RESULTS_DIR
# RESULTS_DIR gets, per manifest entry NAME: NAME.json + NAME.log (gtest) or NAME.tap (tap), and
# entries.tsv with one "NAME<TAB>KIND<TAB>STATUS" line each, STATUS being the program's exit
# status, "timeout", "not-run" (no time left), "missing" (not built) or "no-result".
# Bounded: LLH_VM_SUITE_SECONDS (default 1200) for everything, boot retries included; the
# programs share LLH_VM_GUEST_BUDGET seconds of guest time (default 900).
# Exit status: 0 when every program exited 0, 1 otherwise (a guest still running at the end of the
# bound brings no results back: every program counts as "no-result"), 124 when the guest never
# completed a boot (an infrastructure failure, after vm-run.sh's retries), 2 on a usage or
# manifest error.
# Environment: CI (passed into the guest; under CI=true a missing program is a failure, else a
# skip — run-tests.sh decides), LLH_VM_MANIFEST (default kernel/vm/guest-tests.list).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=kernel/vm/manifest.sh
. "$HERE/manifest.sh"

die() {
    printf 'run-suite: %s\n' "$*" >&2
    exit 2
}
log() { printf 'vm-suite: %s\n' "$*"; }

[[ $# -eq 2 ]] || die "usage: kernel/vm/run-suite.sh BUILD_DIR RESULTS_DIR"
BUILD_DIR=$(realpath -m "$1")
RESULTS_DIR=$(realpath -m "$2")
MANIFEST=${LLH_VM_MANIFEST:-$HERE/guest-tests.list}
SUITE_SECONDS=${LLH_VM_SUITE_SECONDS:-1200}
GUEST_BUDGET=${LLH_VM_GUEST_BUDGET:-900}
[[ -f "$MANIFEST" ]] || die "no manifest $MANIFEST"

mkdir -p "$RESULTS_DIR"
# Only what this script writes: RESULTS_DIR may be shared with other suites' reports.
find "$RESULTS_DIR" -maxdepth 1 -type f \( -name '*.json' -o -name '*.log' -o -name '*.tap' \
    -o -name '*.status' -o -name entries.tsv \) -delete

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
: >"$STAGE/entries"

declare -A SEEN=()
NAMES=()
KINDS=()
ADDS=(--add "$HERE/guest-suite.sh=/llh/guest-suite.sh" --add "$STAGE/entries=/llh/entries")
line_no=0
while read -r path name kind args || [[ -n "$path" ]]; do
    line_no=$((line_no + 1))
    [[ -z "$path" || "$path" == \#* ]] && continue
    where="$MANIFEST:$line_no"
    [[ -n "$kind" ]] || die "$where: expected BUILD_RELATIVE_PATH GUEST_NAME KIND [ARGS...]"
    if [[ "$kind" == file ]]; then
        # Not a test: a file the tests use (a runtime, a hook), put at the absolute guest path.
        add=$(manifest_file "$where" "$path" "$name") || exit 2
        ADDS+=(--add "$add")
        continue
    fi
    [[ "$kind" == gtest || "$kind" == tap ]] || die "$where: KIND must be gtest, tap or file, not '$kind'"
    [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "$where: GUEST_NAME '$name' must be [A-Za-z0-9._-]+"
    [[ -z "${SEEN[$name]:-}" ]] || die "$where: GUEST_NAME '$name' is used twice"
    SEEN[$name]=1
    host=$(manifest_host_path "$path")
    NAMES+=("$name")
    KINDS+=("$kind")
    if [[ ! -f "$host" ]]; then
        log "$name: $host was not built"
        echo missing >"$RESULTS_DIR/$name.status"
        continue
    fi
    ADDS+=(--add "$host=/llh/bin/$name")
    printf '%s %s %s\n' "$name" "$kind" "$args" >>"$STAGE/entries"
done <"$MANIFEST"

status=0
if [[ -s "$STAGE/entries" ]]; then
    log "one boot for $(wc -l <"$STAGE/entries") program(s); serial logs under $BUILD_DIR/vm-logs"
    # Six boots: a failed boot ends within seconds (vm-run.sh spots the oops), so retries are
    # cheap, and the 6.12 guest's early deaths under TCG are rare but not gone.
    "$HERE/vm-run.sh" --tries 6 --timeout "$SUITE_SECONDS" --total-timeout "$SUITE_SECONDS" \
        --log-dir "$BUILD_DIR/vm-logs" --collect "/llh/results=$STAGE/results" "${ADDS[@]}" \
        -- "CI=${CI:-false} /llh/guest-suite.sh $GUEST_BUDGET" || status=$?
    if [[ $status -eq 124 ]]; then
        log "infrastructure failure: the guest never completed a boot (see the vm-run lines above)"
        exit 124
    fi
    [[ ! -d "$STAGE/results" ]] || cp -a "$STAGE/results/." "$RESULTS_DIR/"
fi

failed=0
for i in "${!NAMES[@]}"; do
    name=${NAMES[$i]}
    result=no-result
    [[ -f "$RESULTS_DIR/$name.status" ]] && result=$(cat "$RESULTS_DIR/$name.status")
    printf '%s\t%s\t%s\n' "$name" "${KINDS[$i]}" "$result" >>"$RESULTS_DIR/entries.tsv"
    [[ "$result" == 0 ]] || failed=1
done
if [[ $status -ne 0 ]]; then
    log "the guest's suite runner exited $status"
    failed=1
fi
exit "$failed"
