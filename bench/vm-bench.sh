#!/usr/bin/env bash
# Runs the benchmarks that need BPF LSM (cgroup mode) in the VM guest: every program of
# kernel/vm/guest-bench.list, one after the other, in ONE boot, their output printed as it comes.
#   bench/vm-bench.sh [BUILD_DIR]          default: ./build
# A benchmark program: link it statically, add one line to kernel/vm/guest-bench.list
# (BUILD_RELATIVE_PATH GUEST_NAME KIND ARGS...), and print "RESULT NAME VALUE" lines. KIND `file`
# puts a file it needs at the absolute guest path GUEST_NAME, as in guest-tests.list. Times in the
# TCG guest are not real times: only ratios measured in the same run compare.
# The whole output is kept in BUILD_DIR/vm-bench.log. Environment: LLH_VM_BENCH_SECONDS (all
# boots together, default 1200), LLH_VM_BENCH_MANIFEST (default kernel/vm/guest-bench.list).
# Exit status: 1 when a listed program was not built or one exited non-zero, 124 when the guest
# never completed a boot (an infrastructure failure, after retries).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
# shellcheck source=kernel/vm/manifest.sh
. "$REPO/kernel/vm/manifest.sh"
BUILD_DIR=$(realpath -m "${1:-$REPO/build}")
MANIFEST=${LLH_VM_BENCH_MANIFEST:-$REPO/kernel/vm/guest-bench.list}
SECONDS_MAX=${LLH_VM_BENCH_SECONDS:-1200}

die() {
    printf 'vm-bench: %s\n' "$*" >&2
    exit 2
}
[[ -f "$MANIFEST" ]] || die "no manifest $MANIFEST"

adds=()
command=""
missing=0
line_no=0
while read -r path name kind args || [[ -n "$path" ]]; do
    line_no=$((line_no + 1))
    [[ -z "$path" || "$path" == \#* ]] && continue
    if [[ "$kind" == file ]]; then
        # Not a benchmark: a file one needs (a runtime, a hook), as in guest-tests.list.
        add=$(manifest_file "$MANIFEST:$line_no" "$path" "$name") || exit 2
        adds+=(--add "$add")
        continue
    fi
    [[ -n "$kind" && "$name" =~ ^[A-Za-z0-9._-]+$ ]] ||
        die "$MANIFEST:$line_no: expected BUILD_RELATIVE_PATH GUEST_NAME KIND [ARGS...]"
    host=$(manifest_host_path "$path")
    if [[ ! -f "$host" ]]; then
        echo "vm-bench: $name: $host was not built" >&2
        missing=1
        continue
    fi
    adds+=(--add "$host=/llh/bin/$name")
    quoted=""
    for arg in $args; do quoted+=" $(printf '%q' "$arg")"; done
    # Each program's status on a line of its own; the guest command fails when one failed.
    command+="echo '== $name'; (cd /tmp && /llh/bin/$name$quoted </dev/null) || { echo \"== $name: exit status \$?\"; failed=1; }; "
done <"$MANIFEST"

if [[ ${#adds[@]} -eq 0 ]]; then
    echo "vm-bench: no benchmark program to run (kernel/vm/guest-bench.list lists none that was built)"
    exit "$missing"
fi

mkdir -p "$BUILD_DIR"
status=0
"$REPO/kernel/vm/vm-run.sh" --tries 6 --timeout "$SECONDS_MAX" --total-timeout "$SECONDS_MAX" \
    --log-dir "$BUILD_DIR/vm-logs" "${adds[@]}" -- "failed=0; ${command}exit \$failed" |
    tee "$BUILD_DIR/vm-bench.log" || status=${PIPESTATUS[0]}
if [[ $status -eq 124 ]]; then
    echo "vm-bench: infrastructure failure: the guest never completed a boot" >&2
    exit 124
fi
[[ $status -eq 0 && $missing -eq 0 ]]
