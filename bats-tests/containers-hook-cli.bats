#!/usr/bin/env bats
# landlock-oci-hook and landlock-runtime as a runtime or an engine calls them, without a container.

bats_require_minimum_version 1.5.0
load oci-common

setup() {
    oci_setup_binaries
    require_or_fail "landlock-oci-hook is not built in $BUILD" test -x "$HOOK"
    DATA="$(oci_repo_root)/tests/data/oci"
    export LANDLOCK_HOOKS_STATE_DIR="$BATS_TEST_TMPDIR/state"
}

@test "precreate: a config without annotations comes back byte for byte" {
    local sample
    for sample in runc-spec.json crun-spec.json; do
        "$HOOK" precreate <"$DATA/$sample" >"$BATS_TEST_TMPDIR/out.json"
        cmp "$DATA/$sample" "$BATS_TEST_TMPDIR/out.json"
    done
    [ ! -e "$LANDLOCK_HOOKS_STATE_DIR/policies" ] || [ -z "$(ls -A "$LANDLOCK_HOOKS_STATE_DIR/policies")" ]
}

@test "precreate: podman's config gets the launcher, the mounts and the hooks" {
    run --separate-stderr "$HOOK" precreate <"$DATA/podman-precreate.json"
    [ "$status" -eq 0 ]
    # The mode decision is reported on stderr (a warning where mode:auto gets native mode only).
    [[ -z "$stderr" || "$stderr" == "landlock-oci-hook: mode:auto: native mode only: cgroup mode is not available: "* ]]
    echo "$output" >"$BATS_TEST_TMPDIR/out.json"
    [ "$(jq -r '.process.args | join(" ")' "$BATS_TEST_TMPDIR/out.json")" = \
      "/dev/.landlock/landlock-launch --policy /dev/.landlock/policy.json -- sh -c echo hi; cat /proc/self/cgroup" ]
    [ "$(jq -r '.mounts[-2].source' "$BATS_TEST_TMPDIR/out.json")" = "$LAUNCH" ]
    local policy
    policy=$(jq -r '.mounts[-1].source' "$BATS_TEST_TMPDIR/out.json")
    [[ "$policy" == "$LANDLOCK_HOOKS_STATE_DIR/policies/"*.json ]]
    [ "$(basename "$policy" .json)" = "$(sha256sum <"$policy" | cut -d' ' -f1)" ]
    [ "$(stat -c %a "$policy")" = 644 ]
    [ "$(jq -r '.hooks.createRuntime[-1].args | join(" ")' "$BATS_TEST_TMPDIR/out.json")" = "landlock-oci-hook createRuntime" ]
    [ "$(jq -r '.hooks.poststop[-1].args | join(" ")' "$BATS_TEST_TMPDIR/out.json")" = "landlock-oci-hook poststop" ]
    # Every other field kept.
    diff <(jq -S 'del(.process.args, .mounts, .hooks)' "$DATA/podman-precreate.json") \
         <(jq -S 'del(.process.args, .mounts, .hooks)' "$BATS_TEST_TMPDIR/out.json")
}

@test "precreate: a bad rule is refused on stderr with the annotation and the item" {
    jq '.annotations["io.landlock.rules"] = "rx:/bin rx:usr"' "$DATA/podman-precreate.json" >"$BATS_TEST_TMPDIR/in.json"
    run --separate-stderr "$HOOK" precreate <"$BATS_TEST_TMPDIR/in.json"
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    [[ "$stderr" == "landlock-oci-hook: io.landlock.rules: item 2 \"rx:usr\": "*"(hint: "* ]]
}

@test "hooks read all of stdin even when it is too large, then refuse" {
    run bash -c "head -c $((17 * 1024 * 1024)) /dev/zero | '$HOOK' precreate"
    [ "$status" -eq 1 ]
    [[ "$output" == *"stdin is larger than 16777216 bytes"* ]]
}

@test "createRuntime refuses an annotated bundle that does not start through the launcher" {
    mkdir -p "$BATS_TEST_TMPDIR/b"
    jq '.annotations = {"io.landlock.rules": "rx:/bin"}' "$DATA/runc-spec.json" >"$BATS_TEST_TMPDIR/b/config.json"
    run "$HOOK" createRuntime <<<"{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":1,\"bundle\":\"$BATS_TEST_TMPDIR/b\"}"
    [ "$status" -eq 1 ]
    [[ "$output" == "landlock-oci-hook: container c1: io.landlock.rules asks for a Landlock policy, but the container's process does not start through landlock-launch (hint: "* ]]
    [ ! -e "$LANDLOCK_HOOKS_STATE_DIR/containers/c1.json" ]
}

