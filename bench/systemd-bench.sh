#!/usr/bin/env bash
# LandlockPolicy= costs, measured against a real systemd 252 (PID 1 of private namespaces, as in
# bats-tests/systemd-common.bash, with the same masks so that nothing touches the host):
#  1. added wall time of `systemctl start` of a oneshot /bin/true unit: plain without the guard
#     installed; plain with one `ExecStartPre=/bin/true` (what systemd charges for any extra
#     process in a start, the floor of an ExecStartPre= helper); plain with the guard (what every
#     service the generator has not seen pays once landlock-hooks is installed); and with a
#     10-rule LandlockPolicy= (native mode: the launcher in ExecStart=, no ExecStartPre=; the guard
#     drop-in is installed but reset by the generator's). Medians over RUNS starts (default 20),
#     variants taking turns within each round; ratios to the plain start.
#  2. landlock-systemd-generator over 500 unit files (50 with LandlockPolicy=, 100 drop-ins):
#     median of RUNS runs, with the cgroup-mode probe's answer cached (every daemon-reload but the
#     first of a boot); and, as root, median of RUNS first runs of a boot (no cached answer: the
#     generator runs the probe, a trial BPF load, because the units are mode:auto by default).
# Usage: bench/systemd-bench.sh [BUILD_DIR]
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
export LLH_BUILD_DIR=${1:-${LLH_BUILD_DIR:-$REPO/build}}
RUNS=${RUNS:-20}

# systemd-common.bash is written for bats: give it what it needs from bats.
load() { if [[ $1 == helpers ]]; then source "$REPO/bats-tests/helpers.bash"; fi; }
fail() { echo "systemd-bench: $*" >&2; exit 1; }
skip() { fail "$@"; }
BATS_TEST_TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/llh-sd-bench.XXXXXX")
BATS_TEST_NUMBER=bench
# shellcheck source=../bats-tests/systemd-common.bash
source "$REPO/bats-tests/systemd-common.bash"

cleanup() {
    sd_teardown || true
    rm -rf "$BATS_TEST_TMPDIR"
}
trap cleanup EXIT

now_us() { echo $((${EPOCHREALTIME/./})); }

# The median of the microsecond samples in FILE, in milliseconds.
median_ms() {
    sort -n "$1" | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.2f\n", m / 1000}'
}

# --- 2. the generator over 500 unit files ------------------------------------------------------
UNITS=$BATS_TEST_TMPDIR/units500
mkdir -p "$UNITS" "$BATS_TEST_TMPDIR/gen"
for i in $(seq 1 500); do
    {
        printf '[Unit]\nDescription=bench unit %d\n\n[Service]\nType=simple\n' "$i"
        printf 'ExecStart=/usr/bin/daemon-%d --config /etc/daemon-%d.conf --flag "quoted arg"\n' "$i" "$i"
        printf 'ExecReload=/bin/kill -HUP $MAINPID\nUser=nobody\nProtectSystem=strict\n'
        if ((i % 10 == 0)); then
            printf 'LandlockPolicy=rx:/usr:/lib ro:/etc/daemon-%d.conf rw:/var/lib/%%N bind:%d\n' "$i" $((8000 + i))
        fi
        printf '\n[Install]\nWantedBy=multi-user.target\n'
    } >"$UNITS/bench-$i.service"
    if ((i % 5 == 0)); then
        mkdir -p "$UNITS/bench-$i.service.d"
        printf '[Service]\nEnvironment=N=%d\n' "$i" >"$UNITS/bench-$i.service.d/override.conf"
    fi
done
# One generator run over $UNITS into an empty output directory; its microseconds appended to $1.
time_generator() {
    local start
    rm -rf "$BATS_TEST_TMPDIR/gen/normal"
    mkdir -p "$BATS_TEST_TMPDIR/gen/normal"
    start=$(now_us)
    SYSTEMD_UNIT_PATH=$UNITS SYSTEMD_SCOPE=system "$LLH_SYSTEMD_GENERATOR" "$BATS_TEST_TMPDIR/gen/normal" \
        "$BATS_TEST_TMPDIR/gen/early" "$BATS_TEST_TMPDIR/gen/late"
    echo $(($(now_us) - start)) >>"$1"
}
: >"$BATS_TEST_TMPDIR/gen.us"
for _ in $(seq 1 "$RUNS"); do time_generator "$BATS_TEST_TMPDIR/gen.us"; done
written=$(find "$BATS_TEST_TMPDIR/gen/normal" -name zz-landlock.conf | wc -l)
echo "generator: 500 unit files (50 with LandlockPolicy=, $written drop-ins written): median $(median_ms "$BATS_TEST_TMPDIR/gen.us") ms over $RUNS runs (target < 100 ms)"

