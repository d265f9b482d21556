#!/usr/bin/env bats
# Real runc 1.1, through landlock-runtime and with plain runc plus the hooks in config.json.

bats_require_minimum_version 1.5.0
load oci-common

setup_file() {
    oci_require_runtime_suite runc
}

setup() {
    oci_setup_runtime_test runc runc
}

teardown() {
    oci_stop_syslog
    local id
    for id in "$ID" "$ID2"; do
        "$RUNTIME" delete -f "$id" >/dev/null 2>&1 || true
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

# run_plain_runc_with_hooks RULES: plain runc (no wrapper) on a bundle with our hooks and the
# rule string; the start must be refused before the workload runs.
run_plain_runc_with_hooks() {
    oci_make_bundle "$B" sh -c 'echo WORKLOAD-RAN; cat /secret/file'
    oci_add_hooks "$B"
    oci_set_annotation "$B" io.landlock.rules "$1"
    run runc run --bundle "$B" "$ID"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" != *"WORKLOAD-RAN"* ]]
}

@test "runc: plain runc on an annotated config.json refuses the start with a clear error" {
    run_plain_runc_with_hooks 'rx:/bin ro:/data'
    # The whole message, hint included (runc quotes the hook's stderr inside its own log line).
    [[ "$output" == *"stderr: landlock-oci-hook: container $ID: io.landlock.rules asks for a Landlock policy, but the container's process does not start through landlock-launch (hint: start the container with landlock-runtime (or podman with the precreate hook of contrib/hooks.d/podman/): plain runc or crun cannot put the launcher in the container's exec chain)\n"* ]]
    [ ! -e "/run/landlock-hooks/containers/$ID.json" ]
}

@test "runc: a bad annotation refuses the start with the exact error and leaves nothing" {
    oci_make_bundle "$B" sh -c 'echo WORKLOAD-RAN'
    oci_set_annotation "$B" io.landlock.rules 'rx:/bin rx:usr'
    oci_run_refused "$RUNTIME" run --bundle "$B" "$ID"
    [[ "${lines[0]}" == "landlock-runtime: container $ID: io.landlock.rules: item 2 \"rx:usr\": "*"(hint: "* ]]
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
    # Deleting one container (through landlock-runtime, as engines do) leaves the other's policy
    # and sandbox alone.
    "$RUNTIME" delete -f "$ID"
    [ ! -e "/run/landlock-hooks/containers/$ID.json" ]
    [ ! -e "$p1" ]
    [ -e "$p2" ]
    run "$RUNTIME" exec "$ID2" cat /data/file
    [[ "$output" == *"Permission denied"* ]]
}

@test "runc: landlock-runtime records the container itself, adds no hook, and delete through it leaves nothing" {
    oci_make_bundle "$B" sleep 60
    oci_set_annotation "$B" io.landlock.rules 'rx:/bin ro:/data:/secret:/etc'
    "$RUNTIME" run --detach --bundle "$B" "$ID" </dev/null >/dev/null 2>&1
    local policy record="/run/landlock-hooks/containers/$ID.json"
    policy=$(jq -r '.mounts[-1].source' "$B/config.json")
    [ -e "$policy" ]
    # No hook process per start: the wrapper put the launcher in the exec chain and recorded it.
    [ "$(jq '.hooks // {} | [.[][] | select(.args[0] == "landlock-oci-hook")] | length' "$B/config.json")" = 0 ]
    [ "$(jq -r .stage "$record")" = landlock-runtime ]
    [ "$(jq -r .policy "$record")" = "$policy" ]
    [ "$(jq -r .bundle "$record")" = "$B" ]
    [ "$(jq -r .runtimeRoot "$record")" = /run/runc ]
    [ "$(jq -r '.annotations["io.landlock.rules"]' "$record")" = 'rx:/bin ro:/data:/secret:/etc' ]
    run "$CTL" inspect "$ID"
    [ "$status" -eq 0 ]
    [[ "$output" == *"path         /secret: read_file, read_dir"* ]]
    "$RUNTIME" delete -f "$ID"
    [ ! -e "$record" ]
    [ ! -e "$policy" ]
}

@test "runc: the createRuntime guard on a landlock-runtime container passes and keeps the wrapper's record collectable" {
    # An engine with contrib's hooks.d guard and landlock-runtime as its runtime runs both.
    oci_make_bundle "$B" sleep 60
    oci_add_hooks "$B"
    oci_set_annotation "$B" io.landlock.rules 'rx:/bin ro:/data'
    # The detached workload inherits stdio: keep it off bats' pipes.
    "$RUNTIME" run --detach --bundle "$B" "$ID" </dev/null >/dev/null 2>&1
    local record="/run/landlock-hooks/containers/$ID.json"
    [ "$(jq -r .stage "$record")" = createRuntime ]
    [ "$(jq -r .runtimeRoot "$record")" = /run/runc ]
    [ "$(jq -r .pid "$record")" -gt 0 ]
    run "$RUNTIME" exec "$ID" cat /data/file
    echo "$output"
    [ "$output" = "hello from data" ]
    "$RUNTIME" delete -f "$ID"
    [ ! -e "$record" ]
}

@test "runc: a second create with a running container's id leaves that container's record alone" {
    oci_make_bundle "$B" sleep 60
    oci_set_annotation "$B" io.landlock.rules 'rx:/bin ro:/data'
    "$RUNTIME" run --detach --bundle "$B" "$ID" </dev/null >/dev/null 2>&1
    local before
    before=$(cat "/run/landlock-hooks/containers/$ID.json")
    local B2="$BATS_TEST_TMPDIR/bundle2"
    oci_make_bundle "$B2" true
    oci_set_annotation "$B2" io.landlock.rules 'rx:/bin ro:/secret'
    run "$RUNTIME" run --bundle "$B2" "$ID"
    [ "$status" -ne 0 ]
    [[ "$output" == *"already exists"* ]]
    [ "$(cat "/run/landlock-hooks/containers/$ID.json")" = "$before" ]
}

@test "runc: a delete that fails keeps the record" {
    oci_make_bundle "$B" sleep 60
    oci_set_annotation "$B" io.landlock.rules 'rx:/bin ro:/data'
    "$RUNTIME" run --detach --bundle "$B" "$ID" </dev/null >/dev/null 2>&1
    run "$RUNTIME" delete "$ID"  # running, no --force: runc refuses
    [ "$status" -ne 0 ]
    [ -e "/run/landlock-hooks/containers/$ID.json" ]
    [ -e "$(jq -r .policy "/run/landlock-hooks/containers/$ID.json")" ]
}

@test "runc: records of containers gone without a delete through landlock-runtime are collected at the next start" {
    export LANDLOCK_HOOKS_GC_GRACE=0  # collect at every start, whatever the age
    local B2="$BATS_TEST_TMPDIR/bundle2" B3="$BATS_TEST_TMPDIR/bundle3" ID3="$ID-c"
    # A: deleted by plain runc. B: a foreground run, which the runtime deletes itself.
    oci_make_bundle "$B" sleep 60
    oci_set_annotation "$B" io.landlock.rules "rx:/bin ro:/data:/tmp/a-$$"
    "$RUNTIME" run --detach --bundle "$B" "$ID" </dev/null >/dev/null 2>&1
    local pa pb
    pa=$(jq -r .policy "/run/landlock-hooks/containers/$ID.json")
    runc delete -f "$ID"
    [ -e "/run/landlock-hooks/containers/$ID.json" ]
    oci_make_bundle "$B2" true
    oci_set_annotation "$B2" io.landlock.rules "rx:/bin ro:/data:/tmp/b-$$"
    "$RUNTIME" run --bundle "$B2" "$ID2"
    pb=$(jq -r .policy "/run/landlock-hooks/containers/$ID2.json")
    # B's start collected A; B itself is gone now too.
    [ ! -e "/run/landlock-hooks/containers/$ID.json" ]
    [ ! -e "$pa" ]
    [ -e "$pb" ]
    # C: a start the runtime refuses after the rewrite (no rootfs) leaves a record to collect too.
    oci_make_bundle "$B3" true
    oci_set_annotation "$B3" io.landlock.rules "rx:/bin ro:/data:/tmp/c-$$"
    rm -rf "$B3/rootfs"
    mkdir "$B3/rootfs"
    run -127 "$RUNTIME" run --bundle "$B3" "$ID3"  # no /bin/true in the container
    local pc
    pc=$(jq -r .policy "/run/landlock-hooks/containers/$ID3.json")
    run "$RUNTIME" run --bundle "$B2" "$ID2"
    [ "$status" -eq 0 ]
    [ ! -e "/run/landlock-hooks/containers/$ID3.json" ]
    [ ! -e "$pc" ]
    rm -f "/run/landlock-hooks/containers/$ID3.json"
}

@test "runc: a stray policy file is collected after the grace period, a young one is kept" {
    # What a start failing between the rewrite and the record leaves: a policy nobody names.
    mkdir -p /run/landlock-hooks/policies
    local old young
    old="/run/landlock-hooks/policies/$(echo "old-$$" | sha256sum | cut -d' ' -f1).json"
    young="/run/landlock-hooks/policies/$(echo "young-$$" | sha256sum | cut -d' ' -f1).json"
    echo '{}' >"$old"
    echo '{}' >"$young"
    touch -d '-10 minutes' "$old"
    rm -f /run/landlock-hooks/.gc  # the last collection was long ago
    oci_make_bundle "$B" true
    oci_set_annotation "$B" io.landlock.rules 'rx:/bin ro:/data'
    "$RUNTIME" run --bundle "$B" "$ID"
    [ ! -e "$old" ]
    [ -e "$young" ]
    rm -f "$young"
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

@test "runc: mode:auto on a kernel without cgroup mode runs in native mode and says so" {
    oci_require_no_cgroup_mode
    oci_capture_syslog
    oci_make_bundle "$B" sleep 60
    oci_set_annotation "$B" io.landlock.rules 'rx:/bin ro:/data'
    # The detached workload inherits stdio: keep it off bats' pipes.
    "$RUNTIME" run --detach --bundle "$B" "$ID" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/stderr"
    oci_stop_syslog
    cat "$BATS_TEST_TMPDIR/stderr"
    # A warning, on stderr and in the syslog: the user asked for the strongest and got less.
    [ "$(cat "$BATS_TEST_TMPDIR/stderr")" = "landlock-runtime: container $ID: $AUTO_REPORT" ]
    oci_syslog_has "landlock-runtime: container $ID: $AUTO_REPORT"
    # Native mode, really: the launcher in the exec chain, the workload sandboxed, no hooks.
    run "$RUNTIME" exec "$ID" cat /secret/file
    [[ "$output" == *"Permission denied"* ]]
    [ "$(jq '.hooks // {} | length' "$B/config.json")" = 0 ]
    local record="/run/landlock-hooks/containers/$ID.json"
    [ "$(jq -r .mode "$record")" = native ]
    [ "$(jq -r .mode_report "$record")" = "$AUTO_REPORT" ]
    [ "$(jq 'has("cgroup_id")' "$record")" = false ]
    run "$CTL" inspect "$ID"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *$'\n'"  mode:        native"$'\n'"  mode report: $AUTO_REPORT"$'\n'* ]]
    run "$CTL" inspect --json "$ID"
    [ "$(jq -r .mode <<<"$output")" = native ]
    [ "$(jq -r .modeReport <<<"$output")" = "$AUTO_REPORT" ]
    run "$CTL" inspect "$B"
    [[ "$output" == *"  mode report: $AUTO_REPORT"* ]]
}

