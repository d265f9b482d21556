# Shared by the systemd-*.bats suites: a real systemd 252 as PID 1 of private namespaces on the
# host's root file system (see the environment notes), with our generator, helper and guard
# installed into its private /run, and helpers to drive it. Nothing outlives a test: teardown
# powers the manager off, waits for it, and removes its cgroup.
# shellcheck shell=bash

_llh_launch_given=${LANDLOCK_LAUNCH:-}
_llh_ctl_given=${LANDLOCKCTL:-}
load helpers

LLH_BUILD_DIR=${LLH_BUILD_DIR:-$LLH_REPO_ROOT/build}
LANDLOCK_LAUNCH=${_llh_launch_given:-$LLH_BUILD_DIR/launch/landlock-launch}
LANDLOCKCTL=${_llh_ctl_given:-$LLH_BUILD_DIR/launch/landlockctl}
LLH_SYSTEMD_GENERATOR=${LLH_SYSTEMD_GENERATOR:-$LLH_BUILD_DIR/systemd/landlock-systemd-generator}
LLH_SYSTEMD_HELPER=${LLH_SYSTEMD_HELPER:-$LLH_BUILD_DIR/systemd/landlock-systemd-helper}
LLH_SYSTEMD_GUARD=${LLH_SYSTEMD_GUARD:-$LLH_BUILD_DIR/systemd/landlock-systemd-guard}
LLH_GUARD_TEMPLATE=$LLH_REPO_ROOT/contrib/systemd/service.d/landlock-guard.conf.in
LLH_USER_GUARD_TEMPLATE=$LLH_REPO_ROOT/contrib/systemd/user-service.d/landlock-guard.conf.in

# The unprivileged user whose manager runs the user-unit tests.
LLH_TEST_USER=${LLH_TEST_USER:-nobody}

require_systemd_namespace() {
    require_or_fail "needs root (systemd runs as PID 1 of a private namespace)" test "$(id -u)" -eq 0
    require_or_fail "systemd 252 is not installed at /lib/systemd/systemd" test -x /lib/systemd/systemd
    require_or_fail "unshare and nsenter are needed" command -v unshare
    require_or_fail "a cgroup2 hierarchy is needed at /sys/fs/cgroup/unified" test -w /sys/fs/cgroup/unified
    require_landlock
    local binary
    for binary in "$LANDLOCK_LAUNCH" "$LLH_SYSTEMD_GENERATOR" "$LLH_SYSTEMD_HELPER" "$LLH_SYSTEMD_GUARD"; do
        require_or_fail "$binary is not built (set LLH_BUILD_DIR)" test -x "$binary"
    done
}

# Why cgroup mode is not available on this host (BPF LSM's trial load, as landlockctl features
# reports it): the reason the generator and the helper give. These tests are about a kernel
# without cgroup mode (this host's); the VM suite covers a kernel with it.
# Sets SD_NO_CGROUP_MODE to that reason.
sd_require_no_cgroup_mode() {
    require_landlockctl
    local features
    features=$("$LANDLOCKCTL" features --json)
    require_or_fail "cgroup mode is available on this kernel: the tests of its absence do not apply" \
        test "$(jq -r .bpfLsm.available <<<"$features")" != yes
    # shellcheck disable=SC2034 # read by the tests
    SD_NO_CGROUP_MODE=$(jq -r .bpfLsm.reason <<<"$features")
}

# sd_prepare: a fresh directory of test units; call sd_unit/sd_dropin, then sd_boot.
sd_prepare() {
    SD_DIR=$BATS_TEST_TMPDIR/sd
    SD_UNITS=$SD_DIR/units        # copied to /run/systemd/system inside
    SD_USER_UNITS=$SD_DIR/user    # copied to /run/systemd/user inside
    SD_OUT=$SD_DIR/out            # where test services write what they saw
    SD_CGROUP=/sys/fs/cgroup/unified/llh-sd-$$-${BATS_TEST_NUMBER}
    mkdir -p "$SD_UNITS" "$SD_USER_UNITS" "$SD_OUT" "$SD_DIR/generators" "$SD_DIR/user-generators"
    chmod 0777 "$SD_OUT"
    chmod 0755 "$BATS_TEST_TMPDIR" "$SD_DIR"
    cat >"$SD_UNITS/llh-test.target" <<'UNIT'
[Unit]
Description=landlock-hooks test target
DefaultDependencies=no
UNIT
    # This systemd shares the host's root file system: a boot service pulled in by accident
    # (through sysinit.target) would act on the host. systemd-tmpfiles-setup once did, wiping the
    # host's /tmp. So every unit that reaches outside the namespaces is masked here, on top of
    # DefaultDependencies=no in every test unit, and sd_assert_no_boot_units checks the result.
    local masked
    for masked in $SD_MASKED_UNITS; do
        ln -sf /dev/null "$SD_UNITS/$masked"
    done
    for masked in $SD_MASKED_USER_UNITS; do
        ln -sf /dev/null "$SD_USER_UNITS/$masked"
    done
    cat >"$SD_USER_UNITS/llh-user.target" <<'UNIT'
[Unit]
Description=landlock-hooks test target of the user manager
DefaultDependencies=no
UNIT
    # The generator as installed, pointed at this build's binaries.
    local wrapper
    for wrapper in "$SD_DIR/generators/landlock" "$SD_DIR/user-generators/landlock"; do
        cat >"$wrapper" <<SCRIPT
#!/bin/sh
LANDLOCK_LAUNCH_PATH='$LANDLOCK_LAUNCH' LANDLOCK_SYSTEMD_HELPER_PATH='$LLH_SYSTEMD_HELPER' exec '$LLH_SYSTEMD_GENERATOR' "\$@"
SCRIPT
        chmod 0755 "$wrapper"
    done
    SD_GUARD=${SD_GUARD:-1}
}

