#!/bin/sh
# Runs in the VM guest (kernel/vm/guest-bench.list; bench/vm-bench.sh): what each sandboxing mode
# adds to a real runc container's start and stop. busybox sh.
#   vm-container-bench.sh [RUNS]        default 20 runs per variant, interleaved, plus one warm-up
# Variants, each `create`, `start` and `delete -f` of a container running `true`:
#   none    runc, no annotation
#   native  landlock-runtime, mode:native (landlock-launch in the exec chain)
#   cgroup  runc with the hooks in config.json, mode:cgroup (attach in createRuntime, detach in
#           poststop)
#   both    landlock-runtime, mode:both (the launcher and the hooks)
# Prints vm-container-timer's medians and RESULT lines, then the targets: cgroup mode adds no more
# than native mode does, and both add no more than the two together. Times in the TCG guest are
# not real times: only the ratios of one run compare.
# shellcheck source=../tests/guest/runc-guest-lib.sh
. /llh/lib/runc-guest-lib.sh

RUNS=${1:-20}
W=/tmp/container-bench
RULES='rx:/bin ro:/proc:/data'

missing=$(rg_missing)
if [ -n "$missing" ]; then
    printf 'vm-container-bench: %s\n' "$missing" >&2
    exit 1
fi
mkdir -p "$W"
rg_make_rootfs "$W/rootfs"
rg_make_bundle "$W/none" "$W/rootfs" "" "" true
rg_make_bundle "$W/native" "$W/rootfs" "$RULES mode:native" "" true
rg_make_bundle "$W/cgroup" "$W/rootfs" "$RULES mode:cgroup" hooks true
rg_make_bundle "$W/both" "$W/rootfs" "$RULES mode:both" "" true
{
    # As engines drive a runtime: create, start, delete (-f: `true` may not have ended yet).
    for variant in none native cgroup both; do
        runtime=runc
        case "$variant" in native | both) runtime=$RG_RUNTIME ;; esac
        echo "$variant $runtime create $RG_NO_PIVOT --bundle $W/$variant bench-$variant-{n}"
        echo "$variant $runtime start bench-$variant-{n}"
        echo "$variant $runtime delete -f bench-$variant-{n}"
    done
} >"$W/plan"

echo "container start + stop (create, start, delete of \`true\`), $RUNS runs per variant, interleaved"
/usr/local/bin/vm-container-timer --runs "$RUNS" --warmup 1 "$W/plan" >"$W/results"
status=$?
cat "$W/results"

# result NAME: the value of "RESULT NAME VALUE".
result() { awk -v name="container_$1_added_ms" '$1 == "RESULT" && $2 == name { print $3 }' "$W/results"; }
native=$(result native)
cgroup=$(result cgroup)
both=$(result both)
awk -v native="$native" -v cgroup="$cgroup" -v both="$both" 'BEGIN {
    verdict[0] = "MISSED"; verdict[1] = "met"
    if (native == "" || cgroup == "")
        print "target: cgroup mode adds no more than native mode: not measured (a variant failed)"
    else
        printf "target: cgroup mode adds no more than native mode (%.1f ms vs %.1f ms): %s\n",
            cgroup, native, verdict[cgroup <= native]
    if (native == "" || cgroup == "" || both == "")
        print "target: both add no more than native + cgroup: not measured (a variant failed)"
    else
        printf "target: both add no more than native + cgroup (%.1f ms vs %.1f ms): %s\n",
            both, native + cgroup, verdict[both <= native + cgroup]
}'
exit "$status"
