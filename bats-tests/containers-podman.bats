#!/usr/bin/env bats
# Real podman 4.3 (rootful), a private store and configuration, the precreate hook of
# contrib/hooks.d/podman/, and landlock-runtime as podman's --runtime.

load oci-common

setup_file() {
    oci_setup_binaries
    require_or_fail "podman is not installed" command -v podman
    require_or_fail "runc is not installed" command -v runc
    require_or_fail "landlock-oci-hook is not built in $BUILD" test -x "$HOOK"
    require_or_fail "landlock-launch is not built in $BUILD" test -x "$LAUNCH"
    export PODMAN_DIR="$BATS_FILE_TMPDIR/podman"
    oci_setup_podman "$PODMAN_DIR"
    oci_write_podman_hooks "$PODMAN_DIR/hooks"
}

teardown_file() {
    oci_setup_podman_env
    oci_teardown_podman
    rm -f /etc/landlock/policies/llh-podman-test.json
    # Only empty directories go: an administrator's policies stay.
    rmdir /etc/landlock/policies /etc/landlock 2>/dev/null || true
}

setup() {
    oci_setup_binaries
    oci_setup_podman_env
    HOOKS="$PODMAN_DIR/hooks"
    NAME="llh-podman-$BATS_TEST_NUMBER-$$"
}

teardown() {
    oci_stop_syslog
    podman rm -f -t 0 "$NAME" "$NAME-b" >/dev/null 2>&1 || true
}

@test "podman: allowed access works and denied access gets Permission denied" {
    run podman --hooks-dir "$HOOKS" run --rm --name "$NAME" --annotation io.landlock.rules='rx:/bin ro:/data' \
        localhost/busybox sh -c 'cat /data/file; cat /secret/file; echo x > /data/new'
    echo "$output"
    [[ "$output" == *"hello from data"* ]]
    [[ "$output" == *"cat: can't open '/secret/file': Permission denied"* ]]
    [[ "$output" == *"/data/new: Permission denied"* ]]
    [[ "$output" != *"top secret"* ]]
}

@test "podman: a container without annotations is untouched" {
    run podman --hooks-dir "$HOOKS" run --rm --name "$NAME" localhost/busybox \
        sh -c 'cat /secret/file; ls -a /dev'
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"top secret"* ]]
    [[ "$output" != *".landlock"* ]]
}

@test "podman: a bad annotation refuses the start with the exact error and leaves nothing" {
    oci_capture_syslog
    local state_before
    state_before=$(oci_state_files)
    run podman --hooks-dir "$HOOKS" run --rm --name "$NAME" --annotation io.landlock.rules='rx:/bin rx:usr' \
        localhost/busybox echo WORKLOAD-RAN
    echo "$output"
    oci_stop_syslog
    cat "$BATS_TEST_TMPDIR/syslog"
    [ "$status" -ne 0 ]
    [[ "$output" != *"WORKLOAD-RAN"* ]]
    [[ "$output" == *"Error: setting up OCI Hooks: executing [landlock-oci-hook precreate]: exit status 1"* ]]
    grep -F 'landlock-oci-hook[' "$BATS_TEST_TMPDIR/syslog" | grep -F ': landlock-oci-hook: io.landlock.rules: item 2 "rx:usr": ' |
        grep -F '(hint: ' 
    [ "$(oci_state_files)" = "$state_before" ]
    run podman container exists "$NAME"
    [ "$status" -ne 0 ]
}

@test "podman: a misspelt annotation refuses the start" {
    oci_capture_syslog
    run podman --hooks-dir "$HOOKS" run --rm --name "$NAME" --annotation io.landlock.rule='rx:/bin' \
        localhost/busybox echo WORKLOAD-RAN
    oci_stop_syslog
    [ "$status" -ne 0 ]
    [[ "$output" != *"WORKLOAD-RAN"* ]]
    grep -F 'landlock-oci-hook: io.landlock.rule: unknown annotation (hint: ' "$BATS_TEST_TMPDIR/syslog"
}

