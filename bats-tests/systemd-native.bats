#!/usr/bin/env bats
# LandlockPolicy= in unit files, native mode, against a real systemd 252 running as PID 1 of
# private namespaces: the generator, landlock-launch (which checks and enforces the policy in the
# service's command lines), the helper (refusals) and the guard. The modes: systemd-modes.bats.

load systemd-common

bats_require_minimum_version 1.5.0

setup() {
    require_systemd_namespace
    sd_prepare
}

teardown() {
    sd_teardown
}

@test "systemd: the main process is sandboxed: denied read, allowed read, denied bind" {
    cat >"$SD_OUT/bind.py" <<'PY'
import socket, sys
s = socket.socket()
try:
    s.bind(("0.0.0.0", int(sys.argv[1])))
    print("bound")
except OSError as e:
    print(e.strerror)
PY
    sd_oneshot web "rx:/usr ro:/etc/hostname rw:$SD_OUT bind:9090" \
        "cat /etc/hostname >$SD_OUT/allowed 2>&1; cat /etc/passwd >$SD_OUT/denied 2>&1; \
python3 $SD_OUT/bind.py 8080 >$SD_OUT/bind-8080 2>&1; python3 $SD_OUT/bind.py 9090 >$SD_OUT/bind-9090 2>&1; true"
    sd_boot
    run sd systemctl start web.service
    assert_success
    assert_equal "$(cat "$SD_OUT/allowed")" "$(cat /etc/hostname)"
    assert_equal "$(cat "$SD_OUT/denied")" "cat: /etc/passwd: Permission denied"
    assert_equal "$(cat "$SD_OUT/bind-8080")" "Permission denied"
    assert_equal "$(cat "$SD_OUT/bind-9090")" "bound"
    # The launcher said what the service got, in the unit's journal.
    run sd_journal -u web.service
    assert_line "web.service: Landlock policy from /run/systemd/system/web.service:6: fully enforced on Landlock ABI 7; 3 path rules, 1 port rules"
    # Native mode runs no ExecStartPre= process: not the helper, and not the guard either.
    run sd systemctl show -p ExecStartPre --value web.service
    assert_output ""
}

@test "systemd: ExecReload= runs sandboxed too" {
    sd_unit reloader.service <<UNIT
[Unit]
DefaultDependencies=no
[Service]
ExecStart=/bin/sleep 300
ExecReload=/bin/sh -c 'cat /etc/passwd >$SD_OUT/reload 2>&1; true'
LandlockPolicy=rx:/usr rw:$SD_OUT
UNIT
    sd_boot
    sd systemctl start reloader.service
    run sd systemctl reload reloader.service
    assert_success
    assert_equal "$(cat "$SD_OUT/reload")" "cat: /etc/passwd: Permission denied"
    run sd systemctl show -p ExecMainPID --value reloader.service
    run sd cat "/proc/$output/status"
    assert_line --regexp '^NoNewPrivs:[[:space:]]+1$'
}

@test "systemd: drop-ins accumulate in name order and an empty assignment resets" {
    sd_oneshot order "rx:/usr rw:$SD_OUT ro:/etc/passwd" \
        "cat /etc/passwd 2>$SD_OUT/passwd >$SD_OUT/o1; cat /etc/hostname 2>$SD_OUT/hostname >$SD_OUT/o2; \
cat /etc/os-release 2>$SD_OUT/os-release >$SD_OUT/o3; true"
    # 10 adds hostname; 20 resets everything and grants os-release; 30 adds hostname back:
    # whatever 10 and the fragment said is gone, so passwd is denied.
    sd_unit order.service.d/20-reset.conf <<UNIT
[Service]
LandlockPolicy=
LandlockPolicy=rx:/usr rw:$SD_OUT ro:/usr/lib/os-release:/etc/os-release
UNIT
    sd_unit order.service.d/10-add.conf <<'UNIT'
[Service]
LandlockPolicy=ro:/etc/hostname
UNIT
    sd_unit order.service.d/30-add.conf <<'UNIT'
[Service]
# a comment, then a continued line
LandlockPolicy=ro:/etc/hostname \
    ro:/etc/hosts
UNIT
    sd_boot
    run sd systemctl start order.service
    assert_success
    assert_equal "$(cat "$SD_OUT/passwd")" "cat: /etc/passwd: Permission denied"
    assert_equal "$(cat "$SD_OUT/hostname")" ""
    assert_equal "$(cat "$SD_OUT/os-release")" ""
    run sd_journal -u order.service
    assert_line "order.service: Landlock policy from /run/systemd/system/order.service.d/20-reset.conf:3, /run/systemd/system/order.service.d/30-add.conf:3: fully enforced on Landlock ABI 7; 6 path rules, 0 port rules"
}

