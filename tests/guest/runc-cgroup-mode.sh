#!/bin/sh
# Runs in the VM guest (kernel/vm/guest-tests.list; busybox sh, BPF LSM, Landlock ABI 6): real runc
# containers sandboxed in cgroup mode by landlock-oci-hook, one TAP line per fact.
#   runc-cgroup-mode.sh [PART...]    PART: hooks (plain runc, hooks in config.json, mode:cgroup),
#                                    runtime (landlock-runtime, mode:both and mode:auto),
#                                    many (50 containers at once), kill (the hook killed at
#                                    every system call); default: all four, in that order
# A guest without runc or the build's binaries skips, except under CI=true, where it fails.
# shellcheck source=runc-guest-lib.sh
. /llh/lib/runc-guest-lib.sh

W=/tmp/runc-cgroup-mode
# rx:/bin for the workload, ro:/proc for runc's own `runc init` of `runc exec`, which joins the
# container's cgroup (and so its policy) before it execs the process and reads /proc/self/fd.
BASE_RULES='rx:/bin ro:/proc'
DENIED="cat: can't open '/secret/file': Permission denied"
MANY=50
KILL_AT=/usr/local/bin/kill-at-syscall  # tests/guest/kill_at_syscall.cpp
MAP_COUNT=/usr/local/bin/bpf-map-count  # tests/guest/bpf_map_count.cpp