@test "createRuntime records, poststop cleans up, a bad id is refused" {
    mkdir -p "$BATS_TEST_TMPDIR/b"
    jq '.annotations = {"io.landlock.rules": "rx:/bin"}' "$DATA/runc-spec.json" | "$HOOK" precreate \
        >"$BATS_TEST_TMPDIR/b/config.json"
    local state="{\"ociVersion\":\"1.0.2\",\"id\":\"c2\",\"status\":\"creating\",\"pid\":1,\"bundle\":\"$BATS_TEST_TMPDIR/b\"}"
    "$HOOK" createRuntime <<<"$state"
    local policy
    policy=$(jq -r .policy "$LANDLOCK_HOOKS_STATE_DIR/containers/c2.json")
    [ -e "$policy" ]
    "$HOOK" poststop <<<"$state"
    [ ! -e "$LANDLOCK_HOOKS_STATE_DIR/containers/c2.json" ]
    [ ! -e "$policy" ]
    run "$HOOK" poststop <<<'{"id":"../../etc/x","bundle":"/"}'
    [ "$status" -eq 1 ]
    [[ "$output" == *'container id "../../etc/x" is not a valid id'* ]]
}

@test "landlock-runtime passes other verbs through untouched" {
    require_or_fail "runc is not installed" command -v runc
    LANDLOCK_RUNTIME=$(command -v runc) run "$RUNTIME" --version
    [ "$status" -eq 0 ]
    [[ "$output" == *"runc version"* ]]
    LANDLOCK_RUNTIME=$(command -v runc) run "$RUNTIME" --root "$BATS_TEST_TMPDIR/root" list
    [ "$status" -eq 0 ]
    [[ "$output" == "ID"*"PID"*"STATUS"* ]]
    run "$RUNTIME" --frobnicate list
    [ "$status" -eq 1 ]
    [[ "$output" == *"landlock-runtime: unknown global option --frobnicate (hint: "* ]]
}

@test "landlock-runtime records the container, adds no hook, releases it on a successful delete only" {
    mkdir -p "$BATS_TEST_TMPDIR/b"
    jq '.annotations = {"io.landlock.rules": "rx:/bin"}' "$DATA/runc-spec.json" >"$BATS_TEST_TMPDIR/b/config.json"
    # /bin/true stands for a runtime that creates and deletes without complaint.
    LANDLOCK_RUNTIME=/bin/true "$RUNTIME" --root "$BATS_TEST_TMPDIR/rt" create --bundle "$BATS_TEST_TMPDIR/b" c5
    local record="$LANDLOCK_HOOKS_STATE_DIR/containers/c5.json"
    [ "$(jq -r .stage "$record")" = landlock-runtime ]
    [ "$(jq -r .bundle "$record")" = "$BATS_TEST_TMPDIR/b" ]
    [ "$(jq -r .runtimeRoot "$record")" = "$BATS_TEST_TMPDIR/rt" ]
    [ "$(jq -r .policy "$record")" = "$(jq -r '.mounts[-1].source' "$BATS_TEST_TMPDIR/b/config.json")" ]
    [ "$(jq '.hooks // {} | length' "$BATS_TEST_TMPDIR/b/config.json")" = 0 ]
    local policy
    policy=$(jq -r .policy "$record")
    run env LANDLOCK_RUNTIME=/bin/false "$RUNTIME" delete c5
    [ "$status" -eq 1 ]
    [ -e "$record" ]
    LANDLOCK_RUNTIME=/bin/true "$RUNTIME" delete c5
    [ ! -e "$record" ]
    [ ! -e "$policy" ]
}

