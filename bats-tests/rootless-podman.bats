#!/usr/bin/env bats
# Rootless podman 4.3 with the precreate hook, as contrib/containers/containers-rootless.conf
# documents it: the hook runs as the user, keeps its state in a directory the user owns
# (LANDLOCK_HOOKS_STATE_DIR), and the launcher is bind-mounted into a user-namespace container.
# A dedicated system user (llh-rootless, subordinate ids 400000-465535) runs podman; everything
# else lives in one temporary directory that user owns.

load helpers

ROOTLESS_USER=llh-rootless

# Runs podman as the rootless user, with the test's own configuration and store.
as_user() {
    runuser -u "$ROOTLESS_USER" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$WORK/home" \
        XDG_RUNTIME_DIR="$WORK/xdg" CONTAINERS_CONF="$WORK/containers.conf" \
        CONTAINERS_STORAGE_CONF="$WORK/storage.conf" "$@"
}

podman_run() {
    as_user podman --hooks-dir "$WORK/hooks.d" run --rm --network none "$@"
}

ensure_rootless_user() {
    if ! id "$ROOTLESS_USER" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$ROOTLESS_USER"
    fi
    grep -q "^$ROOTLESS_USER:" /etc/subuid || usermod --add-subuids 400000-465535 "$ROOTLESS_USER"
    grep -q "^$ROOTLESS_USER:" /etc/subgid || usermod --add-subgids 400000-465535 "$ROOTLESS_USER"
}

setup_file() {
    BUILD=${BUILD_DIR:-$LLH_REPO_ROOT/build}
    require_or_fail "podman is not installed" command -v podman
    require_or_fail "runc is not installed" command -v runc
    require_or_fail "newuidmap is not installed (package uidmap)" command -v newuidmap
    require_or_fail "runuser is not installed" command -v runuser
    require_or_fail "busybox-static is not installed" test -x /bin/busybox
    require_or_fail "landlock-oci-hook is not built in $BUILD" test -x "$BUILD/oci-hook/landlock-oci-hook"
    require_or_fail "landlock-launch is not built in $BUILD" test -x "$BUILD/launch/landlock-launch"
    require_landlock
    ensure_rootless_user

    WORK=$(mktemp -d /tmp/llh-rootless.XXXXXX)
    export WORK
    mkdir -p "$WORK"/{home,xdg,bin,hooks.d,rootfs/bin,rootfs/etc}
    chmod 700 "$WORK/xdg"
    # Copies the user can execute and podman can bind-mount, whatever the build tree's modes.
    cp "$BUILD/oci-hook/landlock-oci-hook" "$BUILD/launch/landlock-launch" "$WORK/bin/"
    cp /bin/busybox "$WORK/rootfs/bin/"
    for applet in sh cat ls echo; do ln -s busybox "$WORK/rootfs/bin/$applet"; done
    echo secret >"$WORK/rootfs/etc/secret"
    cat >"$WORK/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
EOF
    cat >"$WORK/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$WORK/graph"
runroot = "$WORK/xdg/containers"
EOF
    # The installed hooks.d JSON, pointed at this build and given the user's state directory.
    sed -e "s|@LANDLOCK_OCI_HOOK@|$WORK/bin/landlock-oci-hook|" \
        -e "s|\"PATH=[^\"]*\"|&, \"LANDLOCK_HOOKS_STATE_DIR=$WORK/xdg/landlock-hooks\", \"LANDLOCK_LAUNCH=$WORK/bin/landlock-launch\"|" \
        "$LLH_REPO_ROOT/contrib/hooks.d/podman/landlock-precreate.json.in" >"$WORK/hooks.d/landlock-precreate.json"
    chown -R "$ROOTLESS_USER:" "$WORK"
    as_user sh -c "tar -C '$WORK/rootfs' -c . | podman import - localhost/llh-rootless-box" >/dev/null
}

teardown_file() {
    [[ -n "${WORK:-}" ]] || return 0
    # podman's rootless pause process keeps the user namespace alive between commands.
    pkill -u "$ROOTLESS_USER" 2>/dev/null || true
    rm -rf "$WORK"
}

@test "rootless podman: the precreate hook sandboxes the container as the annotation asks" {
    run podman_run --annotation io.landlock.rules='rx:/bin mode:native' localhost/llh-rootless-box \
        sh -c 'cat /etc/secret 2>&1; echo "cat exit $?"; ls /bin/busybox'
    assert_success
    assert_line --index 0 "cat: can't open '/etc/secret': Permission denied"
    assert_line --index 1 "cat exit 1"
    assert_line --index 2 "/bin/busybox"
}

@test "rootless podman: without the annotation the container is untouched" {
    run podman_run localhost/llh-rootless-box cat /etc/secret
    assert_success
    assert_output "secret"
}

@test "rootless podman: the hook's state is the user's, and --rm leaves none of it" {
    local before
    before=$(ls /run/landlock-hooks/containers 2>/dev/null || true)
    run podman_run --annotation io.landlock.rules='rx:/bin ro:/etc' localhost/llh-rootless-box cat /etc/secret
    assert_success
    assert_output "secret"
    # The user's store was used (and belongs to the user); the host's store did not change.
    assert_equal "$(stat -c %U "$WORK/xdg/landlock-hooks")" "$ROOTLESS_USER"
    assert_equal "$(ls -A "$WORK/xdg/landlock-hooks/containers")" ""
    assert_equal "$(ls /run/landlock-hooks/containers 2>/dev/null || true)" "$before"
}

@test "rootless podman: a bad annotation refuses the start and the command never runs" {
    run podman_run --annotation io.landlock.rules='rx:/bin bogus:/x' localhost/llh-rootless-box echo RAN
    assert_equal "$status" 126
    assert_line --partial "Error: setting up OCI Hooks: executing [landlock-oci-hook precreate]: exit status 1"
    refute_line "RAN"
}
