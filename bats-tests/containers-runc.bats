#!/usr/bin/env bats
# Real runc 1.1, through landlock-runtime and with plain runc plus the hooks in config.json.

load oci-common

setup_file() {
    oci_require_runtime_suite runc
}

setup() {
    oci_setup_runtime_test runc runc
}

teardown() {
    local id
    for id in "$ID" "$ID2"; do
        runc delete -f "$id" >/dev/null 2>&1 || true
        rm -f "/run/landlock-hooks/containers/$id.json"
    done
    rm -f "/etc/landlock/policies/llh-test-$$.json"
    # Only empty directories go: an administrator's policies stay.
    rmdir /etc/landlock/policies /etc/landlock 2>/dev/null || true
}

@test "runc: allowed access works and denied access gets Permission denied" {
    oci_make_bundle "$B" sh -c 'cat /data/file; cat /secret/file; echo x > /data/new'
    oci_set_annotation "$B" io.landlock.rules 'rx:/bin ro:/data'
    run "$RUNTIME" run --bundle "$B" "$ID"
    echo "$output"
    [[ "$output" == *"hello from data"* ]]
    [[ "$output" == *"cat: can't open '/secret/file': Permission denied"* ]]
    [[ "$output" == *"/data/new: Permission denied"* ]]
    [[ "$output" != *"top secret"* ]]
}

@test "runc: a container without annotations is untouched (config.json byte-identical)" {
    oci_make_bundle "$B" sh -c 'cat /secret/file'
    local before
    before=$(sha256sum <"$B/config.json")
    run "$RUNTIME" run --bundle "$B" "$ID"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"top secret"* ]]
    [ "$(sha256sum <"$B/config.json")" = "$before" ]
}

@test "runc: the rewrite happens once and the policy is mounted read-only" {
    oci_make_bundle "$B" sh -c 'cat /dev/.landlock/policy.json >/tmp/p && echo readable; echo hi > /dev/.landlock/policy.json'
    oci_set_annotation "$B" io.landlock.rules 'rx:/bin rw:/dev/.landlock:/tmp'
    run "$RUNTIME" run --bundle "$B" "$ID"
    echo "$output"
    [[ "$output" == *"readable"* ]]
    [[ "$output" == *"Read-only file system"* ]]
    [ "$(jq -r '.process.args | join(" ")' "$B/config.json")" = \
      "/dev/.landlock/landlock-launch --policy /dev/.landlock/policy.json -- sh -c $(jq -r '.process.args[-1]' "$B/config.json")" ]
    # Running the same bundle again keeps one launcher prefix and one pair of mounts.
    run "$RUNTIME" run --bundle "$B" "$ID"
    [[ "$output" == *"readable"* ]]
    [ "$(jq -r '.process.args[0:5] | join(" ")' "$B/config.json")" = \
      "/dev/.landlock/landlock-launch --policy /dev/.landlock/policy.json -- sh" ]
    [ "$(jq '[.mounts[] | select(.destination | startswith("/dev/.landlock"))] | length' "$B/config.json")" = 2 ]
}

@test "runc: plain runc on an annotated config.json refuses the start with a clear error" {
    oci_make_bundle "$B" sh -c 'echo WORKLOAD-RAN; cat /secret/file'
    oci_add_hooks "$B"
    oci_set_annotation "$B" io.landlock.rules 'rx:/bin ro:/data'
    run runc run --bundle "$B" "$ID"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" != *"WORKLOAD-RAN"* ]]
    [[ "$output" == *"landlock-oci-hook: container $ID: io.landlock.rules asks for a Landlock policy, but the container's process does not start through landlock-launch (hint: start the container with landlock-runtime"* ]]
    [ ! -e "/run/landlock-hooks/containers/$ID.json" ]
}

