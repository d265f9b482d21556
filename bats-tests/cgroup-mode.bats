#!/usr/bin/env bats
# landlockctl attach / detach / status on this host: cgroup mode's operator handle, with the exact
# errors of a kernel that refuses BPF LSM programs. Enforcement itself runs in the VM
# (kernel/tests/, through kernel/vm/vm-run.sh), where BPF LSM loads.

load helpers

bats_require_minimum_version 1.5.0

setup() {
    require_landlockctl
    # The first cgroup2 mount: /sys/fs/cgroup (unified) or /sys/fs/cgroup/unified (hybrid).
    CGROUP2=$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo)
    require_or_fail "no cgroup2 mount" test -n "$CGROUP2"
    CGROUP=$CGROUP2/llh-bats-$$-$BATS_TEST_NUMBER
    mkdir "$CGROUP"
}

teardown() {
    [[ -n "${CGROUP:-}" && -d "$CGROUP" ]] && rmdir "$CGROUP"
    return 0
}

# Hosts where BPF LSM loads get the VM's expectations instead.
require_refused_bpf_lsm() {
    local available
    available=$("$LANDLOCKCTL" features --json | jq -r '.bpfLsm.available')
    if [[ "$available" == "yes" ]]; then
        skip "BPF LSM loads on this kernel: these expectations are for hosts that refuse it"
    fi
}

bpffs_state() {
    if grep -q ' /sys/fs/bpf .* - bpf ' /proc/self/mountinfo; then echo mounted; else echo absent; fi
}

@test "attach: a kernel that refuses BPF LSM gets the probe's reason and the boot hint" {
    require_refused_bpf_lsm
    local before
    before=$(bpffs_state)
    run --separate-stderr "$LANDLOCKCTL" attach --cgroup "$CGROUP" --rules "rx:/usr ro:/etc"
    assert_equal "$status" 1
    assert_equal "$output" ""
    # shellcheck disable=SC2154 # set by run --separate-stderr
    assert_equal "$stderr" "landlockctl attach: $CGROUP: cgroup mode: probe: BPF LSM is not available: the kernel refused to load an lsm/file_open program: EPERM (Operation not permitted), verifier log empty (hint: cgroup mode needs a kernel booted with lsm=...,bpf that loads BPF LSM programs; \`landlockctl features\` shows what this kernel offers)"
    # Refused before anything changed: no bpffs mounted, nothing pinned.
    assert_equal "$(bpffs_state)" "$before"
    [[ ! -e /sys/fs/bpf/landlock-hooks ]]
}

@test "attach: a directory that is not a cgroup v2 directory is refused first" {
    run --separate-stderr "$LANDLOCKCTL" attach --cgroup "$BATS_TEST_TMPDIR" --rules "ro:/usr"
    assert_equal "$status" 1
    assert_equal "$stderr" "landlockctl attach: \"$BATS_TEST_TMPDIR\" is not a cgroup v2 directory (hint: give a directory under the cgroup2 mount (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid systems))"
}

@test "attach: a missing cgroup directory is refused with its errno" {
    run --separate-stderr "$LANDLOCKCTL" attach --cgroup "$CGROUP/missing" --rules "ro:/usr"
    assert_equal "$status" 1
    assert_equal "$stderr" "landlockctl attach: cannot open the cgroup \"$CGROUP/missing\": No such file or directory (hint: create it (mkdir) under the cgroup2 mount first)"
}

@test "attach: policy errors are reported before cgroup mode is touched" {
    run --separate-stderr "$LANDLOCKCTL" attach --cgroup "$CGROUP" --rules "ro:relative"
    assert_equal "$status" 1
    assert_equal "$stderr" "--rules: item 1 \"ro:relative\": error: relative path \"relative\" (hint: paths are absolute, as the workload sees them: \"/relative\")
landlockctl attach: 1 error in the policy: $CGROUP was not changed"
}

@test "attach: --cgroup and a policy are required" {
    run --separate-stderr "$LANDLOCKCTL" attach --rules "ro:/usr"
    assert_equal "$status" 2
    run --separate-stderr "$LANDLOCKCTL" attach --cgroup "$CGROUP"
    assert_equal "$status" 2
    assert_equal "$stderr" "landlockctl attach: no policy: give --policy FILE or --rules STRING"
}

@test "status, detach and collect without cgroup mode loaded change nothing" {
    require_refused_bpf_lsm
    run --separate-stderr "$LANDLOCKCTL" status
    assert_success
    assert_output "cgroup mode is not loaded: no cgroup has a policy"
    run --separate-stderr "$LANDLOCKCTL" status --json
    assert_success
    run jq -c . <<<"$output"
    assert_output '{"loaded":false,"attachments":[]}'
    run --separate-stderr "$LANDLOCKCTL" detach --cgroup "$CGROUP"
    assert_success
    assert_output "$CGROUP: no policy attached (cgroup mode is not loaded)"
    run --separate-stderr "$LANDLOCKCTL" collect
    assert_success
    assert_output "cgroup mode is not loaded: nothing to collect"
}

@test "features: cgroup mode follows the BPF LSM probe" {
    require_refused_bpf_lsm
    run "$LANDLOCKCTL" features
    assert_success
    assert_line "cgroup mode: not available: BPF LSM is not available"
    run "$LANDLOCKCTL" features --json
    run jq -c '.cgroupMode | [.available, .reason, .loaded]' <<<"$output"
    assert_output '["no","BPF LSM is not available",false]'
}