@test "systemd: X-LandlockPolicy= sandboxes without systemd's unknown-key warning" {
    sd_unit quiet.service <<UNIT
[Unit]
DefaultDependencies=no
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'cat /etc/passwd 2>$SD_OUT/passwd >$SD_OUT/o1; true'
X-LandlockPolicy=rx:/usr rw:$SD_OUT
UNIT
    sd_boot
    run sd systemctl start quiet.service
    assert_success
    assert_equal "$(cat "$SD_OUT/passwd")" "cat: /etc/passwd: Permission denied"
    run sd_journal -b
    refute_output --partial "Unknown key 'X-LandlockPolicy'"
}

@test "systemd: specifiers in the policy are expanded for the instance" {
    mkdir -p "$SD_OUT/blue" "$SD_OUT/red"
    chmod 0777 "$SD_OUT/blue" "$SD_OUT/red"
    sd_unit paint@.service <<UNIT
[Unit]
DefaultDependencies=no
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo %i >$SD_OUT/%i/mine; echo %i >$SD_OUT/red/theirs; echo %p >$SD_OUT/%I/prefix; true'
LandlockPolicy=rx:/usr rw:$SD_OUT/%i ro:%t/%N-100%%
UNIT
    sd_boot
    run sd systemctl start paint@blue.service
    assert_success
    assert_equal "$(cat "$SD_OUT/blue/mine")" "blue"
    assert_equal "$(cat "$SD_OUT/blue/prefix")" "paint"
    [[ ! -e $SD_OUT/red/theirs ]] || fail "the red directory was writable from paint@blue"
    # systemd expanded the specifiers of the launcher's command line for the instance
    run sd_journal -u paint@blue.service
    assert_line --partial 'LandlockPolicy=: item 3 "ro:/run/paint@blue-100%": "/run/paint@blue-100%" does not exist'
}

@test "systemd: ExecStart= prefixes keep their meaning through the launcher" {
    sd_unit prefixes.service <<UNIT
[Unit]
DefaultDependencies=no
[Service]
Type=oneshot
Environment=WHO=expanded
ExecStart=-/bin/sh -c 'echo ran >$SD_OUT/dash; exit 3'
ExecStart=:/bin/sh -c 'echo "\$1" >$SD_OUT/colon' sh \$WHO
ExecStart=/bin/sh -c 'echo \$WHO >$SD_OUT/plain'
ExecStart=@/bin/sh my-argv0 -c 'echo \$0 >$SD_OUT/at; xargs -0 -n1 </proc/\$\$\$\$/cmdline | head -n1 >$SD_OUT/cmdline'
ExecStart=+/bin/sh -c 'cat /etc/passwd 2>$SD_OUT/plus >$SD_OUT/o1; true'
ExecStart=/bin/echo one ; /bin/sh -c 'echo "two; three" >$SD_OUT/semicolon'
LandlockPolicy=rx:/usr rw:$SD_OUT ro:/proc
UNIT
    sd_boot
    run sd systemctl start prefixes.service
    assert_success   # "-": the exit status 3 is ignored, as without the launcher
    assert_equal "$(cat "$SD_OUT/dash")" "ran"
    assert_equal "$(cat "$SD_OUT/colon")" '$WHO'      # ":": systemd expands no variable
    assert_equal "$(cat "$SD_OUT/plain")" "expanded"
    assert_equal "$(cat "$SD_OUT/at")" "my-argv0"     # "@": the launcher's --argv0
    assert_equal "$(cat "$SD_OUT/cmdline")" "my-argv0"  # what the kernel holds, not only $0
    assert_equal "$(cat "$SD_OUT/plus")" "cat: /etc/passwd: Permission denied"  # "+" still sandboxed
    assert_equal "$(cat "$SD_OUT/semicolon")" "two; three"
}