@test "runc: a bad annotation refuses the start with the exact error and leaves nothing" {
    oci_make_bundle "$B" sh -c 'echo WORKLOAD-RAN'
    oci_set_annotation "$B" io.landlock.rules 'rx:/bin rx:usr'
    local before state_before
    before=$(sha256sum <"$B/config.json")
    state_before=$(oci_state_files)
    run "$RUNTIME" run --bundle "$B" "$ID"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" != *"WORKLOAD-RAN"* ]]
    [[ "${lines[0]}" == "landlock-runtime: container $ID: io.landlock.rules: item 2 \"rx:usr\": "*"(hint: "* ]]
    [ "$(sha256sum <"$B/config.json")" = "$before" ]
    [ "$(oci_state_files)" = "$state_before" ]
    run runc state "$ID"
    [ "$status" -ne 0 ]
}

@test "runc: a misspelt annotation is refused rather than ignored" {
    oci_make_bundle "$B" sh -c 'echo WORKLOAD-RAN'
    oci_set_annotation "$B" io.landlock.rule 'rx:/bin'
    run "$RUNTIME" run --bundle "$B" "$ID"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"landlock-runtime: container $ID: io.landlock.rule: unknown annotation (hint: "* ]]
}

@test "runc: an oversize annotation is refused" {
    oci_make_bundle "$B" sh -c 'echo WORKLOAD-RAN'
    oci_set_annotation "$B" io.landlock.rules "$(printf 'ro:/etc %.0s' $(seq 1 9000))"
    run "$RUNTIME" run --bundle "$B" "$ID"
    [ "$status" -eq 1 ]
    [[ "$output" == *"io.landlock.rules: the value is 72000 bytes, more than the limit of 65536"* ]]
}

@test "runc: exec into a landlock-runtime container is sandboxed too" {
    oci_make_bundle "$B" sleep 60
    oci_set_annotation "$B" io.landlock.rules 'rx:/bin ro:/data'
    # The detached workload inherits stdio: keep it off bats' pipes.
    "$RUNTIME" run --detach --bundle "$B" "$ID" </dev/null >/dev/null 2>&1
    run "$RUNTIME" exec "$ID" cat /data/file
    [ "$output" = "hello from data" ]
    run "$RUNTIME" exec "$ID" cat /secret/file
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"Permission denied"* ]]
    # With a process spec, as podman and containerd pass it.
    jq -n '{terminal: false, user: {uid: 0, gid: 0}, cwd: "/", env: ["PATH=/bin"], args: ["cat", "/secret/file"]}' \
        >"$BATS_TEST_TMPDIR/process.json"
    run "$RUNTIME" exec --process "$BATS_TEST_TMPDIR/process.json" "$ID"
    echo "$output"
    [[ "$output" == *"Permission denied"* ]]
}

@test "runc: two containers with different policies do not see each other's" {
    oci_make_bundle "$B" sleep 60
    oci_set_annotation "$B" io.landlock.rules 'rx:/bin ro:/data:/dev/.landlock'
    local B2="$BATS_TEST_TMPDIR/bundle2"
    oci_make_bundle "$B2" sleep 60
    oci_set_annotation "$B2" io.landlock.rules 'rx:/bin ro:/secret:/dev/.landlock'
    "$RUNTIME" run --detach --bundle "$B" "$ID" </dev/null >/dev/null 2>&1
    "$RUNTIME" run --detach --bundle "$B2" "$ID2" </dev/null >/dev/null 2>&1
    run "$RUNTIME" exec "$ID" cat /secret/file
    [[ "$output" == *"Permission denied"* ]]
    run "$RUNTIME" exec "$ID2" cat /secret/file
    [ "$output" = "top secret" ]
    run "$RUNTIME" exec "$ID2" cat /data/file
    [[ "$output" == *"Permission denied"* ]]
    local p1 p2
    p1=$(jq -r '.mounts[-1].source' "$B/config.json")
    p2=$(jq -r '.mounts[-1].source' "$B2/config.json")
    [ "$p1" != "$p2" ]
    [ "$("$RUNTIME" exec "$ID" cat /dev/.landlock/policy.json | sha256sum)" = "$(sha256sum <"$p1")" ]
    # Stopping one container leaves the other's policy and sandbox alone.
    runc delete -f "$ID"
    [ ! -e "$p1" ]
    [ -e "$p2" ]
    run "$RUNTIME" exec "$ID2" cat /data/file
    [[ "$output" == *"Permission denied"* ]]
}