@test "runc: mode:cgroup and mode:both are refused through landlock-runtime with the lsm= hint, leaving nothing" {
    oci_require_no_cgroup_mode
    local mode bpffs_before
    bpffs_before=$(oci_bpffs_mounts)
    for mode in cgroup both; do
        oci_make_bundle "$B" sh -c 'echo WORKLOAD-RAN'
        oci_set_annotation "$B" io.landlock.rules "rx:/bin ro:/data mode:$mode"
        oci_run_refused "$RUNTIME" run --bundle "$B" "$ID"
        [ "$output" = "landlock-runtime: container $ID: $(oci_mode_refusal "$mode")" ]
        run runc state "$ID"
        [ "$status" -ne 0 ]
        rm -rf "$B"
    done
    oci_assert_no_cgroup_mode_left "$bpffs_before"
}

@test "runc: plain runc with the hooks and mode:cgroup: createRuntime refuses with the same words" {
    oci_require_no_cgroup_mode
    local bpffs_before
    bpffs_before=$(oci_bpffs_mounts)
    run_plain_runc_with_hooks 'rx:/bin ro:/data mode:cgroup'
    [[ "$output" == *"stderr: landlock-oci-hook: container $ID: $(oci_mode_refusal cgroup)\n"* ]]
    [ ! -e "/run/landlock-hooks/containers/$ID.json" ]
    oci_assert_no_cgroup_mode_left "$bpffs_before"
}
