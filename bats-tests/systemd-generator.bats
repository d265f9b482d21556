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
    # The golden files say why cgroup mode is not available in the unit tests' words; the
    # generator says it in the kernel's (this host has no BPF LSM).
    sd_require_no_cgroup_mode
    run run_generator env SYSTEMD_SCOPE=system
    assert_success
    assert_output ""
    local golden unit text
    for golden in "$DATA"/golden/system/*.conf; do
        unit=$(basename "$golden" .conf)
        text=$(sed "s|$DATA/units|@DATA@|g" "$OUT/normal/$unit.d/zz-landlock.conf")
        run diff -u "$golden" <(printf '%s\n' "${text//"$SD_NO_CGROUP_MODE"/the test says no}")
        assert_success
    done
    run bash -c "cd '$OUT/normal' && find . -type f | sort"
    assert_output "$(cd "$DATA/golden/system" && for f in *.conf; do echo "./${f%.conf}.d/zz-landlock.conf"; done | sort)"
    [[ -z $(ls -A "$OUT/early" "$OUT/late" | grep -v ':$' || true) ]]
}

@test "generator: a user manager's output passes --user to the launcher, and no helper runs" {
    run run_generator env SYSTEMD_SCOPE=user
    assert_success
    run grep -h '^ExecStart' "$OUT/normal/dbus.service.d/zz-landlock.conf"
    assert_line --index 0 "ExecStartPre="
    assert_line --index 1 "ExecStart="
    assert_line --index 2 --regexp '^ExecStart=/usr/bin/landlock-launch --unit %n --user --cgroup-mode-unavailable "cgroup mode needs root, and this is a service of a user manager \(systemctl --user\)" --unit-rules .*/dbus.service:12 "LandlockPolicy=rx:/usr:/lib ro:/etc/dbus-1:/usr/share/dbus-1 rw:/run/dbus scope:signal" -- /usr/bin/dbus-daemon --system '
    # mode:cgroup keeps the helper, without "!" in a user manager
    run grep -h '^ExecStartPre=/' "$OUT/normal/podman.service.d/zz-landlock.conf"
    assert_output --regexp '^ExecStartPre=/usr/libexec/landlock-hooks/landlock-systemd-helper --user %n /'
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
    assert_output "landlock-systemd-generator: web.service: $BATS_TEST_TMPDIR/units/web.service:2: ExecStart=/bin/web \"unterminated: error: an unterminated double quote (hint: close the quote, or escape it with a backslash)"
    run cat "$OUT/normal/web.service.d/zz-landlock.conf"
    assert_line "ExecStart=/h --refuse %n --reason \"$BATS_TEST_TMPDIR/units/web.service:2: ExecStart=/bin/web \\\"unterminated: error: an unterminated double quote (hint: close the quote, or escape it with a backslash)\""
}

# landlockctl explain --unit: the generator's unit reading, from the unit path ($SYSTEMD_UNIT_PATH).
explain_unit() {
    SYSTEMD_UNIT_PATH=$BATS_TEST_TMPDIR/units "$LANDLOCKCTL" explain "$@"
}

@test "explain --unit: files in systemd's order, assignments in force, specifiers expanded, the mode, the policy" {
    require_landlockctl
    sd_require_no_cgroup_mode
    local U=$BATS_TEST_TMPDIR/units
    mkdir -p "$U/paint@.service.d" "$U/paint@blue.service.d" "$U/service.d"
    printf '[Unit]\nDescription=paint\n[Service]\nExecStart=@/bin/paint paint-%%i\nLandlockPolicy=ro:/etc/passwd\n' >"$U/paint@.service"
    printf '[Service]\nLandlockPolicy=\nLandlockPolicy=rx:/usr ro:/etc/hostname\n' >"$U/paint@.service.d/10-reset.conf"
    printf '[Service]\nX-LandlockPolicy=rw:/tmp/%%i-%%p bind:8080\n' >"$U/paint@blue.service.d/20-instance.conf"
    printf '[Service]\nEnvironment=A=1\n' >"$U/service.d/05-all.conf"
    run --separate-stderr explain_unit --unit paint@blue.service
    assert_success
    assert_equal "${lines[0]}" "Unit: paint@blue.service (system manager)"
    assert_equal "${lines[1]}" "Files (in systemd's order):"
    assert_equal "${lines[2]}" "  $U/paint@.service"
    assert_equal "${lines[3]}" "  $U/service.d/05-all.conf"
    assert_equal "${lines[4]}" "  $U/paint@.service.d/10-reset.conf"
    assert_equal "${lines[5]}" "  $U/paint@blue.service.d/20-instance.conf"
    assert_equal "${lines[6]}" "LandlockPolicy= in force:"
    assert_equal "${lines[7]}" "  $U/paint@.service.d/10-reset.conf:3: LandlockPolicy=rx:/usr ro:/etc/hostname"
    assert_equal "${lines[8]}" "  $U/paint@blue.service.d/20-instance.conf:2: X-LandlockPolicy=rw:/tmp/%i-%p bind:8080"
    assert_equal "${lines[9]}" "      expanded: rw:/tmp/blue-paint bind:8080"
    assert_equal "${lines[10]}" "Mode: mode:auto: native mode only: cgroup mode is not available: $SD_NO_CGROUP_MODE (every ExecStart=/ExecReload= runs through landlock-launch)"
    assert_line "Enforcement: fully enforced on Landlock ABI $(kernel_landlock_abi)"
    assert_line "  /etc/hostname  file: read_file; masked on a file: read_dir"
    assert_line "      from $U/paint@.service.d/10-reset.conf:3: LandlockPolicy=: item 2 \"ro:/etc/hostname\""
    assert_line "  /tmp/blue-paint  missing (skipped: missing): write_file, read_file, read_dir, remove_dir, remove_file, make_char, make_dir, make_reg, make_sock, make_fifo, make_block, make_sym, refer, truncate, ioctl_dev"
    assert_line "  8080: bind_tcp"
    refute_output --partial "/etc/passwd"
    assert_equal "$stderr" "$U/paint@blue.service.d/20-instance.conf:2: X-LandlockPolicy=: item 1 \"rw:/tmp/blue-paint\": warning: \"/tmp/blue-paint\" does not exist: the rule is skipped (hint: create it or fix the path; compat:hard refuses to start instead)"
}

