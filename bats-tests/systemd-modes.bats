#!/usr/bin/env bats
# mode: in LandlockPolicy= on a kernel without cgroup mode (this host: BPF LSM does not load),
# against a real systemd 252 as PID 1 of private namespaces: mode:auto runs natively and says so
# in the unit's journal; mode:cgroup and mode:both refuse to start, naming the assignment that
# asked and how to get cgroup mode. Cgroup mode itself runs in the VM guest
# (systemd/tests/guest-unit-cgroup.sh).

load systemd-common

bats_require_minimum_version 1.5.0

setup() {
    require_systemd_namespace
    sd_require_no_cgroup_mode
    sd_prepare
}

teardown() {
    sd_teardown
}

LSM_HINT='(hint: boot the kernel with bpf in lsm= (e.g. lsm=landlock,yama,bpf) and run as root, or use mode:native)'

# A oneshot unit whose shell reports what it could do into $SD_OUT/NAME-*; its own ExecStartPre=
# leaves $SD_OUT/NAME-pre.
mode_unit() {
    local name=$1 policy=$2
    sd_unit "$name.service" <<UNIT
[Unit]
DefaultDependencies=no
[Service]
Type=oneshot
ExecStartPre=/bin/sh -c 'echo ran >$SD_OUT/$name-pre'
ExecStart=/bin/sh -c 'cat /etc/hostname >$SD_OUT/$name-allowed 2>&1; cat /etc/passwd >$SD_OUT/$name-denied 2>&1; true'
LandlockPolicy=$policy
UNIT
}

@test "systemd modes: mode:auto without cgroup mode runs natively, without a helper, and says why in the journal" {
    mode_unit auto "rx:/usr ro:/etc/hostname rw:$SD_OUT"
    sd_boot
    run sd systemctl start auto.service
    assert_success
    assert_equal "$(cat "$SD_OUT/auto-allowed")" "$(cat /etc/hostname)"
    assert_equal "$(cat "$SD_OUT/auto-denied")" "cat: /etc/passwd: Permission denied"
    run sd_journal -u auto.service
    assert_line "auto.service: mode:auto: native mode only: cgroup mode is not available: $SD_NO_CGROUP_MODE"
    assert_line "auto.service: Landlock policy from /run/systemd/system/auto.service:7: fully enforced on Landlock ABI $(kernel_landlock_abi); 3 path rules, 0 port rules"
    # The fast path: no helper process, only the unit's own ExecStartPre=.
    run sd systemctl show -p ExecStartPre --value auto.service
    refute_output --partial landlock-systemd-helper
    assert_output --partial "echo ran"
    # Each start says it again.
    run sd systemctl start auto.service
    assert_success
    assert_equal "$(sd_journal -u auto.service | grep -c 'mode:auto: native mode only')" 2
}

@test "systemd modes: mode:cgroup refuses to start, naming the assignment that set it and the lsm= hint" {
    mode_unit cg "rx:/usr ro:/etc/hostname rw:$SD_OUT"
    sd_unit cg.service.d/10-mode.conf <<'UNIT'
[Service]
LandlockPolicy=mode:cgroup
UNIT
    mode_unit good "rx:/usr ro:/etc/hostname rw:$SD_OUT"
    sd_boot
    run sd systemctl start cg.service
    assert_failure
    # Nothing of the unit ran: the helper is the first ExecStartPre=.
    [[ ! -e $SD_OUT/cg-pre && ! -e $SD_OUT/cg-allowed ]] || fail "a process of the refused unit ran"
    local refusal="/run/systemd/system/cg.service.d/10-mode.conf:2: LandlockPolicy=: mode:cgroup needs cgroup mode, which this kernel does not offer: $SD_NO_CGROUP_MODE $LSM_HINT"
    run sd_journal -u cg.service
    assert_line "$refusal"
    assert_line "cg.service: the Landlock policy cannot be enforced as asked, so the service does not start"
    run sd systemctl status cg.service
    assert_output --partial "10-mode.conf:2: LandlockPolicy=: mode:cgroup needs cgroup mode"
    run sd systemctl show -p ExecStartPre --value cg.service
    assert_output --partial "landlock-systemd-helper cg.service /run/systemd/system/cg.service "
    # Other units are unaffected.
    run sd systemctl start good.service
    assert_success
    assert_equal "$(cat "$SD_OUT/good-denied")" "cat: /etc/passwd: Permission denied"
}