n=0
failed=0
pass() {
    n=$((n + 1))
    echo "ok $n - $1"
}
fail() {  # fail DESCRIPTION [DETAIL...]: a failed fact, each DETAIL as a comment line
    n=$((n + 1))
    echo "not ok $n - $1"
    shift
    for detail in "$@"; do printf '%s\n' "$detail" | sed 's/^/#   /'; done
    failed=1
}
# expect DESCRIPTION EXPECTED ACTUAL
expect() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected: $2" "actual:   $3"; fi
}
# check DESCRIPTION COMMAND...: the command succeeds (its output shown when it does not).
check() {
    description=$1
    shift
    if output=$("$@" 2>&1); then pass "$description"; else fail "$description" "$* failed:" "$output"; fi
}
# wait_for SECONDS COMMAND...: until the command succeeds, at most SECONDS (TCG is slow).
wait_for() {
    deadline=$(($(cut -d. -f1 /proc/uptime) + $1))
    shift
    until "$@"; do
        [ "$(cut -d. -f1 /proc/uptime)" -lt "$deadline" ] || return 1
        sleep 1
    done
}
# starts DESCRIPTION COMMAND...: a runc create or run -d that must succeed. Its output goes to a
# file, never a pipe: the container's process inherits runc's stdio and would hold a pipe open.
starts() {
    description=$1
    shift
    if "$@" </dev/null >"$W/starts.out" 2>&1; then
        pass "$description"
    else
        fail "$description" "$(cat "$W/starts.out")"
        return 1
    fi
}
lines_in() { [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; }

# state_pid ID: the container's host pid (runc state), "" when it has none.
state_pid() { runc state "$1" 2>/dev/null | sed -n 's/^  "pid": \([0-9]*\),$/\1/p'; }

# entries: "DOMAINS FS_RULES", how many entries cgroup mode's maps hold (attached cgroups, rules).
RG_MAPS=/sys/fs/bpf/landlock-hooks/maps
# Before cgroup mode's first load on this boot there are no maps: nothing is attached.
entries() {
    if [ -e "$RG_MAPS" ]; then
        "$MAP_COUNT" "$RG_MAPS/llh_domains" "$RG_MAPS/llh_fs_rules" | tr '\n' ' ' | sed 's/ $//'
    else
        echo "0 0"
    fi
}

# attached CGROUP_ID: does `landlockctl status` list a policy on that cgroup?
attached() { [ "$(rg_status_rules "$1")" != none ]; }

# ---- hooks: plain runc, the hooks in config.json, mode:cgroup ------------------------------------
part_hooks() {
    id=llh-hooks
    rootfs=$W/rootfs-hooks
    rg_make_rootfs "$rootfs"
    mkfifo "$rootfs/tmp/go"
    rg_make_bundle "$W/hooks" "$rootfs" "$BASE_RULES ro:/data rw:/tmp mode:cgroup" hooks \
        sh -c 'cat /data/file /secret/file >/tmp/main.out 2>&1; exec sleep 1000'
    starts "plain runc with the hooks in config.json starts a mode:cgroup container" \
        runc run -d "$RG_NO_PIVOT" --bundle "$W/hooks" "$id" || return
    pid=$(state_pid "$id")
    cgroup=$(rg_cgroup_of "$pid")
    cgroup_id=$(rg_cgroup_id "$cgroup")
    expect "the record says mode cgroup" cgroup "$(rg_record_field "$id" mode)"
    expect "the record names the container's cgroup by id" "$cgroup_id" "$(rg_record_field "$id" cgroupId cgroup_id)"
    expect "the record names the container's cgroup directory" "$cgroup" "$(rg_record_field "$id" cgroupDir cgroup_dir)"
    check "landlockctl status lists the container's cgroup" attached "$cgroup_id"

    wait_for 30 lines_in "$rootfs/tmp/main.out" 2
    expect "the container's process reads what is allowed and gets EACCES for the rest" \
        "hello from data
$DENIED" "$(cat "$rootfs/tmp/main.out" 2>&1)"
    expect "runc exec: an allowed read works" "hello from data" "$(runc exec "$id" cat /data/file 2>&1)"
    expect "runc exec: a denied read gets Permission denied" "$DENIED" "$(runc exec "$id" cat /secret/file 2>&1)"

    # A process the container moves into a child cgroup (as systemd or a nested runtime would).
    mkdir "$cgroup/llh-child"
    runc exec -d --pid-file "$W/child.pid" "$id" sh -c 'read -r go </tmp/go; cat /secret/file /data/file' \
        </dev/null >"$W/child.out" 2>&1
    child=$(cat "$W/child.pid" 2>/dev/null)
    echo "$child" >"$cgroup/llh-child/cgroup.procs"
    expect "the exec'd process is in the child cgroup" "0::/$id/llh-child" "$(cat "/proc/$child/cgroup" 2>&1)"
    timeout 30 sh -c 'echo go >"$1"' go "$rootfs/tmp/go"
    wait_for 30 lines_in "$W/child.out" 2
    expect "a process in a child cgroup of the container's is held to the policy" \
        "$DENIED
hello from data" "$(cat "$W/child.out")"

    check "runc delete -f (the poststop hook) succeeds" runc delete -f "$id"
    expect "after runc delete the cgroup has no policy" none "$(rg_status_rules "$cgroup_id")"
    check "after runc delete the container's record is gone" test ! -e "$RG_RECORDS/$id.json"
}

# ---- runtime: landlock-runtime, both layers ------------------------------------------------------
part_runtime() {
    rootfs=$W/rootfs-runtime
    rg_make_rootfs "$rootfs"
    for mode in both auto; do
        id=llh-runtime-$mode
        bundle=$W/runtime-$mode
        rg_make_bundle "$bundle" "$rootfs" "$BASE_RULES ro:/data mode:$mode" "" sleep 1000
        starts "mode:$mode: landlock-runtime starts the container" \
            "$RG_RUNTIME" run -d "$RG_NO_PIVOT" --bundle "$bundle" "$id" || continue
        check "mode:$mode: the process starts with landlock-launch" \
            sh -c "tr -d ' \n\t' <'$bundle/config.json' | grep -q '\"args\":\[\"/dev/.landlock/landlock-launch\"'"
        check "mode:$mode: config.json has the createRuntime hook of landlock-oci-hook" \
            sh -c "tr -d ' \n\t' <'$bundle/config.json' | grep -q '\"createRuntime\":\[{\"path\":\"[^\"]*landlock-oci-hook\"'"
        expect "mode:$mode: the record says both" both "$(rg_record_field "$id" mode)"
        inspect=$("$RG_CTL" inspect "$id" 2>&1)
        if printf '%s\n' "$inspect" | grep -qi 'mode.*both'; then
            pass "mode:$mode: landlockctl inspect says both"
        else
            fail "mode:$mode: landlockctl inspect says both" "$inspect"
        fi
        cgroup_id=$(rg_cgroup_id "$(rg_cgroup_of "$(state_pid "$id")")")
        check "mode:$mode: the container's cgroup has a policy" attached "$cgroup_id"
        expect "mode:$mode: exec: an allowed read works" "hello from data" \
            "$("$RG_RUNTIME" exec "$id" cat /data/file 2>&1)"
        expect "mode:$mode: exec: a denied read gets Permission denied" "$DENIED" \
            "$("$RG_RUNTIME" exec "$id" cat /secret/file 2>&1)"
        check "mode:$mode: landlock-runtime delete -f succeeds" "$RG_RUNTIME" delete -f "$id"
        expect "mode:$mode: after delete the cgroup has no policy" none "$(rg_status_rules "$cgroup_id")"
        check "mode:$mode: after delete the record is gone" test ! -e "$RG_RECORDS/$id.json"
    done
}

# ---- many: 50 containers at once, each allowed only its own file ---------------------------------
part_many() {
    rootfs=$W/rootfs-many
    rg_make_rootfs "$rootfs"
    mkdir -p "$rootfs/own"
    i=1
    while [ "$i" -le "$MANY" ]; do
        other=$((i % MANY + 1))
        echo "c$i" >"$rootfs/own/c$i"
        # Each waits until all are up (a stat is not a file access), then reads its own file and
        # its neighbour's.
        rg_make_bundle "$W/many-$i" "$rootfs" "rx:/bin ro:/proc:/own/c$i mode:cgroup" hooks \
            sh -c "until [ -e /go ]; do sleep 1; done; cat /own/c$i /own/c$other; echo end"
        i=$((i + 1))
    done
    before=$(rg_status_count)
    i=1
    while [ "$i" -le "$MANY" ]; do
        (runc run -d "$RG_NO_PIVOT" --bundle "$W/many-$i" "llh-many-$i" </dev/null >"$W/many-$i.out" 2>&1
            echo $? >"$W/many-$i.status") &
        # Ten starts at a time: 50 at once ran the 1 GiB guest out of memory (each runc init holds
        # a ~9 MiB copy of runc); all 50 containers and their policies still exist together.
        [ $((i % 10)) -ne 0 ] || wait
        i=$((i + 1))
    done
    wait
    started=$(cat "$W"/many-*.status | grep -c '^0$')
    expect "$MANY containers started, ten at a time" "$MANY" "$started"
    expect "each has its own policy" "$((before + MANY))" "$(rg_status_count)"
    [ "$started" -gt 0 ] || return
    touch "$rootfs/go"
    # One deadline for all: those that did not start count as wrong, not as slow.
    wait_for 120 sh -c "[ \$(grep -lx end '$W'/many-*.out | wc -l) -ge $started ]"
    bad=""
    i=1
    while [ "$i" -le "$MANY" ]; do
        other=$((i % MANY + 1))
        want="c$i
cat: can't open '/own/c$other': Permission denied
end"
        [ "$(cat "$W/many-$i.out")" = "$want" ] || bad="$bad llh-many-$i: $(tr '\n' '|' <"$W/many-$i.out")"
        i=$((i + 1))
    done
    expect "each container reads its own file and not its neighbour's (no cross-talk)" "" "$bad"

    i=1
    while [ "$i" -le "$MANY" ]; do
        runc delete -f "llh-many-$i" >"$W/many-$i.delete" 2>&1 &
        i=$((i + 1))
    done
    wait
    expect "after deleting them all at once, no cgroup has a policy" 0 "$(rg_status_count)"
    expect "no record is left" "" "$(ls "$RG_RECORDS" 2>/dev/null)"
    "$RG_CTL" collect >/dev/null
    expect "after landlockctl collect, no domain and no rule entry is left" "0 0" "$(entries)"
}

# ---- kill: the hook killed at each of its system calls -------------------------------------------

# kill_every_step STAGE: runs `landlock-oci-hook STAGE` on the container's state, killed at its
# first, second, ... system call until it ends by itself, and checks the maps after each kill:
# nothing of the policy or all of it. Before each run the container is set to what the stage
# expects (no policy for createRuntime, the full one for poststop).
kill_every_step() {
    stage=$1 step=1 half="" leaks=""
    while [ "$step" -le 5000 ]; do
        if [ "$stage" = poststop ] && [ "$(entries)" != "$FULL" ]; then
            "$RG_HOOK" createRuntime <"$W/kill.state" >/dev/null 2>&1
        fi
        "$KILL_AT" "$step" "$RG_HOOK" "$stage" <"$W/kill.state" >/dev/null 2>"$W/kill.err"
        result=$?
        now=$(entries)
        if [ "$result" -eq 3 ]; then
            break
        fi
        case "$now" in
        "$FULL") ;;
        "0 "*)
            # Nothing attached; rule entries written before the kill are garbage for collect.
            [ "$now" = "0 0" ] || "$RG_CTL" collect >/dev/null
            ;;
        *) half="$half step $step: $now;" ;;
        esac
        if [ "$stage" = createRuntime ] && { [ "$now" != "0 0" ] || [ -e "$RG_RECORDS/$id.json" ]; }; then
            # What a real poststop would do next: it must find and remove what was attached.
            "$RG_HOOK" poststop <"$W/kill.state" >/dev/null 2>&1
            if [ "$(entries)" != "0 0" ]; then
                leaks="$leaks step $step: $(entries);"
                "$RG_CTL" detach --cgroup "$KILL_CGROUP" >/dev/null 2>&1
                "$RG_CTL" collect >/dev/null 2>&1
            fi
        fi
        step=$((step + 1))
    done
    expect "$stage killed at each of its $((step - 1)) system calls: never part of a policy" "" "$half"
    if [ "$stage" = createRuntime ]; then
        expect "createRuntime killed at any step: poststop removes all of it" "" "$leaks"
        expect "createRuntime left alone ends well and attaches the whole policy" "exited 0 $FULL" \
            "$(tail -n 1 "$W/kill.err") $(entries)"
    else
        expect "poststop left alone ends well and detaches the whole policy" "exited 0 0 0" \
            "$(tail -n 1 "$W/kill.err") $(entries)"
    fi
}

