# Shared set-up for the container tests: real runc, crun and podman, a busybox rootfs built
# from busybox-static, private podman configuration, and the build's binaries.
# shellcheck shell=bash

# The build dir to test: BUILD_DIR, else the first of build-e/build next to this folder.
oci_repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

oci_build_dir() {
    if [[ -n "${BUILD_DIR:-}" ]]; then
        echo "$BUILD_DIR"
        return
    fi
    local root
    root=$(oci_repo_root)
    for d in "$root/build" "$root/build-e"; do
        if [[ -x "$d/oci-hook/landlock-oci-hook" ]]; then
            echo "$d"
            return
        fi
    done
    echo "$root/build"
}

# A test that needs something this machine lacks skips with the reason, except in CI, where a
# skip would hide exactly what the test is for.
require_or_fail() {
    local reason=$1
    shift
    if "$@" >/dev/null 2>&1; then
        return 0
    fi
    if [[ "${CI:-}" == "true" ]]; then
        echo "required in CI but missing: $reason" >&2
        return 1
    fi
    skip "$reason"
}

oci_setup_binaries() {
    BUILD=$(oci_build_dir)
    HOOK="$BUILD/oci-hook/landlock-oci-hook"
    RUNTIME="$BUILD/oci-hook/landlock-runtime"
    LAUNCH="$BUILD/launch/landlock-launch"
    CTL="$BUILD/launch/landlockctl"
    export LANDLOCK_LAUNCH="$LAUNCH" LANDLOCK_OCI_HOOK="$HOOK"
}

# A minimal image: busybox-static and its applet links, plus an /etc and a /data to test on.
oci_make_rootfs() {
    local rootfs=$1
    mkdir -p "$rootfs"/{bin,etc,tmp,data,secret,proc,sys,dev,run,var/log}
    cp /bin/busybox "$rootfs/bin/busybox"
    local applet
    for applet in $("$rootfs/bin/busybox" --list); do
        [[ -e "$rootfs/bin/$applet" ]] || ln -s busybox "$rootfs/bin/$applet"
    done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
    echo 'root:x:0:' >"$rootfs/etc/group"
    echo 'hello from data' >"$rootfs/data/file"
    echo 'top secret' >"$rootfs/secret/file"
    chmod 1777 "$rootfs/tmp"
}

# A bundle from `runc spec`, made non-interactive, with the test rootfs and `args`.
# The hooks of the given stage list point at landlock-oci-hook (set ADD_HOOKS=0 to leave none).
oci_make_bundle() {
    local bundle=$1
    shift
    mkdir -p "$bundle"
    oci_make_rootfs "$bundle/rootfs"
    (cd "$bundle" && runc spec)
    local args_json
    args_json=$(jq -cn '$ARGS.positional' --args -- "$@")
    jq --argjson args "$args_json" \
        '.process.terminal = false | .process.args = $args | .root.readonly = false
         | .linux.resources.devices = []' \
        "$bundle/config.json" >"$bundle/config.json.new"
    mv "$bundle/config.json.new" "$bundle/config.json"
}