# Units that act on the host when started: boot-time setup, clean-up and state.
SD_MASKED_UNITS="sysinit.target basic.target local-fs.target local-fs-pre.target swap.target cryptsetup.target
 systemd-tmpfiles-setup.service systemd-tmpfiles-setup-dev.service systemd-tmpfiles-clean.service
 systemd-tmpfiles-clean.timer systemd-sysctl.service systemd-sysusers.service systemd-remount-fs.service
 systemd-binfmt.service proc-sys-fs-binfmt_misc.automount systemd-update-utmp.service
 systemd-update-utmp-runlevel.service systemd-random-seed.service systemd-journal-flush.service
 systemd-modules-load.service kmod-static-nodes.service systemd-machine-id-commit.service
 systemd-firstboot.service systemd-hwdb-update.service ldconfig.service systemd-journal-catalog-update.service
 systemd-update-done.service systemd-udevd.service systemd-udev-trigger.service systemd-fsck-root.service
 user-runtime-dir@.service user@.service logrotate.timer man-db.timer apt-daily.timer apt-daily-upgrade.timer
 e2scrub_all.timer fstrim.timer dpkg-db-backup.timer"

# The same for the user manager (it runs as the test user, but may still remove that user's files).
SD_MASKED_USER_UNITS="basic.target sockets.target timers.target paths.target default.target
 systemd-tmpfiles-setup.service systemd-tmpfiles-clean.service systemd-tmpfiles-clean.timer"

# Fails the test when a masked unit or sysinit.target ran anyway.
sd_assert_no_boot_units() {
    local active
    active=$(sd systemctl list-units --no-legend --plain --state=active,activating,failed 2>/dev/null |
        awk '{print $1}' | grep -xF -f <(tr ' ' '\n' <<<"$SD_MASKED_UNITS" | grep .) || true)
    if [[ -n $active ]]; then
        fail "host-touching units ran in the test systemd: $active"
    fi
}

# sd_unit NAME: writes stdin as a test unit (system; sd_unit --user NAME for a user unit).
sd_unit() {
    local dir=$SD_UNITS
    if [[ $1 == --user ]]; then
        dir=$SD_USER_UNITS
        shift
    fi
    mkdir -p "$(dirname "$dir/$1")"
    cat >"$dir/$1"
}

# sd_oneshot [--user] NAME POLICY SCRIPT: a oneshot test unit that runs `sh -c 'SCRIPT'` (SCRIPT
# without single quotes) under LandlockPolicy=POLICY, set on line 6 of NAME.service.
sd_oneshot() {
    local scope=()
    if [[ $1 == --user ]]; then
        scope=(--user)
        shift
    fi
    local name=$1 policy=$2 script=$3
    sd_unit "${scope[@]}" "$name.service" <<UNIT
[Unit]
DefaultDependencies=no
[Service]
Type=oneshot
ExecStart=/bin/sh -c '$script'
LandlockPolicy=$policy
UNIT
}