@test "podman: --read-only works (the mounts land on /dev's tmpfs)" {
    run podman --hooks-dir "$HOOKS" run --rm --read-only --name "$NAME" \
        --annotation io.landlock.rules='rx:/bin rw:/data:/tmp' localhost/busybox \
        sh -c 'cat /data/file; touch /data/x; echo ok > /tmp/y && cat /tmp/y; cat /secret/file'
    echo "$output"
    [[ "$output" == *"hello from data"* ]]
    [[ "$output" == *"Read-only file system"* ]]
    [[ "$output" == *"ok"* ]]
    [[ "$output" == *"can't open '/secret/file': Permission denied"* ]]
}

@test "podman: poststop leaves nothing behind" {
    run podman --hooks-dir "$HOOKS" run -d --name "$NAME" --annotation io.landlock.rules='rx:/bin ro:/data:/etc' \
        localhost/busybox sleep 60
    [ "$status" -eq 0 ]
    local id
    id=$(podman inspect --format '{{.Id}}' "$NAME")
    [ -e "/run/landlock-hooks/containers/$id.json" ]
    local policy
    policy=$(jq -r .policy "/run/landlock-hooks/containers/$id.json")
    [ -e "$policy" ]
    podman rm -f -t 0 "$NAME"
    [ ! -e "/run/landlock-hooks/containers/$id.json" ]
    [ ! -e "$policy" ]
}

@test "podman: two containers with different policies do not see each other's" {
    podman --hooks-dir "$HOOKS" run -d --name "$NAME" --annotation io.landlock.rules='rx:/bin ro:/data:/dev/.landlock' \
        localhost/busybox sleep 60
    podman --hooks-dir "$HOOKS" run -d --name "$NAME-b" --annotation io.landlock.rules='rx:/bin ro:/secret:/dev/.landlock' \
        localhost/busybox sleep 60
    local a b pa pb
    a=$(podman inspect --format '{{.Id}}' "$NAME")
    b=$(podman inspect --format '{{.Id}}' "$NAME-b")
    pa=$(jq -r .policy "/run/landlock-hooks/containers/$a.json")
    pb=$(jq -r .policy "/run/landlock-hooks/containers/$b.json")
    [ "$pa" != "$pb" ]
    # What each workload's launcher read is its own policy.
    [ "$(podman exec "$NAME" cat /dev/.landlock/policy.json | sha256sum)" = "$(sha256sum <"$pa")" ]
    [ "$(podman exec "$NAME-b" cat /dev/.landlock/policy.json | sha256sum)" = "$(sha256sum <"$pb")" ]
    podman rm -f -t 0 "$NAME"
    [ ! -e "$pa" ]
    [ -e "$pb" ]
}

@test "podman: file:NAME works and file:/etc/passwd is refused" {
    mkdir -p /etc/landlock/policies
    cat >/etc/landlock/policies/llh-podman-test.json <<'JSON'
{"ruleset": [{"handledAccessFs": ["execute", "read_file", "read_dir", "write_file"]}],
 "pathBeneath": [{"allowedAccess": ["read_file", "read_dir"], "parent": ["/data"]}]}
JSON
    run podman --hooks-dir "$HOOKS" run --rm --name "$NAME" \
        --annotation io.landlock.rules='rx:/bin file:llh-podman-test' localhost/busybox \
        sh -c 'cat /data/file; cat /secret/file'
    echo "$output"
    [[ "$output" == *"hello from data"* ]]
    [[ "$output" == *"can't open '/secret/file': Permission denied"* ]]

    oci_capture_syslog
    run podman --hooks-dir "$HOOKS" run --rm --name "$NAME-b" \
        --annotation io.landlock.rules='rx:/bin file:/etc/passwd' localhost/busybox echo WORKLOAD-RAN
    oci_stop_syslog
    [ "$status" -ne 0 ]
    [[ "$output" != *"WORKLOAD-RAN"* ]]
    grep -F 'landlock-oci-hook: io.landlock.rules' "$BATS_TEST_TMPDIR/syslog" | grep -F 'file:/etc/passwd' |
        grep -F '/etc/landlock/policies/'
}