part_kill() {
    id=llh-kill
    rootfs=$W/rootfs-kill
    rg_make_rootfs "$rootfs"
    # The annotation but no hooks: runc create makes the pid and the cgroup, nothing attaches.
    rg_make_bundle "$W/kill" "$rootfs" "$BASE_RULES ro:/data:/etc rw:/tmp mode:cgroup" "" \
        sh -c 'cat /data/file /secret/file >/tmp/main.out 2>&1; exec sleep 1000'
    starts "runc create makes a container to run the hook on" \
        runc create "$RG_NO_PIVOT" --bundle "$W/kill" "$id" || return
    runc state "$id" >"$W/kill.state"
    KILL_CGROUP=$(rg_cgroup_of "$(state_pid "$id")")
    expect "no policy is attached before the hook runs" "0 0" "$(entries)"
    "$RG_HOOK" createRuntime <"$W/kill.state" >/dev/null 2>&1
    FULL=$(entries)
    case "$FULL" in
    "1 "*) pass "the hook on its own attaches the policy ($FULL entries)" ;;
    *) fail "the hook on its own attaches the policy" "entries: $FULL" ;;
    esac
    "$RG_HOOK" poststop <"$W/kill.state" >/dev/null 2>&1
    expect "poststop on its own detaches it" "0 0" "$(entries)"
    kill_every_step createRuntime
    kill_every_step poststop
    # runc create has done runc's own set-up (mounts, pivot_root): attached now, the policy holds
    # the workload from its exec on.
    "$RG_HOOK" createRuntime <"$W/kill.state" >/dev/null 2>&1
    runc start "$id"
    wait_for 30 lines_in "$rootfs/tmp/main.out" 2
    expect "attached between runc create and runc start, the policy holds the workload" \
        "hello from data
