#!/usr/bin/env bash
# Added wall time per container start: podman run --rm, crun run and runc run of `true`, plain,
# through landlock-hooks without a policy, and with a 10-rule policy. Medians over RUNS runs
# (default 20), reported as ratios to the plain start. The variants take turns within each round,
# so that load from anything else on the machine hits them alike.
# Usage: bench/containers-bench.sh [BUILD_DIR]; ENGINES="podman crun runc" (default) picks engines.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
export BUILD_DIR=${1:-${BUILD_DIR:-$HERE/../build}}
RUNS=${RUNS:-20}
ENGINES=${ENGINES:-podman crun runc}
# shellcheck source=../bats-tests/oci-common.bash
source "$HERE/../bats-tests/oci-common.bash"
oci_setup_binaries
for tool in $ENGINES jq; do
    command -v "$tool" >/dev/null || { echo "containers-bench: $tool is not installed" >&2; exit 1; }
done
[[ -x "$HOOK" && -x "$RUNTIME" && -x "$LAUNCH" ]] || { echo "containers-bench: build $BUILD_DIR first" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/llh-bench.XXXXXX")
cleanup() {
    oci_teardown_podman
    rm -rf "$WORK"
}
trap cleanup EXIT

RULES='rx:/bin ro:/etc ro:/data rw:/tmp ro:/secret ro:/var rw:/run ro:/dev/null ro:/proc ro:/sys'

# The median of the microsecond samples in FILE, in milliseconds.
median_ms() {
    sort -n "$1" | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.1f\n", m / 1000}'
}

report() {
    local name=$1 base=$2 value=$3
    awk -v n="$name" -v b="$base" -v v="$value" \
        'BEGIN {printf "%-44s %8.1f ms   x%.3f   (+%.1f ms, %+.1f%%)\n", n, v, v / b, v - b, (v / b - 1) * 100}'
}

# Runs each variant (a shell function name) once per round, RUNS rounds; samples in $WORK/NAME.
# prepare_NAME, when defined, runs first, untimed (restoring the bundle's config.json). The clock
# is bash's own: a date(1) process on each side would add its start and exit to every sample.
bench_rounds() {
    local round variant start end
    for ((round = 0; round < RUNS; round++)); do
        for variant in "$@"; do
            if declare -F "prepare_$variant" >/dev/null; then "prepare_$variant"; fi
            start=${EPOCHREALTIME/[.,]/}
            "$variant" >/dev/null 2>&1 || { echo "containers-bench: $variant failed" >&2; exit 1; }
            end=${EPOCHREALTIME/[.,]/}
            echo $((end - start)) >>"$WORK/$variant"
        done
    done
}

echo "containers-bench: $RUNS rounds, medians; kernel $(uname -r); load $(cut -d' ' -f1-3 /proc/loadavg)"

wants() { [[ " $ENGINES " == *" $1 "* ]]; }

# --- podman ---------------------------------------------------------------------------------
if wants podman; then
oci_setup_podman "$WORK/podman"
oci_write_podman_hooks "$WORK/podman/hooks"
podman_plain() { podman run --rm localhost/busybox true; }
podman_hooks() { podman --hooks-dir "$WORK/podman/hooks" run --rm localhost/busybox true; }
podman_policy() {
    podman --hooks-dir "$WORK/podman/hooks" run --rm --annotation "io.landlock.rules=$RULES" localhost/busybox true
}
# The floor of a podman start with a policy: the same four programs (precreate, createRuntime and
# poststop hooks, a step before the workload) and the same two bind mounts, each program doing
# nothing: cat(1) as the precreate hook, static glibc do-nothing programs for the rest.
podman_floor_hooks() {
    local dir=$1 step=$BUILD/bench/exec-step-libc
    mkdir -p "$dir"
    local stage path
    for stage in precreate createRuntime poststop; do
        if [[ $stage == precreate ]]; then path=$(command -v cat); else path=$step; fi
        jq -n --arg path "$path" --arg stage "$stage" '{version: "1.0.0",
            hook: {path: $path, args: [($path | split("/") | last)]},
            when: {annotations: {"^io\\.landlock\\..+$": ".*"}}, stages: [$stage]}' >"$dir/floor-$stage.json"
    done
}
FLOOR_MOUNTS=()
if [[ -x "$BUILD/bench/exec-step-libc" ]]; then
    podman_floor_hooks "$WORK/podman/floor-hooks"
    cp "$WORK/podman/hooks/landlock-precreate.json" "$WORK/floor-policy.json"  # any small file
    FLOOR_MOUNTS=(-v "$BUILD/bench/exec-step-libc:/dev/.landlock/landlock-launch:ro"
                  -v "$WORK/floor-policy.json:/dev/.landlock/policy.json:ro")