@test "systemd: a bad policy fails the start with FILE:LINE, the item and the reason; others still start" {
    sd_oneshot bad "rx:/usr rx:usr bind:70000" "true"
    sd_oneshot good "rx:/usr rw:$SD_OUT" "echo fine >$SD_OUT/good"
    sd_boot
    run sd systemctl start bad.service
    assert_failure
    run sd_journal -u bad.service
    assert_line '/run/systemd/system/bad.service:6: LandlockPolicy=: item 2 "rx:usr": error: relative path "usr" (hint: paths are absolute, as the workload sees them: "/usr")'
    assert_line '/run/systemd/system/bad.service:6: LandlockPolicy=: item 3 "bind:70000": error: port 70000 is out of range (hint: TCP ports are 1 to 65535)'
    run sd systemctl status bad.service
    assert_output --partial 'bad.service:6: LandlockPolicy=: item 2 "rx:usr": error: relative path "usr"'
    [[ ! -e /run/landlock-hooks/units/bad.service.json ]]
    run sd systemctl start good.service
    assert_success
    assert_equal "$(cat "$SD_OUT/good")" "fine"
}

@test "systemd: a missing path under compat:hard fails the start; best-effort starts with a warning" {
    sd_oneshot hard "rx:/usr rw:$SD_OUT ro:/nonexistent/dir compat:hard" "true"
    sd_oneshot soft "rx:/usr rw:$SD_OUT ro:/nonexistent/dir" "echo started >$SD_OUT/soft"
    sd_boot
    run sd systemctl start hard.service
    assert_failure
    run sd_journal -u hard.service
    assert_line '/run/systemd/system/hard.service:6: LandlockPolicy=: item 3 "ro:/nonexistent/dir": error: "/nonexistent/dir" does not exist (compat:hard): No such file or directory (hint: create it, fix the path, or use compat:best-effort to skip missing paths)'
    run sd systemctl start soft.service
    assert_success
    assert_equal "$(cat "$SD_OUT/soft")" "started"
    run sd_journal -u soft.service
    assert_line '/run/systemd/system/soft.service:6: LandlockPolicy=: item 3 "ro:/nonexistent/dir": "/nonexistent/dir" does not exist: the rule is skipped'
}

@test "systemd: the launcher checks paths in the service's own mount namespace" {
    # TemporaryFileSystem= hides /opt's contents from the service only; BindReadOnlyPaths= brings
    # one directory back. The policy names both: only the bound one exists for the service.
    mkdir -p "$SD_DIR/bound"
    sd_oneshot ns "rx:/usr rw:$SD_OUT ro:/var/llh-bound compat:hard" "ls /var/llh-bound >$SD_OUT/ns"
    sd_unit ns.service.d/ns.conf <<UNIT
[Service]
TemporaryFileSystem=/var:ro
BindReadOnlyPaths=$SD_DIR/bound:/var/llh-bound
UNIT
    touch "$SD_DIR/bound/seen"
    sd_boot
    run sd systemctl start ns.service
    assert_success
    assert_equal "$(cat "$SD_OUT/ns")" "seen"
}

