#!/usr/bin/env bats
# landlock-systemd-generator as systemd runs it (argv: normal early late; $SYSTEMD_SCOPE;
# $SYSTEMD_UNIT_PATH), over real-world unit files: its output must match the golden drop-ins.

load systemd-common

bats_require_minimum_version 1.5.0

DATA=$LLH_REPO_ROOT/tests/data/systemd

setup() {
    require_or_fail "$LLH_SYSTEMD_GENERATOR is not built (set LLH_BUILD_DIR)" test -x "$LLH_SYSTEMD_GENERATOR"
    OUT=$BATS_TEST_TMPDIR/gen
    mkdir -p "$OUT/normal" "$OUT/early" "$OUT/late"
}

run_generator() {
    SYSTEMD_UNIT_PATH=$DATA/units LANDLOCK_LAUNCH_PATH=/usr/bin/landlock-launch \
        LANDLOCK_SYSTEMD_HELPER_PATH=/usr/libexec/landlock-hooks/landlock-systemd-helper \
        "$@" "$LLH_SYSTEMD_GENERATOR" "$OUT/normal" "$OUT/early" "$OUT/late"
}

@test "generator: real-world units give the golden drop-ins, and nothing else" {
    run run_generator env SYSTEMD_SCOPE=system
    assert_success
    assert_output ""
    local golden unit
    for golden in "$DATA"/golden/system/*.conf; do
        unit=$(basename "$golden" .conf)
        run diff -u "$golden" <(sed "s|$DATA/units|@DATA@|g" "$OUT/normal/$unit.d/zz-landlock.conf")
        assert_success
    done
    run bash -c "cd '$OUT/normal' && find . -type f | sort"
    assert_output "$(cd "$DATA/golden/system" && for f in *.conf; do echo "./${f%.conf}.d/zz-landlock.conf"; done | sort)"
    [[ -z $(ls -A "$OUT/early" "$OUT/late" | grep -v ':$' || true) ]]
}

@test "generator: a user manager's output runs the helper with --user and no privilege prefix" {
    run run_generator env SYSTEMD_SCOPE=user
    assert_success
    run grep -h '^ExecStartPre=' "$OUT/normal/dbus.service.d/zz-landlock.conf"
    assert_output "ExecStartPre=/usr/libexec/landlock-hooks/landlock-systemd-helper --user %n"
}

@test "generator: usage errors and an unwritable output directory" {
    run "$LLH_SYSTEMD_GENERATOR"
    assert_failure 2
    assert_output "usage: landlock-systemd-generator NORMAL_DIR [EARLY_DIR LATE_DIR]"
    chmod 0500 "$OUT/normal"
    if [[ $(id -u) -eq 0 ]]; then
        # root writes anyway; make the target a file instead
        rmdir "$OUT/normal"
        touch "$OUT/normal"
    fi
    run run_generator env SYSTEMD_SCOPE=system
    assert_success   # one unit's problem never fails the whole generator (and so the boot)
    assert_line --partial "landlock-systemd-generator: dbus.service: cannot create $OUT/normal/dbus.service.d"
}

@test "generator: a unit with an unreadable policy line gets a refusal drop-in" {
    mkdir -p "$BATS_TEST_TMPDIR/units"
    printf '[Service]\nExecStart=/bin/web "unterminated\nLandlockPolicy=rx:/usr\n' >"$BATS_TEST_TMPDIR/units/web.service"
    run env SYSTEMD_UNIT_PATH=$BATS_TEST_TMPDIR/units SYSTEMD_SCOPE=system LANDLOCK_SYSTEMD_HELPER_PATH=/h \
        "$LLH_SYSTEMD_GENERATOR" "$OUT/normal" "$OUT/early" "$OUT/late"
    assert_success
    assert_output "landlock-systemd-generator: web.service: $BATS_TEST_TMPDIR/units/web.service:2: ExecStart=: an unterminated double quote (hint: close the quote, or escape it with a backslash)"
    run cat "$OUT/normal/web.service.d/zz-landlock.conf"
    assert_line "ExecStart=/h --refuse %n"
}