# The first run of a boot finds no cgroup-mode.probe. Removed before each run inside a private
# mount namespace with an empty tmpfs on /run/landlock-hooks: the host's cached answer, which
# other programs read, stays untouched.
if [[ $(id -u) -eq 0 ]]; then
    : >"$BATS_TEST_TMPDIR/gen-first.us"
    mkdir -p /run/landlock-hooks
    export UNITS RUNS BATS_TEST_TMPDIR LLH_SYSTEMD_GENERATOR
    unshare --mount --propagation private bash -euo pipefail -c "$(declare -f now_us time_generator)"'
        mount -t tmpfs -o mode=0755 llh-bench /run/landlock-hooks
        for _ in $(seq 1 "$RUNS"); do
            rm -f /run/landlock-hooks/cgroup-mode.probe
            time_generator "$BATS_TEST_TMPDIR/gen-first.us"
            # No answer written: the probe did not run (cgroup mode attached) or could not answer.
            [[ -f /run/landlock-hooks/cgroup-mode.probe ]] || { echo "systemd-bench: the generator cached no probe answer" >&2; exit 1; }
        done'
    echo "generator, first run of a boot (no cached cgroup-mode probe: the probe runs): median $(median_ms "$BATS_TEST_TMPDIR/gen-first.us") ms over $RUNS runs (target < 100 ms)"
else
    echo "generator, first run of a boot: skipped (needs root: the probe's cache is root's)"
fi

# --- 1. systemctl start ----------------------------------------------------------------------
[[ $(id -u) -eq 0 ]] || fail "the start benchmark needs root (systemd as PID 1 of a namespace)"
SD_GUARD=0
sd_prepare
POLICY='rx:/usr ro:/etc/hostname ro:/etc/passwd ro:/etc/group rw:/tmp ro:/var/lib ro:/srv rw:/run bind:8080 connect:443'
for variant in plain landlock; do
    {
        printf '[Unit]\nDefaultDependencies=no\n[Service]\nType=oneshot\nExecStart=/bin/true\n'
        if [[ $variant == landlock ]]; then printf 'LandlockPolicy=%s\n' "$POLICY"; fi
    } >"$SD_UNITS/bench-$variant.service"
done
cp "$SD_UNITS/bench-plain.service" "$SD_UNITS/bench-guarded.service"
printf '[Unit]\nDefaultDependencies=no\n[Service]\nType=oneshot\nExecStartPre=/bin/true\nExecStart=/bin/true\n' \
    >"$SD_UNITS/bench-pre.service"
# The guard only for bench-guarded and bench-landlock, as a per-unit drop-in, so that the plain
# unit shows what a machine without landlock-hooks pays.
for unit in bench-guarded bench-landlock; do
    mkdir -p "$SD_UNITS/$unit.service.d"
    sed "s|@GUARD@|$LLH_SYSTEMD_GUARD|" "$LLH_GUARD_TEMPLATE" >"$SD_UNITS/$unit.service.d/landlock-guard.conf"
done
sd_boot
for variant in plain pre guarded landlock; do sd systemctl start "bench-$variant.service"; done  # warm up
for variant in plain pre guarded landlock; do : >"$BATS_TEST_TMPDIR/$variant.us"; done
for _ in $(seq 1 "$RUNS"); do
    for variant in plain pre guarded landlock; do
        start=$(now_us)
        sd systemctl start "bench-$variant.service"
        echo $(($(now_us) - start)) >>"$BATS_TEST_TMPDIR/$variant.us"
    done
done
plain=$(median_ms "$BATS_TEST_TMPDIR/plain.us")
pre=$(median_ms "$BATS_TEST_TMPDIR/pre.us")
guarded=$(median_ms "$BATS_TEST_TMPDIR/guarded.us")
landlock=$(median_ms "$BATS_TEST_TMPDIR/landlock.us")
echo "systemctl start of a oneshot /bin/true, median of $RUNS (each through nsenter):"
echo "  plain, no landlock-hooks:      $plain ms"
echo "  plain + ExecStartPre=/bin/true: $pre ms (ratio $(awk -v a="$pre" -v b="$plain" 'BEGIN{printf "%.2f", a/b}'))"
echo "  plain, with the guard drop-in: $guarded ms (ratio $(awk -v a="$guarded" -v b="$plain" 'BEGIN{printf "%.2f", a/b}'))"
echo "  LandlockPolicy= (10 rules):    $landlock ms (ratio $(awk -v a="$landlock" -v b="$plain" 'BEGIN{printf "%.2f", a/b}'); target < 1.10)"