@test "systemd: restart after a policy change and daemon-reload picks up the new policy" {
    sd_oneshot change "rx:/usr rw:$SD_OUT" "cat /etc/passwd 2>$SD_OUT/passwd >$SD_OUT/o1; true"
    sd_boot
    sd systemctl start change.service
    assert_equal "$(cat "$SD_OUT/passwd")" "cat: /etc/passwd: Permission denied"
    sd sed -i 's|^LandlockPolicy=.*|LandlockPolicy=rx:/usr rw:'"$SD_OUT"' ro:/etc/passwd|' /run/systemd/system/change.service
    sd systemctl daemon-reload
    run sd systemctl restart change.service
    assert_success
    assert_equal "$(cat "$SD_OUT/passwd")" ""
}

@test "systemd: a unit without LandlockPolicy= is never touched" {
    sd_unit plain.service <<UNIT
[Unit]
DefaultDependencies=no
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'head -c 4 /etc/passwd >$SD_OUT/plain'
UNIT
    sd_unit plain.service.d/override.conf <<'UNIT'
[Service]
Environment=X=1
UNIT
    sd_boot
    run sd ls /run/systemd/generator/plain.service.d
    assert_failure
    run sd systemctl show -p DropInPaths --value plain.service
    assert_output "/run/systemd/system/service.d/landlock-guard.conf /run/systemd/system/plain.service.d/override.conf"
    run sd systemctl start plain.service
    assert_success
    assert_equal "$(cat "$SD_OUT/plain")" "root"
}

@test "systemd: the guard refuses a unit whose generator drop-in is missing" {
    rm "$SD_DIR/generators/landlock"   # the generator is not installed
    sd_oneshot unguarded "rx:/usr rw:$SD_OUT" "echo ran >$SD_OUT/unguarded"
    sd_boot
    run sd systemctl start unguarded.service
    assert_failure
    [[ ! -e $SD_OUT/unguarded ]] || fail "the service ran unsandboxed"
    run sd_journal -u unguarded.service
    assert_line "unguarded.service: error: LandlockPolicy= is set (/run/systemd/system/unguarded.service:6) but the service manager has not loaded the Landlock generator's drop-in, so the service would run unsandboxed (hint: run systemctl daemon-reload; if that does not help, install landlock-systemd-generator in systemd's generator directory)"
}

@test "systemd: the guard refuses a policy added without daemon-reload" {
    sd_oneshot later "rx:/usr rw:$SD_OUT" "echo ran >$SD_OUT/later"
    sed -i '/^LandlockPolicy=/d' "$SD_UNITS/later.service"
    sd_boot
    sd sh -c "echo 'LandlockPolicy=rx:/usr' >>/run/systemd/system/later.service"
    run sd systemctl start later.service
    assert_failure
    [[ ! -e $SD_OUT/later ]] || fail "the service ran unsandboxed"
    run sd_journal -u later.service
    assert_line --partial "later.service: error: LandlockPolicy= is set (/run/systemd/system/later.service:"
}

@test "systemd: a drop-in sorting after the generator's cannot add an unsandboxed command" {
    sd_oneshot late "rx:/usr rw:$SD_OUT" "echo sandboxed >$SD_OUT/late"
    sd_unit late.service.d/zzz-late.conf <<UNIT
[Service]
ExecStart=/bin/sh -c 'echo escaped >$SD_OUT/escaped'
UNIT
    sd_boot
    run sd systemctl start late.service
    assert_failure
    [[ ! -e $SD_OUT/escaped ]] || fail "the late command ran"
    run sd_journal -u late.service
    assert_line "/run/systemd/system/late.service.d/zzz-late.conf:2: ExecStart=/bin/sh -c 'echo escaped >$SD_OUT/escaped': error: this command line would run without the Landlock policy (hint: the generator's zz-landlock.conf must be the last drop-in to set ExecStart=/ExecReload=; rename the later drop-in, and run systemctl daemon-reload)"
}

