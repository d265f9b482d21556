#!/usr/bin/env bats
# Real crun 1.8, in a private mount namespace with pure cgroup2 (crun refuses this host's hybrid
# cgroups), through landlock-runtime and with plain crun plus the hooks in config.json.

bats_require_minimum_version 1.5.0
load oci-common

setup_file() {
    oci_require_runtime_suite crun
    require_or_fail "crun cannot run here (pure cgroup2 namespace)" crun_ns true
}

setup() {
    oci_setup_runtime_test crun crun
}

teardown() {
    oci_stop_syslog
    local id
    for id in "$ID" "$ID2"; do
        crun_ns "$RUNTIME" delete -f "$id" >/dev/null 2>&1 || true
        crun_ns crun delete -f "$id" >/dev/null 2>&1 || true
        rm -f "/run/landlock-hooks/containers/$id.json"
    done
}

@test "crun: allowed access works and denied access gets Permission denied" {
    oci_make_bundle "$B" sh -c 'cat /data/file; cat /secret/file; echo x > /data/new'
    oci_set_annotation "$B" io.landlock.rules 'rx:/bin ro:/data'
    run crun_ns "$RUNTIME" run --bundle "$B" "$ID"
    echo "$output"
    [[ "$output" == *"hello from data"* ]]
    [[ "$output" == *"cat: can't open '/secret/file': Permission denied"* ]]
    [[ "$output" == *"/data/new: Permission denied"* ]]
    [[ "$output" != *"top secret"* ]]
}

@test "crun: a container without annotations is untouched (config.json byte-identical)" {
    oci_make_bundle "$B" cat /secret/file
    local before
    before=$(sha256sum <"$B/config.json")
    run crun_ns "$RUNTIME" run --bundle "$B" "$ID"
    [ "$status" -eq 0 ]
    [ "$output" = "top secret" ]
    [ "$(sha256sum <"$B/config.json")" = "$before" ]
}

@test "crun: a bad annotation refuses the start with the exact error and leaves nothing" {
    oci_make_bundle "$B" sh -c 'echo WORKLOAD-RAN'
    oci_set_annotation "$B" io.landlock.rules 'rx:/bin rx:usr'
    oci_run_refused crun_ns "$RUNTIME" run --bundle "$B" "$ID"
    [[ "${lines[0]}" == "landlock-runtime: container $ID: io.landlock.rules: item 2 \"rx:usr\": "*"(hint: "* ]]
}

@test "crun: plain crun on an annotated config.json refuses the start with a clear error" {
    oci_make_bundle "$B" sh -c 'echo WORKLOAD-RAN'
    oci_add_hooks "$B"
    oci_set_annotation "$B" io.landlock.rules 'rx:/bin ro:/data'
    # crun drops hook output unless told where to write it.
    oci_set_annotation "$B" run.oci.hooks.stderr "$BATS_TEST_TMPDIR/hooks.err"
    run crun_ns crun run --bundle "$B" "$ID"
    echo "$output"
    cat "$BATS_TEST_TMPDIR/hooks.err"
    [ "$status" -ne 0 ]
    [[ "$output" != *"WORKLOAD-RAN"* ]]
    # The exact line, hint included.
    grep -Fx "landlock-oci-hook: container $ID: io.landlock.rules asks for a Landlock policy, but the container's process does not start through landlock-launch (hint: start the container with landlock-runtime (or podman with the precreate hook of contrib/hooks.d/podman/): plain runc or crun cannot put the launcher in the container's exec chain)" \
        "$BATS_TEST_TMPDIR/hooks.err"
}

@test "crun: exec into a landlock-runtime container is sandboxed too" {
    oci_make_bundle "$B" sleep 60
    oci_set_annotation "$B" io.landlock.rules 'rx:/bin ro:/data'
    # The detached workload inherits stdio: keep it off bats' pipes.
    crun_ns "$RUNTIME" run --detach --bundle "$B" "$ID" </dev/null >/dev/null 2>&1
    run crun_ns "$RUNTIME" exec "$ID" cat /data/file
    [ "$output" = "hello from data" ]
    run crun_ns "$RUNTIME" exec "$ID" cat /secret/file
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"Permission denied"* ]]
    jq -n '{terminal: false, user: {uid: 0, gid: 0}, cwd: "/", env: ["PATH=/bin"], args: ["cat", "/secret/file"]}' \
        >"$BATS_TEST_TMPDIR/process.json"
    run crun_ns "$RUNTIME" exec --process "$BATS_TEST_TMPDIR/process.json" "$ID"
    echo "$output"
    [[ "$output" == *"Permission denied"* ]]
}