@test "explain --unit: --json, --user with the user's specifiers, and a unit without a policy" {
    require_landlockctl
    local U=$BATS_TEST_TMPDIR/units
    mkdir -p "$U"
    printf '[Service]\nExecStart=/bin/sync\nLandlockPolicy=rx:/usr ro:%%h mode:native\n' >"$U/sync.service"
    printf '[Service]\nExecStart=/bin/true\n' >"$U/plain.service"
    HOME=/home/alice run --separate-stderr explain_unit --unit sync.service --user --json
    assert_success
    run jq -c '[.unit, .manager, .mode, .assignments[0].expanded, .policy.options.mode, (.policy.paths | map(.path))]' <<<"$output"
    assert_output '["sync.service","user","mode:native: native mode (every ExecStart=/ExecReload= runs through landlock-launch)","rx:/usr ro:/home/alice mode:native","native",["/usr","/home/alice"]]'
    run explain_unit --unit plain.service
    assert_success
    assert_output "Unit: plain.service (system manager)
LandlockPolicy=: not set: the service runs without a Landlock sandbox"
}

@test "explain --unit: what the generator would refuse, and names it cannot explain" {
    require_landlockctl
    local U=$BATS_TEST_TMPDIR/units
    mkdir -p "$U/late.service.d"
    printf '[Service]\nExecStart=/bin/web\nLandlockPolicy=rx:/usr\n' >"$U/late.service"
    printf '[Service]\nExecStart=/bin/escape\n' >"$U/late.service.d/zzz.conf"
    run --separate-stderr explain_unit --unit late.service
    assert_failure 1
    assert_equal "$(grep ': error: ' <<<"$stderr")" "$U/late.service.d/zzz.conf:2: ExecStart=/bin/escape: error: this command line would run without the Landlock policy (hint: the generator's zz-landlock.conf must be the last drop-in to set ExecStart=/ExecReload=; rename the later drop-in, and run systemctl daemon-reload)"
    run explain_unit --unit 'paint@.service'
    assert_failure 2
    assert_output 'landlockctl explain: --unit: "paint@.service" is not the name of a service (hint: web.service, getty@tty1.service)'
    run explain_unit --unit missing.service
    assert_failure 1
    assert_output "landlockctl explain: no unit file for missing.service in $U"
}

# landlock-launch's options for systemd lines, outside systemd (messages then go to stderr too).
@test "landlock-launch --argv0 gives the command its argv[0]; --unit-rules carry FILE:LINE into messages" {
    require_landlock_launch
    require_landlock
    run "$LANDLOCK_LAUNCH" --argv0 my-name --rules 'rx:/' -- /bin/sh -c 'echo "$0"; head -c 7 /proc/$$/cmdline'
    assert_success
    assert_output "my-name
my-name"
    run --separate-stderr "$LANDLOCK_LAUNCH" --unit web.service --unit-rules /u/web.service:3 'LandlockPolicy=rx:/usr rx:usr' \
        --unit-rules /u/web.service.d/x.conf:2 'X-LandlockPolicy=bind:0' -- /bin/true
    assert_failure 126
    assert_equal "$stderr" 'landlock-launch: /u/web.service:3: LandlockPolicy=: item 2 "rx:usr": error: relative path "usr" (hint: paths are absolute, as the workload sees them: "/usr")
landlock-launch: /u/web.service.d/x.conf:2: X-LandlockPolicy=: item 1 "bind:0": error: port 0 is not a port a rule can name (hint: TCP ports are 1 to 65535 (binding port 0 lets the kernel choose one))
landlock-launch: web.service: the Landlock policy has errors, so the service does not start'
    run "$LANDLOCK_LAUNCH" --unit web.service -- /bin/true
    assert_failure 2
    assert_line "landlock-launch: --unit and --unit-rules go together, without --policy, --policy-fd or --rules"
    run "$LANDLOCK_LAUNCH" --unit web.service --unit-rules /u/web.service:3 -- /bin/true
    assert_failure 2
    assert_line 'landlock-launch: --unit-rules: "--" is not KEY=VALUE'
}