$DENIED" "$(cat "$rootfs/tmp/main.out" 2>&1)"
    runc delete -f "$id" >/dev/null 2>&1
    "$RG_HOOK" poststop <"$W/kill.state" >/dev/null 2>&1
    # A write cut short (a policy file, a record) must not stay behind either.
    expect "no record or policy file of a killed hook is left" "" \
        "$(find "$RG_RECORDS" /run/landlock-hooks/policies -type f 2>/dev/null)"
}

missing=$(rg_missing)
for helper in "$KILL_AT" "$MAP_COUNT"; do
    [ -x "$helper" ] || missing="$missing${missing:+
}$helper is not in the guest (kernel/vm/guest-tests.list file lines)"
done
if [ -n "$missing" ]; then
    echo "1..1"
    if [ "${CI:-}" = true ]; then
        echo "not ok 1 - runc containers in cgroup mode: required in CI but missing"
        printf '%s\n' "$missing" | sed 's/^/#   /'
        exit 1
    fi
    echo "ok 1 # skip runc containers in cgroup mode: $(printf '%s' "$missing" | head -n 1)"
    exit 0
fi
mkdir -p "$W"
[ $# -gt 0 ] || set -- hooks runtime many kill
for part in "$@"; do
    start=$(cut -d. -f1 /proc/uptime)
    "part_$part"
    echo "# $part: $(($(cut -d. -f1 /proc/uptime) - start))s"
done
echo "1..$n"
exit "$failed"