# sd_boot: starts systemd as PID 1 of new namespaces and waits until it runs, with a journal.
sd_boot() {
    if [[ $SD_GUARD == 1 ]]; then
        mkdir -p "$SD_UNITS/service.d" "$SD_USER_UNITS/service.d"
        sed "s|@GUARD@|$LLH_SYSTEMD_GUARD|" "$LLH_GUARD_TEMPLATE" >"$SD_UNITS/service.d/landlock-guard.conf"
        sed "s|@GUARD@|$LLH_SYSTEMD_GUARD|" "$LLH_USER_GUARD_TEMPLATE" >"$SD_USER_UNITS/service.d/landlock-guard.conf"
    fi
    cat >"$SD_DIR/inner.sh" <<SCRIPT
#!/bin/sh
set -e
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/systemd/system /run/systemd/user /run/systemd/journald.conf.d \
         /run/systemd/system-generators /run/systemd/user-generators
cp -a '$SD_UNITS/.' /run/systemd/system/
cp -a '$SD_USER_UNITS/.' /run/systemd/user/
cp -a '$SD_DIR/generators/.' /run/systemd/system-generators/
cp -a '$SD_DIR/user-generators/.' /run/systemd/user-generators/
# A volatile journal in this /run only; never the host's /var/log/journal or kmsg.
printf '[Journal]\nStorage=volatile\nReadKMsg=no\nForwardToConsole=no\nForwardToSyslog=no\nForwardToWall=no\n' \
    >/run/systemd/journald.conf.d/llh.conf
# A user manager must not touch real home directories.
mount -t tmpfs -o mode=0755 tmpfs /home
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
: >'$SD_DIR/console.log'
mount --bind '$SD_DIR/console.log' /dev/console
exec env container=other /lib/systemd/systemd --unit=llh-test.target
SCRIPT
    chmod 0755 "$SD_DIR/inner.sh"
    mkdir "$SD_CGROUP"
    (
        echo "$BASHPID" >"$SD_CGROUP/cgroup.procs"
        exec unshare --pid --fork --mount --cgroup --uts --ipc --net --propagation private --mount-proc \
            "$SD_DIR/inner.sh"
    ) >"$SD_DIR/unshare.log" 2>&1 3>&- &
    SD_UNSHARE_PID=$!
    SD_PID=
    local i
    for ((i = 0; i < 100; i++)); do
        SD_PID=$(pgrep -P "$SD_UNSHARE_PID" -x systemd || true)
        if [[ -n $SD_PID ]] && sd systemctl is-system-running >/dev/null 2>&1; then
            break
        fi
        sleep 0.1
    done
    if [[ -z $SD_PID ]]; then
        cat "$SD_DIR/unshare.log" >&2
        fail "systemd did not start in its namespace"
    fi
    sd systemctl start systemd-journald.service
    sd_assert_no_boot_units
}

# sd CMD...: runs CMD inside systemd's namespaces.
sd() {
    nsenter -t "$SD_PID" -m -p -u -i -n -- "$@"
}

# sd_user CMD...: runs CMD as the test user, talking to that user's manager.
sd_user() {
    local uid
    uid=$(id -u "$LLH_TEST_USER")
    sd setpriv --reuid="$uid" --regid="$(id -g "$LLH_TEST_USER")" --init-groups \
        env XDG_RUNTIME_DIR=/run/user/$uid HOME=/home/$LLH_TEST_USER "$@"
}

# sd_start_user_manager: "systemd --user" for the test user, as a test unit of our own rather than
# user@.service: that one pulls in user-runtime-dir@.service and, through its default
# dependencies, sysinit.target. This one starts nothing but llh-user.target.
sd_start_user_manager() {
    local uid gid
    uid=$(id -u "$LLH_TEST_USER")
    gid=$(id -g "$LLH_TEST_USER")
    sd sh -c "cat >/run/systemd/system/llh-user-manager.service" <<UNIT
[Unit]
DefaultDependencies=no
[Service]
Type=notify
Delegate=yes
User=$uid
Group=$gid
PAMName=
Environment=XDG_RUNTIME_DIR=/run/user/$uid HOME=/home/$LLH_TEST_USER
ExecStartPre=+/bin/sh -c 'install -d -o $uid -g $gid -m 0700 /run/user/$uid /home/$LLH_TEST_USER'
ExecStart=/lib/systemd/systemd --user --unit=llh-user.target
UNIT
    sd systemctl daemon-reload
    sd systemctl start llh-user-manager.service
}

# The journal of one unit, messages only.
sd_journal() {
    sd journalctl --no-pager -o cat "$@"
}

# sd_reload: daemon-reload after changing units under /run/systemd/system.
sd_install_units() {
    sd cp -a "$SD_UNITS/." /run/systemd/system/
    sd systemctl daemon-reload
}

sd_teardown() {
    local problem=
    if [[ -n ${SD_PID:-} ]]; then
        problem=$(sd_assert_no_boot_units 2>&1) || true
        sd systemctl poweroff >/dev/null 2>&1 || true
        local i
        for ((i = 0; i < 100; i++)); do
            kill -0 "$SD_UNSHARE_PID" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$SD_UNSHARE_PID" 2>/dev/null; then
            kill -KILL "$SD_PID" 2>/dev/null || true   # PID 1 of its namespace: takes all with it
            wait "$SD_UNSHARE_PID" 2>/dev/null || true
        fi
        wait "$SD_UNSHARE_PID" 2>/dev/null || true
        SD_PID=
    fi
    if [[ -n ${SD_CGROUP:-} && -d $SD_CGROUP ]]; then
        find "$SD_CGROUP" -depth -type d -exec rmdir {} + 2>/dev/null || true
    fi
    # Only now, with nothing left behind, may the test fail for it.
    if [[ -n $problem ]]; then
        fail "$problem"
    fi
}