@test "podman: with landlock-runtime as the runtime, podman exec is sandboxed too" {
    run podman --runtime "$RUNTIME" run -d --name "$NAME" --annotation io.landlock.rules='rx:/bin ro:/data' \
        localhost/busybox sleep 60
    echo "$output"
    [ "$status" -eq 0 ]
    run podman exec "$NAME" cat /data/file
    [ "$output" = "hello from data" ]
    run podman exec "$NAME" cat /secret/file
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"Permission denied"* ]]
    local id
    id=$(podman inspect --format '{{.Id}}' "$NAME")
    [ -e "/run/landlock-hooks/containers/$id.json" ]
    run "$CTL" inspect "$id"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"annotation:  io.landlock.rules=rx:/bin ro:/data"* ]]
    [[ "$output" == *"path         /data: read_file, read_dir"* ]]
    # podman deletes the container through its runtime: landlock-runtime releases the record.
    local policy
    policy=$(jq -r .policy "/run/landlock-hooks/containers/$id.json")
    podman rm -f -t 0 "$NAME"
    [ ! -e "/run/landlock-hooks/containers/$id.json" ]
    [ ! -e "$policy" ]
}

@test "podman: mode:auto on a kernel without cgroup mode runs in native mode and says so" {
    oci_require_no_cgroup_mode
    oci_capture_syslog
    run podman --hooks-dir "$HOOKS" run -d --name "$NAME" --annotation io.landlock.rules='rx:/bin ro:/data' \
        localhost/busybox sh -c 'cat /secret/file; sleep 60'
    [ "$status" -eq 0 ]
    oci_stop_syslog
    local i
    for ((i = 0; i < 50; i++)); do
        run podman logs "$NAME"
        [[ "$output" == *"Permission denied"* ]] && break
        sleep 0.1
    done
    [[ "$output" == *"can't open '/secret/file': Permission denied"* ]]
    # The precreate hook decides and warns; the createRuntime hook decides the same again.
    oci_syslog_has "landlock-oci-hook: $AUTO_REPORT"
    local id
    id=$(podman inspect --format '{{.Id}}' "$NAME")
    oci_syslog_has "landlock-oci-hook: container $id: $AUTO_REPORT"
    run "$CTL" inspect "$id"
    echo "$output"
    [[ "$output" == *$'\n'"  mode:        native"$'\n'"  mode report: $AUTO_REPORT"$'\n'* ]]
}

@test "podman: mode:cgroup and mode:both are refused with the lsm= hint, with the precreate hook and with landlock-runtime" {
    oci_require_no_cgroup_mode
    local mode state_before bpffs_before
    bpffs_before=$(oci_bpffs_mounts)
    state_before=$(oci_state_files)
    for mode in cgroup both; do
        oci_capture_syslog
        run podman --hooks-dir "$HOOKS" run --rm --name "$NAME" --annotation io.landlock.rules="rx:/bin mode:$mode" \
            localhost/busybox echo WORKLOAD-RAN
        oci_stop_syslog
        echo "$output"
        [ "$status" -ne 0 ]
        [[ "$output" != *"WORKLOAD-RAN"* ]]
        [[ "$output" == *"Error: setting up OCI Hooks: executing [landlock-oci-hook precreate]: exit status 1"* ]]
        oci_syslog_has "landlock-oci-hook: $(oci_mode_refusal "$mode")"

        run podman --runtime "$RUNTIME" run --rm --name "$NAME-b" --annotation io.landlock.rules="rx:/bin mode:$mode" \
            localhost/busybox echo WORKLOAD-RAN
        echo "$output"
        [ "$status" -ne 0 ]
        [[ "$output" != *"WORKLOAD-RAN"* ]]
        [[ "$output" == *"landlock-runtime: container "*": $(oci_mode_refusal "$mode")"* ]]
        podman rm -f -t 0 "$NAME" "$NAME-b" >/dev/null 2>&1 || true
    done
    [ "$(oci_state_files)" = "$state_before" ]
    oci_assert_no_cgroup_mode_left "$bpffs_before"
}