@test "landlock-runtime collects the record of a container its runtime no longer has, and stray policies" {
    export LANDLOCK_RUNTIME=/bin/true
    mkdir -p "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/rt"
    jq '.annotations = {"io.landlock.rules": "rx:/bin ro:/gone"}' "$DATA/runc-spec.json" >"$BATS_TEST_TMPDIR/b/config.json"
    "$RUNTIME" --root "$BATS_TEST_TMPDIR/rt" create --bundle "$BATS_TEST_TMPDIR/b" gone
    jq '.annotations = {"io.landlock.rules": "rx:/bin ro:/kept"}' "$DATA/runc-spec.json" >"$BATS_TEST_TMPDIR/b/config.json"
    "$RUNTIME" --root "$BATS_TEST_TMPDIR/rt" create --bundle "$BATS_TEST_TMPDIR/b" kept
    mkdir "$BATS_TEST_TMPDIR/rt/kept"  # what runc create leaves: the container exists
    local gone_policy stray
    gone_policy=$(jq -r .policy "$LANDLOCK_HOOKS_STATE_DIR/containers/gone.json")
    stray="$LANDLOCK_HOOKS_STATE_DIR/policies/$(echo stray | sha256sum | cut -d' ' -f1).json"
    echo '{}' >"$stray"
    touch -d '-10 minutes' "$stray"
    rm -f "$LANDLOCK_HOOKS_STATE_DIR/.gc"
    # Any start or delete through landlock-runtime collects (at most once a minute).
    "$RUNTIME" --root "$BATS_TEST_TMPDIR/rt" create --bundle "$BATS_TEST_TMPDIR/b" next
    [ ! -e "$LANDLOCK_HOOKS_STATE_DIR/containers/gone.json" ]
    [ ! -e "$gone_policy" ]
    [ ! -e "$stray" ]
    [ -e "$LANDLOCK_HOOKS_STATE_DIR/containers/kept.json" ]
    [ -e "$(jq -r .policy "$LANDLOCK_HOOKS_STATE_DIR/containers/kept.json")" ]
}

@test "landlock-runtime does not parse a config that cannot ask for a policy" {
    # Not even JSON: it goes to the runtime untouched, which reports its own error.
    mkdir -p "$BATS_TEST_TMPDIR/b"
    echo 'not json' >"$BATS_TEST_TMPDIR/b/config.json"
    LANDLOCK_RUNTIME=/bin/true run "$RUNTIME" create --bundle "$BATS_TEST_TMPDIR/b" c6
    [ "$status" -eq 0 ]
    [ "$(cat "$BATS_TEST_TMPDIR/b/config.json")" = "not json" ]
    echo 'not json io.landlock.rules' >"$BATS_TEST_TMPDIR/b/config.json"
    LANDLOCK_RUNTIME=/bin/true run "$RUNTIME" create --bundle "$BATS_TEST_TMPDIR/b" c6
    [ "$status" -eq 1 ]
    [[ "$output" == "landlock-runtime: container c6: config.json is not a JSON object"* ]]
}


@test "poststop of a cgroup-mode record where cgroup mode was never loaded releases it and mounts nothing" {
    [ ! -e /sys/fs/bpf/landlock-hooks/meta ] || skip "cgroup mode is loaded here: detaching is the guest tests'"
    local bpffs_before
    bpffs_before=$(oci_bpffs_mounts)
    mkdir -p "$LANDLOCK_HOOKS_STATE_DIR/containers"
    jq -n '{id: "c3", bundle: "/b", mode: "cgroup", mode_report: "mode:cgroup: cgroup mode", policy: "",
            cgroup_id: 123456, cgroup_dir: "/sys/fs/cgroup/gone", annotations: {}}' \
        >"$LANDLOCK_HOOKS_STATE_DIR/containers/c3.json"
    run "$HOOK" poststop <<<'{"ociVersion":"1.0.2","id":"c3","status":"stopped","bundle":"/b"}'
    echo "$output"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    [ ! -e "$LANDLOCK_HOOKS_STATE_DIR/containers/c3.json" ]
    oci_assert_no_cgroup_mode_left "$bpffs_before"
}

@test "createRuntime decides the mode again: mode:cgroup is refused where the kernel lacks it, and records nothing" {
    oci_require_no_cgroup_mode
    mkdir -p "$BATS_TEST_TMPDIR/b"
    jq '.annotations = {"io.landlock.rules": "rx:/bin mode:cgroup"}' "$DATA/runc-spec.json" >"$BATS_TEST_TMPDIR/b/config.json"
    run "$HOOK" createRuntime <<<"{\"ociVersion\":\"1.0.2\",\"id\":\"c4\",\"status\":\"creating\",\"pid\":$$,\"bundle\":\"$BATS_TEST_TMPDIR/b\"}"
    [ "$status" -eq 1 ]
    [ "$output" = "landlock-oci-hook: container c4: $(oci_mode_refusal cgroup)" ]
    [ ! -e "$LANDLOCK_HOOKS_STATE_DIR/containers/c4.json" ]
}