@test "systemd modes: mode:both refuses to start too, and never runs natively instead" {
    mode_unit both "rx:/usr ro:/etc/hostname rw:$SD_OUT mode:both"
    sd_boot
    run sd systemctl start both.service
    assert_failure
    [[ ! -e $SD_OUT/both-pre && ! -e $SD_OUT/both-allowed ]] || fail "a process of the refused unit ran"
    run sd_journal -u both.service
    assert_line "/run/systemd/system/both.service:7: LandlockPolicy=: mode:both needs cgroup mode, which this kernel does not offer: $SD_NO_CGROUP_MODE $LSM_HINT"
    run sd systemctl status both.service
    assert_output --partial "both.service:7: LandlockPolicy=: mode:both needs cgroup mode, which this kernel does not offer"
}

@test "systemd modes: a user unit gets native mode under mode:auto and is refused under mode:cgroup, with the reason" {
    local uid
    uid=$(id -u "$LLH_TEST_USER")
    sd_oneshot --user uauto "rx:/usr rw:%t" 'cat /etc/passwd >%t/uauto-denied 2>&1; true'
    sd_oneshot --user ucg "rx:/usr rw:%t mode:cgroup" 'echo ran >%t/ucg-ran'
    sd_boot
    run sd_start_user_manager
    require_or_fail "a user manager cannot run here: $output" test "$status" -eq 0
    local reason="cgroup mode needs root, and this is a service of a user manager (systemctl --user)"
    run sd_user systemctl --user start uauto.service
    assert_success
    assert_equal "$(sd cat "/run/user/$uid/uauto-denied")" "cat: /etc/passwd: Permission denied"
    run sd_journal _UID="$uid" USER_UNIT=uauto.service
    assert_line "uauto.service: mode:auto: native mode only: cgroup mode is not available: $reason"
    run sd_user systemctl --user start ucg.service
    assert_failure
    run sd test -e "/run/user/$uid/ucg-ran"
    assert_failure
    run sd_journal _UID="$uid" USER_UNIT=ucg.service
    assert_line "/run/systemd/user/ucg.service:6: LandlockPolicy=: mode:cgroup needs cgroup mode, which this kernel does not offer: $reason $LSM_HINT"
}

@test "systemd modes: landlockctl explain --unit says which mode applies and why" {
    local U=$BATS_TEST_TMPDIR/units
    mkdir -p "$U"
    printf '[Service]\nExecStart=/bin/web\nLandlockPolicy=rx:/usr\n' >"$U/web.service"
    printf '[Service]\nExecStart=/bin/web\nLandlockPolicy=rx:/usr\nLandlockPolicy=mode:cgroup\n' >"$U/cg.service"
    SYSTEMD_UNIT_PATH=$U run --separate-stderr "$LANDLOCKCTL" explain --unit web.service
    assert_success
    assert_line "Mode: mode:auto: native mode only: cgroup mode is not available: $SD_NO_CGROUP_MODE (every ExecStart=/ExecReload= runs through landlock-launch)"
    SYSTEMD_UNIT_PATH=$U run --separate-stderr "$LANDLOCKCTL" explain --unit cg.service
    assert_failure 1
    assert_line "Mode: refused: the unit does not start: $U/cg.service:4: LandlockPolicy=: mode:cgroup needs cgroup mode, which this kernel does not offer: $SD_NO_CGROUP_MODE $LSM_HINT"
}
