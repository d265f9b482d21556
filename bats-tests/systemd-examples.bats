#!/usr/bin/env bats
# The example drop-ins of contrib/systemd/examples/, each on the real daemon's own Debian unit
# (nginx-light, redis-server) or the user unit as shipped, started by a real systemd 252 as PID 1
# of private namespaces: the examples must be policies a daemon actually runs under, not just
# policies that parse. The only addition is a test drop-in with DefaultDependencies=no (the test
# systemd shares the host's root file system; see systemd-common.bash).

load systemd-common

bats_require_minimum_version 1.5.0

EXAMPLES=$LLH_REPO_ROOT/contrib/systemd/examples

setup() {
    require_systemd_namespace
    sd_prepare
}

teardown() {
    sd_teardown
}

# example_dropin EXAMPLE UNIT: the example as UNIT's landlock.conf, plus the test's drop-in.
example_dropin() {
    local example=$1 unit=$2
    mkdir -p "$SD_UNITS/$unit.d"
    cp "$EXAMPLES/$example" "$SD_UNITS/$unit.d/landlock.conf"
    printf '[Unit]\nDefaultDependencies=no\n' >"$SD_UNITS/$unit.d/test.conf"
}

# start_unit UNIT [--user]: starts it; on failure, fails with the unit's journal, which says why.
start_unit() {
    local unit=$1
    if ! sd systemctl start "$unit" 2>/dev/null; then
        fail "$unit did not start: $(sd_journal -u "$unit")"
    fi
}

# assert_sandboxed_by UNIT DROPIN: the launcher's start line names the example's drop-in (relative
# to /run/systemd/system), and the main process runs with no_new_privs, as the launcher leaves it.
assert_sandboxed_by() {
    local unit=$1 dropin=$2
    run sd_journal -u "$unit"
    assert_line --regexp "^$unit: Landlock policy from /run/systemd/system/$dropin:[0-9]+: .*fully enforced"
    run sd systemctl show -p MainPID --value "$unit"
    assert [ "$output" -gt 0 ]
    run sd grep -E '^NoNewPrivs:' "/proc/$output/status"
    assert_output --regexp '^NoNewPrivs:[[:space:]]+1$'
}

@test "examples: nginx runs and serves under contrib/systemd/examples/nginx.conf" {
    require_or_fail "nginx is not installed (scripts/bootstrap.sh installs nginx-light)" test -x /usr/sbin/nginx
    example_dropin nginx.conf nginx.service
    sd_boot
    sd ip link set lo up
    start_unit nginx.service
    assert_sandboxed_by nginx.service nginx.service.d/landlock.conf
    run sd python3 -c 'import urllib.request as u; r = u.urlopen("http://127.0.0.1/", timeout=10); print(r.status)'
    assert_output "200"
    run sd systemctl reload nginx.service
    assert_success
}

@test "examples: redis-server runs and answers under contrib/systemd/examples/redis-server.conf" {
    require_or_fail "redis-server is not installed (scripts/bootstrap.sh installs it)" test -x /usr/bin/redis-server
    example_dropin redis-server.conf redis-server.service
    sd_boot
    sd ip link set lo up
    # Debian's unit is hardened (NoExecPaths=/ with ExecPaths=, a @system-service call filter,
    # RestrictSUIDSGID=): the generator lets the launcher through, nothing else.
    start_unit redis-server.service
    assert_sandboxed_by redis-server.service redis-server.service.d/landlock.conf
    run sd redis-cli -h 127.0.0.1 ping
    assert_output "PONG"
}

@test "examples: a PostgreSQL cluster runs and answers under contrib/systemd/examples/postgresql@.conf" {
    require_or_fail "postgresql is not installed (scripts/bootstrap.sh installs it)" test -d /etc/postgresql
    # The cluster the package made (15/main): its instance name is 15-main.
    local conf instance
    conf=$(find /etc/postgresql -mindepth 3 -maxdepth 3 -name postgresql.conf | sort | head -n 1)
    instance=${conf#/etc/postgresql/}
    instance=${instance%/postgresql.conf}
    instance=${instance/\//-}
    example_dropin postgresql@.conf postgresql@.service
    sd_boot
    sd ip link set lo up
    # What systemd-tmpfiles does at boot (postgresql-common's tmpfiles.d), masked in this systemd.
    sd install -d -o postgres -g postgres -m 2775 /run/postgresql
    start_unit "postgresql@$instance.service"
    assert_sandboxed_by "postgresql@$instance.service" postgresql@.service.d/landlock.conf
    run sd runuser -u postgres -- psql -tA -c 'select 6 * 7'
    assert_output "42"
}

@test "examples: the user unit user-sync.service copies what its policy allows, as the user" {
    require_or_fail "rsync is not installed (scripts/bootstrap.sh installs it)" test -x /usr/bin/rsync
    cp "$EXAMPLES/user-sync.service" "$SD_USER_UNITS/sync.service"
    mkdir -p "$SD_USER_UNITS/sync.service.d"
    printf '[Unit]\nDefaultDependencies=no\n[Service]\nType=oneshot\n' >"$SD_USER_UNITS/sync.service.d/test.conf"
    sd_boot
    sd_start_user_manager
    local home=/home/$LLH_TEST_USER
    sd_user sh -c "mkdir -p $home/Documents $home/Backup && echo report >$home/Documents/report.txt"
    run sd_user systemctl --user start sync.service
    assert_success
    run sd cat "$home/Backup/Documents/report.txt"
    assert_output "report"
    run sd_journal USER_UNIT=sync.service
    assert_line --regexp "^sync.service: Landlock policy from /run/systemd/user/sync.service:[0-9]+: .*fully enforced"
}