@test "systemd: a command line the generator cannot rewrite keeps the unit from running" {
    sd_unit broken.service <<UNIT
[Unit]
DefaultDependencies=no
[Service]
Type=oneshot
ExecStart="-/bin/true"
LandlockPolicy=rx:/usr
UNIT
    sd_boot
    run sd cat /run/systemd/generator/broken.service.d/zz-landlock.conf
    assert_line --partial "ExecStart=$LLH_SYSTEMD_HELPER --refuse %n --reason "
    run sd systemctl start broken.service
    assert_failure
    run sd_journal -u broken.service
    assert_line '/run/systemd/system/broken.service:5: ExecStart="-/bin/true": error: prefix characters inside quotes (hint: write the prefixes before the opening quote)'
}

@test "systemd: a user unit is sandboxed by the user's own manager" {
    local uid
    uid=$(id -u "$LLH_TEST_USER")
    # The user's own runtime directory (%t) holds what the service saw: the test directory is not
    # reachable for the test user.
    sd_oneshot --user mine "rx:/usr ro:/etc/hostname rw:%t" \
        'cat /etc/hostname >%t/out-allowed 2>&1; cat /etc/passwd >%t/out-denied 2>&1; echo %t >%t/out-t; true'
    sd_boot
    run sd_start_user_manager
    require_or_fail "a user manager cannot run here: $output" test "$status" -eq 0
    run sd_user systemctl --user start mine.service
    assert_success
    assert_equal "$(sd cat "/run/user/$uid/out-allowed")" "$(cat /etc/hostname)"
    assert_equal "$(sd cat "/run/user/$uid/out-denied")" "cat: /etc/passwd: Permission denied"
    assert_equal "$(sd cat "/run/user/$uid/out-t")" "/run/user/$uid"
    run sd_journal _UID="$uid" USER_UNIT=mine.service
    assert_line "mine.service: Landlock policy from /run/systemd/user/mine.service:6: fully enforced on Landlock ABI 7; 3 path rules, 0 port rules"
}

@test "systemd: a bad user unit policy fails systemctl --user start" {
    sd_oneshot --user badmine "rx:/usr connect:0" true
    sd_boot
    run sd_start_user_manager
    require_or_fail "a user manager cannot run here: $output" test "$status" -eq 0
    run sd_user systemctl --user start badmine.service
    assert_failure
    run sd_journal _UID="$(id -u "$LLH_TEST_USER")"
    assert_output --partial '/run/systemd/user/badmine.service:6: LandlockPolicy=: item 2 "connect:0": error: port 0'
}

@test "systemd: a refusal reaches the journal even when the service's stderr does not" {
    sd_oneshot quietbad "rx:/usr rx:relative" "echo ran >$SD_OUT/quietbad"
    sd_unit quietbad.service.d/stderr.conf <<'UNIT'
[Service]
StandardError=null
StandardOutput=null
UNIT
    sd_boot
    run sd systemctl start quietbad.service
    assert_failure
    [[ ! -e $SD_OUT/quietbad ]] || fail "the service ran"
    run sd_journal -u quietbad.service
    assert_line '/run/systemd/system/quietbad.service:6: LandlockPolicy=: item 2 "rx:relative": error: relative path "relative" (hint: paths are absolute, as the workload sees them: "/relative")'
    assert_line "quietbad.service: the Landlock policy has errors, so the service does not start"
    run sd systemctl status quietbad.service
    assert_output --partial 'quietbad.service:6: LandlockPolicy=: item 2 "rx:relative": error: relative path'
}

@test "systemd: the unit's own ExecStartPre= lines still run, the guard's does not" {
    sd_oneshot pre "rx:/usr rw:$SD_OUT" "cat /etc/passwd 2>$SD_OUT/pre-main >$SD_OUT/o1; true"
    sd_unit pre.service.d/10-pre.conf <<UNIT
[Service]
ExecStartPre=/bin/sh -c 'echo %n >$SD_OUT/pre'
UNIT
    sd_boot
    run sd systemctl start pre.service
    assert_success
    assert_equal "$(cat "$SD_OUT/pre")" "pre.service"
    assert_equal "$(cat "$SD_OUT/pre-main")" "cat: /etc/passwd: Permission denied"
    run sd systemctl show -p ExecStartPre --value pre.service
    refute_output --partial -- "--guard"
}