fi
podman_floor() {
    podman --hooks-dir "$WORK/podman/floor-hooks" run --rm --annotation "io.landlock.rules=$RULES" \
        "${FLOOR_MOUNTS[@]}" localhost/busybox /dev/.landlock/landlock-launch /bin/true
}
podman_plain >/dev/null  # warm the store
PODMAN_VARIANTS=(podman_plain podman_hooks podman_policy)
[[ ${#FLOOR_MOUNTS[@]} -gt 0 ]] && PODMAN_VARIANTS+=(podman_floor)
bench_rounds "${PODMAN_VARIANTS[@]}"
plain=$(median_ms "$WORK/podman_plain")
report "podman run --rm true (plain)" "$plain" "$plain"
report "podman, precreate hook dir, no annotation" "$plain" "$(median_ms "$WORK/podman_hooks")"
report "podman, precreate hook, 10-rule policy" "$plain" "$(median_ms "$WORK/podman_policy")"
if [[ ${#FLOOR_MOUNTS[@]} -gt 0 ]]; then
    report "floor: 3 do-nothing hooks + step (glibc), 2 mounts" "$plain" "$(median_ms "$WORK/podman_floor")"
fi
fi

# --- crun and runc: one bundle --------------------------------------------------------------
B="$WORK/bundle"
oci_make_bundle "$B" true
cp "$B/config.json" "$WORK/plain.json"
oci_set_annotation "$B" io.landlock.rules "$RULES"
cp "$B/config.json" "$WORK/policy.json"

# --- crun -----------------------------------------------------------------------------------
if wants crun; then
# Debian's /run is a tmpfs, and so are crun's state (/run/crun) and landlock-hooks' store
# (/run/landlock-hooks) there. Where /run is not one (this development VM: ext4 without a journal,
# mounted with online discard, so that every file replaced there waits for a discard), RUN_TMPFS=1
# (the default then) gives both directories a tmpfs inside the crun rounds' private mount
# namespace, plain and wrapped starts alike; RUN_TMPFS=0 measures on the host's /run as it is.
# The bundle of the main variants stays where it is (TMPDIR: Debian 12's /tmp is on disk); the
# *_run variants start the same bundle from a tmpfs under /run, where containerd, CRI-O and Docker
# keep the bundles they hand a runtime (landlock-runtime's users): the wrapper replaces config.json
# there, and on this VM's disk every replaced file waits for its discard.
RUN_FS=$(stat -f -c %T /run)
if [[ "$RUN_FS" == tmpfs ]]; then RUN_TMPFS=0; else RUN_TMPFS=${RUN_TMPFS:-1}; fi
if [[ "$RUN_TMPFS" == 1 ]]; then
    echo "containers-bench: crun rounds with /run/crun and /run/landlock-hooks on a tmpfs, as on Debian" \
        "(this machine's /run is $RUN_FS; RUN_TMPFS=0 measures on it)"
fi
# The floor (bench/exec_step.c): native mode adds two programs to a start, the wrapper before crun
# and the launcher before the workload. The floor variants start crun through a program that only
# execs it, with the policy start's config.json but that program bind-mounted where the launcher
# goes (same two bind mounts): what two extra programs cost at the least, with no libc at all and
# with static glibc's start (which, in a VM, includes its CPUID probing: each CPUID is an exit).
# The workload is /bin/true there (no PATH search in the step).
FLOORS=()
[[ -x "$BUILD/bench/exec-step" ]] && FLOORS+=(crun_floor)
[[ -x "$BUILD/bench/exec-step-libc" ]] && FLOORS+=(crun_floor_libc)
# The rounds run inside one pure-cgroup2 mount namespace (see crun_ns), so that setting the
# namespace up is not part of what is measured. One start of each variant comes first, untimed:
# on a fresh store the first start asking for a policy probes the kernel for cgroup mode.
cat >"$WORK/crun-bench.sh" <<INNER
set -euo pipefail
RUNS=$RUNS WORK=$WORK
if [[ $RUN_TMPFS == 1 ]]; then
    mkdir -p /run/crun /run/landlock-hooks
    mount -t tmpfs -o mode=0755 llh-bench /run/crun
    mount -t tmpfs -o mode=0755 llh-bench /run/landlock-hooks
fi
RB=/run/llh-bench-bundle
mkdir -p "\$RB"
mount -t tmpfs -o mode=0755 llh-bench "\$RB"
cp -a "$B/." "\$RB/"
$(declare -f bench_rounds)
prepare_crun_plain() { cp "$WORK/plain.json" "$B/config.json"; }
prepare_crun_wrapped() { cp "$WORK/plain.json" "$B/config.json"; }
prepare_crun_policy() { cp "$WORK/policy.json" "$B/config.json"; }
prepare_crun_floor() { cp "$WORK/floor.json" "$B/config.json"; }
prepare_crun_floor_libc() { cp "$WORK/floor-libc.json" "$B/config.json"; }
prepare_crun_plain_run() { cp "$WORK/plain.json" "\$RB/config.json"; }
prepare_crun_policy_run() { cp "$WORK/policy.json" "\$RB/config.json"; }
crun_plain() { crun run --bundle "$B" llh-bench-\$\$; }
crun_plain_run() { crun run --bundle "\$RB" llh-bench-\$\$; }
crun_policy_run() { LANDLOCK_RUNTIME=/usr/bin/crun "$RUNTIME" run --bundle "\$RB" llh-bench-\$\$; }
crun_wrapped() { LANDLOCK_RUNTIME=/usr/bin/crun "$RUNTIME" run --bundle "$B" llh-bench-\$\$; }
crun_policy() { LANDLOCK_RUNTIME=/usr/bin/crun "$RUNTIME" run --bundle "$B" llh-bench-\$\$; }
crun_floor() { "$BUILD/bench/exec-step" /usr/bin/crun run --bundle "$B" llh-bench-\$\$; }
crun_floor_libc() { "$BUILD/bench/exec-step-libc" /usr/bin/crun run --bundle "$B" llh-bench-\$\$; }
# The policy start's config.json, with a step where the launcher goes (made after its first start).
floor_config() {
    jq --arg step "\$1" '.process.args[0] as \$launcher
        | (.mounts[] | select(.destination == \$launcher) | .source) = \$step
        | .process.args = [\$launcher, "/bin/true"]' "$B/config.json"
}
for variant in crun_plain crun_wrapped crun_policy crun_plain_run crun_policy_run; do
    "prepare_\$variant"; "\$variant" >/dev/null 2>&1
done
floor_config "$BUILD/bench/exec-step" >"$WORK/floor.json"
floor_config "$BUILD/bench/exec-step-libc" >"$WORK/floor-libc.json"
bench_rounds crun_plain crun_wrapped crun_policy ${FLOORS[*]} crun_plain_run crun_policy_run
INNER
crun_ns bash "$WORK/crun-bench.sh"
plain=$(median_ms "$WORK/crun_plain")
report "crun run true (plain)" "$plain" "$plain"
report "crun via landlock-runtime, no annotation" "$plain" "$(median_ms "$WORK/crun_wrapped")"
report "crun via landlock-runtime, 10-rule policy" "$plain" "$(median_ms "$WORK/crun_policy")"
if [[ " ${FLOORS[*]} " == *" crun_floor "* ]]; then
    report "floor: two do-nothing steps (no libc), 2 mounts" "$plain" "$(median_ms "$WORK/crun_floor")"
fi
if [[ " ${FLOORS[*]} " == *" crun_floor_libc "* ]]; then
    report "floor: two do-nothing steps (glibc), 2 mounts" "$plain" "$(median_ms "$WORK/crun_floor_libc")"
fi
plain_run=$(median_ms "$WORK/crun_plain_run")
report "crun run true, bundle under /run (tmpfs)" "$plain_run" "$plain_run"
report "the same via landlock-runtime, 10-rule policy" "$plain_run" "$(median_ms "$WORK/crun_policy_run")"
fi

# --- runc -----------------------------------------------------------------------------------
if wants runc; then
RUNC=$(command -v runc)
prepare_runc_plain() { cp "$WORK/plain.json" "$B/config.json"; }
prepare_runc_wrapped() { cp "$WORK/plain.json" "$B/config.json"; }
prepare_runc_policy() { cp "$WORK/policy.json" "$B/config.json"; }
runc_plain() { runc run --bundle "$B" "llh-bench-$$"; }
runc_wrapped() { LANDLOCK_RUNTIME=$RUNC "$RUNTIME" run --bundle "$B" "llh-bench-$$"; }
runc_policy() { LANDLOCK_RUNTIME=$RUNC "$RUNTIME" run --bundle "$B" "llh-bench-$$"; }
bench_rounds runc_plain runc_wrapped runc_policy
plain=$(median_ms "$WORK/runc_plain")
report "runc run true (plain)" "$plain" "$plain"
report "runc via landlock-runtime, no annotation" "$plain" "$(median_ms "$WORK/runc_wrapped")"
report "runc via landlock-runtime, 10-rule policy" "$plain" "$(median_ms "$WORK/runc_policy")"
fi