# Adds createRuntime and poststop hooks of landlock-oci-hook to a bundle's config.json,
# as a runc user would by hand.
oci_add_hooks() {
    local bundle=$1
    jq --arg hook "$HOOK" --arg launch "$LAUNCH" \
        '.hooks.createRuntime = [{path: $hook, args: ["landlock-oci-hook", "createRuntime"],
                                  env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANDLOCK_LAUNCH=" + $launch]}]
         | .hooks.poststop = [{path: $hook, args: ["landlock-oci-hook", "poststop"],
                               env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANDLOCK_LAUNCH=" + $launch]}]' \
        "$bundle/config.json" >"$bundle/config.json.new"
    mv "$bundle/config.json.new" "$bundle/config.json"
}

oci_set_annotation() {
    local bundle=$1 key=$2 value=$3
    jq --arg k "$key" --arg v "$value" '.annotations[$k] = $v' "$bundle/config.json" >"$bundle/config.json.new"
    mv "$bundle/config.json.new" "$bundle/config.json"
}

# crun refuses this host's hybrid cgroups: run it in a private mount namespace with pure cgroup2.
crun_ns() {
    unshare -m --propagation private sh -c \
        'umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && exec "$@"' crun-ns "$@"
}

# Private podman configuration and storage, so the tests touch nothing of the host's podman.
oci_setup_podman() {
    PODMAN_DIR=$1
    mkdir -p "$PODMAN_DIR"/{graph,runroot,tmp,hooks}
    cat >"$PODMAN_DIR/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PODMAN_DIR/events.log"
runtime = "runc"
tmp_dir = "$PODMAN_DIR/tmp"
EOF
    cat >"$PODMAN_DIR/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$PODMAN_DIR/graph"
runroot = "$PODMAN_DIR/runroot"
EOF
    export CONTAINERS_CONF="$PODMAN_DIR/containers.conf" CONTAINERS_STORAGE_CONF="$PODMAN_DIR/storage.conf"
    local rootfs="$PODMAN_DIR/rootfs"
    oci_make_rootfs "$rootfs"
    tar -C "$rootfs" -c . | podman import -q - localhost/busybox >/dev/null
}

# hooks.d JSON for a test: the precreate hook of contrib/, with this build's paths.
oci_write_podman_hooks() {
    local dir=$1
    mkdir -p "$dir"
    local root
    root=$(oci_repo_root)
    jq --arg hook "$HOOK" --arg launch "$LAUNCH" \
        '.hook.path = $hook | .hook.env += ["LANDLOCK_LAUNCH=" + $launch]' \
        "$root/contrib/hooks.d/podman/landlock-precreate.json.in" >"$dir/landlock-precreate.json"
}

oci_teardown_podman() {
    if [[ -n "${PODMAN_DIR:-}" && -d "$PODMAN_DIR" ]]; then
        podman rm -a -f -t 0 >/dev/null 2>&1 || true
        podman system reset -f >/dev/null 2>&1 || true
        # vfs layers may be read-only copies: make them removable.
        chmod -R u+w "$PODMAN_DIR" 2>/dev/null || true
        rm -rf "$PODMAN_DIR"
    fi
}

# What a container left under /run/landlock-hooks (records and policy files), one per line.
# Locks, the collection stamp and the cgroup-mode probe cache belong to no container.
oci_state_files() {
    find /run/landlock-hooks/containers /run/landlock-hooks/policies -type f 2>/dev/null | sort
}

# What this machine says about cgroup mode, from the per-boot probe cache that the first start
# asking for it writes (a precreate run here makes sure one did): CGROUP_MODE is "yes" or "no",
# CGROUP_MODE_REASON the reason for "no".
oci_cgroup_mode_probe() {
    jq '.annotations["io.landlock.rules"] = "rx:/bin"' "$(oci_repo_root)/tests/data/oci/runc-spec.json" |
        LANDLOCK_HOOKS_STATE_DIR="$BATS_TEST_TMPDIR/probe-state" "$HOOK" precreate >/dev/null 2>&1 || true
    rm -rf "$BATS_TEST_TMPDIR/probe-state"
    CGROUP_MODE=$(sed -n 2p /run/landlock-hooks/cgroup-mode.probe 2>/dev/null)
    CGROUP_MODE_REASON=$(sed -n 3p /run/landlock-hooks/cgroup-mode.probe 2>/dev/null)
}

# The tests of what a kernel without BPF LSM does (this machine's kind). Where cgroup mode works
# they do not apply: the guest tests (kernel/vm) cover that side.
oci_require_no_cgroup_mode() {
    oci_cgroup_mode_probe
    if [[ "$CGROUP_MODE" != no ]]; then
        skip "cgroup mode is available here (probe: ${CGROUP_MODE:-no cached answer}); the guest tests cover it"
    fi
    AUTO_REPORT="mode:auto: native mode only: cgroup mode is not available: $CGROUP_MODE_REASON"
    LSM_HINT="boot the kernel with bpf in lsm= (e.g. lsm=landlock,yama,bpf) and run as root, or use mode:native"
}

# The refusal of mode:cgroup or mode:both (MODE) on this kernel, as choose_mode words it.
oci_mode_refusal() { # MODE
    echo "io.landlock.rules: mode:$1 needs cgroup mode, which this kernel does not offer: $CGROUP_MODE_REASON (hint: $LSM_HINT)"
}

# oci_run_refused COMMAND...: runs a start of the bundle $B that must be refused (status 1), with
# the workload never run and neither the bundle's config.json nor the store changed; $output is
# left for the caller's check of the exact message.
oci_run_refused() {
    local config_before state_before
    config_before=$(sha256sum <"$B/config.json")
    state_before=$(oci_state_files)
    run "$@"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" != *"WORKLOAD-RAN"* ]]
    [ "$(sha256sum <"$B/config.json")" = "$config_before" ]
    [ "$(oci_state_files)" = "$state_before" ]
}

# Nothing of cgroup mode appeared: no bpffs mounted, nothing pinned.
oci_bpffs_mounts() { grep -c ' - bpf ' /proc/self/mountinfo || true; }
oci_assert_no_cgroup_mode_left() { # BPFFS_MOUNTS_BEFORE
    [ "$(oci_bpffs_mounts)" = "$1" ]
    [ ! -e /sys/fs/bpf/landlock-hooks ]
}

# True when a line of the captured syslog ends with TEXT (the syslog prefixes time, host, tag).
oci_syslog_has() { # TEXT
    local line
    while IFS= read -r line; do
        [[ "$line" == *": $1" ]] && return 0
    done <"$SYSLOG_FILE"
    echo "no syslog line ends with: $1" >&2
    cat "$SYSLOG_FILE" >&2
    return 1
}

# Starts a syslog for the hooks' reports (podman 4.3 drops a precreate hook's stderr; runtimes
# often drop a hook's stderr): skips, or fails in CI, when one runs here already.
oci_capture_syslog() {
    require_or_fail "no /dev/log of the test's own (a syslog already runs here)" \
        oci_start_syslog "$BATS_TEST_TMPDIR/syslog"
}

# The podman environment of a file's setup_file, for its tests (bats runs them in subshells).
oci_setup_podman_env() {
    export CONTAINERS_CONF="$PODMAN_DIR/containers.conf" CONTAINERS_STORAGE_CONF="$PODMAN_DIR/storage.conf"
}

# podman 4.3 throws a failing precreate hook's stderr away (run.oci.hooks.stderr came later), so
# the hook's reason reaches an administrator through the journal or syslog. For tests: a
# busybox syslogd on /dev/log writing to FILE, when this machine has no syslog of its own.
oci_start_syslog() {
    SYSLOG_FILE=$1
    # A /dev/log symlink whose target is gone (left by a systemd that ran in a namespace sharing
    # /dev, which links it to /run/systemd/journal/dev-log) reaches nobody: set it aside for the
    # test and put it back afterwards, rather than mistaking it for a running syslog.
    SYSLOG_STALE_LINK=
    if [[ -L /dev/log && ! -e /dev/log ]]; then
        SYSLOG_STALE_LINK=$(readlink /dev/log)
        rm -f /dev/log
    fi
    if [[ -e /dev/log ]]; then
        SYSLOG_PID=
        return 1
    fi
    : >"$SYSLOG_FILE"
    busybox syslogd -n -S -O "$SYSLOG_FILE" &
    SYSLOG_PID=$!
    local i
    for ((i = 0; i < 50; i++)); do
        [[ -S /dev/log ]] && return 0
        sleep 0.1
    done
    return 1
}

oci_stop_syslog() {
    if [[ -n "${SYSLOG_PID:-}" ]]; then
        kill "$SYSLOG_PID" 2>/dev/null || true
        wait "$SYSLOG_PID" 2>/dev/null || true
        rm -f /dev/log
        SYSLOG_PID=
    fi
    if [[ -n "${SYSLOG_STALE_LINK:-}" ]]; then
        ln -sfn "$SYSLOG_STALE_LINK" /dev/log
        SYSLOG_STALE_LINK=
    fi
}

# setup_file of a runtime suite: the real runtime and our binaries must be there.
oci_require_runtime_suite() { # RUNTIME
    oci_setup_binaries
    require_or_fail "$1 is not installed" command -v "$1"
    require_or_fail "landlock-oci-hook is not built in $BUILD" test -x "$HOOK"
    require_or_fail "landlock-launch is not built in $BUILD" test -x "$LAUNCH"
}

# setup of a runtime suite: the runtime landlock-runtime wraps, this test's container ids and bundle.
oci_setup_runtime_test() { # RUNTIME ID_PREFIX
    oci_setup_binaries
    LANDLOCK_RUNTIME=$(command -v "$1")
    export LANDLOCK_RUNTIME
    ID="llh-$2-$BATS_TEST_NUMBER-$$"
    ID2="$ID-b"
    B="$BATS_TEST_TMPDIR/bundle"
}