@test "runc: poststop leaves nothing behind" {
    oci_make_bundle "$B" sleep 60
    oci_set_annotation "$B" io.landlock.rules 'rx:/bin ro:/data:/secret:/etc'
    "$RUNTIME" run --detach --bundle "$B" "$ID" </dev/null >/dev/null 2>&1
    local policy
    policy=$(jq -r '.mounts[-1].source' "$B/config.json")
    [ -e "$policy" ]
    [ "$(jq -r .policy "/run/landlock-hooks/containers/$ID.json")" = "$policy" ]
    [ "$(jq -r '.annotations["io.landlock.rules"]' "/run/landlock-hooks/containers/$ID.json")" = 'rx:/bin ro:/data:/secret:/etc' ]
    runc delete -f "$ID"
    [ ! -e "/run/landlock-hooks/containers/$ID.json" ]
    [ ! -e "$policy" ]
}

@test "runc: file:NAME names a policy in /etc/landlock/policies and file:/etc/passwd is refused" {
    mkdir -p /etc/landlock/policies
    cat >"/etc/landlock/policies/llh-test-$$.json" <<'JSON'
{"ruleset": [{"handledAccessFs": ["execute", "read_file", "read_dir", "write_file"]}],
 "pathBeneath": [{"allowedAccess": ["read_file", "read_dir"], "parent": ["/data"]}]}
JSON
    oci_make_bundle "$B" sh -c 'cat /data/file; cat /secret/file'
    oci_set_annotation "$B" io.landlock.rules "rx:/bin file:llh-test-$$"
    run "$RUNTIME" run --bundle "$B" "$ID"
    echo "$output"
    [[ "$output" == *"hello from data"* ]]
    [[ "$output" == *"can't open '/secret/file': Permission denied"* ]]

    local B2="$BATS_TEST_TMPDIR/bundle2"
    oci_make_bundle "$B2" sh -c 'echo WORKLOAD-RAN'
    oci_set_annotation "$B2" io.landlock.rules 'rx:/bin file:/etc/passwd'
    run "$RUNTIME" run --bundle "$B2" "$ID2"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"landlock-runtime: container $ID2: io.landlock.rules"*"file:/etc/passwd"*"/etc/landlock/policies/"* ]]
}

@test "runc: --read-only rootfs works (the mounts land on /dev's tmpfs)" {
    oci_make_bundle "$B" sh -c 'cat /data/file; touch /data/x'
    jq '.root.readonly = true' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
    oci_set_annotation "$B" io.landlock.rules 'rx:/bin rw:/data'
    run "$RUNTIME" run --bundle "$B" "$ID"
    echo "$output"
    [[ "$output" == *"hello from data"* ]]
    [[ "$output" == *"Read-only file system"* ]]
    [ ! -e "$B/rootfs/dev/.landlock" ]
}

@test "runc: compat:hard refuses a path the image lacks, and the workload never runs" {
    oci_make_bundle "$B" sh -c 'echo WORKLOAD-RAN'
    oci_set_annotation "$B" io.landlock.rules 'rx:/bin ro:/nonexistent compat:hard'
    run "$RUNTIME" run --bundle "$B" "$ID"
    echo "$output"
    [ "$status" -eq 126 ]
    [[ "$output" != *"WORKLOAD-RAN"* ]]
    [[ "$output" == *'landlock-launch: io.landlock.rules: item 2 "ro:/nonexistent": "/nonexistent" does not exist (compat:hard)'* ]]
}

@test "runc: inline io.landlock.policy JSON in config.json" {
    oci_make_bundle "$B" sh -c 'cat /data/file; cat /secret/file'
    oci_set_annotation "$B" io.landlock.policy '{"ruleset":[{"handledAccessFs":["execute","read_file","read_dir"]}],"pathBeneath":[{"allowedAccess":["execute","read_file","read_dir"],"parent":["/bin","/data"]}]}'
    run "$RUNTIME" run --bundle "$B" "$ID"
    echo "$output"
    [[ "$output" == *"hello from data"* ]]
    [[ "$output" == *"can't open '/secret/file': Permission denied"* ]]
}