@test "crun: two containers with different policies, and delete through landlock-runtime leaves nothing behind" {
    oci_make_bundle "$B" sleep 60
    oci_set_annotation "$B" io.landlock.rules 'rx:/bin ro:/data'
    local B2="$BATS_TEST_TMPDIR/bundle2"
    oci_make_bundle "$B2" sleep 60
    oci_set_annotation "$B2" io.landlock.rules 'rx:/bin ro:/secret'
    crun_ns "$RUNTIME" run --detach --bundle "$B" "$ID" </dev/null >/dev/null 2>&1
    crun_ns "$RUNTIME" run --detach --bundle "$B2" "$ID2" </dev/null >/dev/null 2>&1
    # No hook process per start: the wrapper recorded the container itself.
    [ "$(jq '.hooks // {} | [.[][] | select(.args[0] == "landlock-oci-hook")] | length' "$B/config.json")" = 0 ]
    [ "$(jq -r .stage "/run/landlock-hooks/containers/$ID.json")" = landlock-runtime ]
    [ "$(jq -r .runtimeRoot "/run/landlock-hooks/containers/$ID.json")" = /run/crun ]
    run crun_ns "$RUNTIME" exec "$ID" cat /secret/file
    [[ "$output" == *"Permission denied"* ]]
    run crun_ns "$RUNTIME" exec "$ID2" cat /secret/file
    [ "$output" = "top secret" ]
    local p1 p2
    p1=$(jq -r .policy "/run/landlock-hooks/containers/$ID.json")
    p2=$(jq -r .policy "/run/landlock-hooks/containers/$ID2.json")
    [ "$p1" != "$p2" ]
    crun_ns "$RUNTIME" delete -f "$ID"
    [ ! -e "/run/landlock-hooks/containers/$ID.json" ]
    [ ! -e "$p1" ]
    [ -e "$p2" ]
    run crun_ns "$RUNTIME" exec "$ID2" cat /data/file
    [[ "$output" == *"Permission denied"* ]]
    crun_ns "$RUNTIME" delete -f "$ID2"
    [ ! -e "/run/landlock-hooks/containers/$ID2.json" ]
    [ ! -e "$p2" ]
}

@test "crun: a foreground run (crun deletes the container itself) is collected at the next start" {
    export LANDLOCK_HOOKS_GC_GRACE=0  # collect at every start, whatever the age
    oci_make_bundle "$B" true
    oci_set_annotation "$B" io.landlock.rules "rx:/bin ro:/data:/tmp/a-$$"
    run crun_ns "$RUNTIME" run --bundle "$B" "$ID"
    [ "$status" -eq 0 ]
    local p1
    p1=$(jq -r .policy "/run/landlock-hooks/containers/$ID.json")
    [ -e "$p1" ]
    local B2="$BATS_TEST_TMPDIR/bundle2"
    oci_make_bundle "$B2" true
    oci_set_annotation "$B2" io.landlock.rules 'rx:/bin ro:/data'
    run crun_ns "$RUNTIME" run --bundle "$B2" "$ID2"
    [ "$status" -eq 0 ]
    [ ! -e "/run/landlock-hooks/containers/$ID.json" ]
    [ ! -e "$p1" ]
}

@test "crun: --read-only rootfs works" {
    oci_make_bundle "$B" sh -c 'cat /data/file; touch /data/x'
    jq '.root.readonly = true' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
    oci_set_annotation "$B" io.landlock.rules 'rx:/bin rw:/data'
    run crun_ns "$RUNTIME" run --bundle "$B" "$ID"
    echo "$output"
    [[ "$output" == *"hello from data"* ]]
    [[ "$output" == *"Read-only file system"* ]]
}

@test "crun: mode:auto on a kernel without cgroup mode runs in native mode and says so" {
    oci_require_no_cgroup_mode
    oci_make_bundle "$B" sh -c 'cat /data/file; cat /secret/file'
    oci_set_annotation "$B" io.landlock.rules 'rx:/bin ro:/data'
    run --separate-stderr crun_ns "$RUNTIME" run --bundle "$B" "$ID"
    echo "$output"
    echo "$stderr"
    [[ "$output" == *"hello from data"* ]]
    [[ "$stderr" == "landlock-runtime: container $ID: $AUTO_REPORT"$'\n'*"can't open '/secret/file': Permission denied"* ]]
    [ "$(jq '.hooks // {} | length' "$B/config.json")" = 0 ]
}

@test "crun: mode:cgroup and mode:both are refused with the lsm= hint, through landlock-runtime and the hook" {
    oci_require_no_cgroup_mode
    local mode state_before bpffs_before
    bpffs_before=$(oci_bpffs_mounts)
    for mode in cgroup both; do
        oci_make_bundle "$B" sh -c 'echo WORKLOAD-RAN'
        oci_set_annotation "$B" io.landlock.rules "rx:/bin mode:$mode"
        oci_run_refused crun_ns "$RUNTIME" run --bundle "$B" "$ID"
        [ "$output" = "landlock-runtime: container $ID: $(oci_mode_refusal "$mode")" ]
        state_before=$(oci_state_files)
        # Plain crun with the hooks in config.json: the createRuntime hook says the same.
        oci_add_hooks "$B"
        oci_set_annotation "$B" run.oci.hooks.stderr "$BATS_TEST_TMPDIR/hooks.err"
        run crun_ns crun run --bundle "$B" "$ID"
        echo "$output"
        [ "$status" -ne 0 ]
        [[ "$output" != *"WORKLOAD-RAN"* ]]
        grep -Fx "landlock-oci-hook: container $ID: $(oci_mode_refusal "$mode")" "$BATS_TEST_TMPDIR/hooks.err"
        [ "$(oci_state_files)" = "$state_before" ]
        crun_ns crun delete -f "$ID" >/dev/null 2>&1 || true
        rm -rf "$B" "$BATS_TEST_TMPDIR/hooks.err"
    done
    oci_assert_no_cgroup_mode_left "$bpffs_before"
}
