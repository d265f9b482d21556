#!/usr/bin/env bats
# landlockctl events on this host (Landlock ABI 7, no BPF LSM): native mode's denials as Landlock's
# own audit records, read from the audit multicast group. Audit is turned on by the test helper
# audit-switch (landlockctl itself never changes audit settings) and put back as it was.
# Cgroup mode's ring buffer is exercised in the VM guest (kernel/tests/guest-events.sh).

load helpers

bats_require_minimum_version 1.5.0

AUDIT_SWITCH=${AUDIT_SWITCH:-$(dirname "$LANDLOCKCTL")/audit-switch}
DENY_ETC='rx:/usr:/lib:/bin ro:/usr'

setup() {
    require_landlockctl
    require_landlock_launch
    require_landlock
    require_or_fail "audit-switch is not built at $AUDIT_SWITCH (tests option)" test -x "$AUDIT_SWITCH"
    require_or_fail "needs root (audit settings, CAP_AUDIT_READ)" test "$(id -u)" -eq 0
    require_or_fail "the audit setting cannot be read (no CAP_AUDIT_CONTROL, or no audit)" "$AUDIT_SWITCH" get
    AUDIT_BEFORE=$("$AUDIT_SWITCH" get)
    EVENTS_PID=
}

teardown() {
    if [[ -n "${EVENTS_PID:-}" ]]; then
        kill -TERM "$EVENTS_PID" 2>/dev/null || true
        wait "$EVENTS_PID" 2>/dev/null || true
    fi
    # Put audit back as it was before this test.
    if [[ "${AUDIT_BEFORE:-}" == 0 || "${AUDIT_BEFORE:-}" == 1 ]]; then
        "$AUDIT_SWITCH" set "$AUDIT_BEFORE" >/dev/null
    fi
    return 0
}

require_audit_abi() {
    require_or_fail "Landlock's audit records need ABI 7 (this kernel: $(kernel_landlock_abi))" \
        test "$(kernel_landlock_abi)" -ge 7
}

require_no_cgroup_mode() {
    if [[ -e /sys/fs/bpf/landlock-hooks/maps/llh_events ]]; then
        skip "cgroup mode is loaded on this host: these expectations are for hosts without it"
    fi
}

audit_on() {
    # Another process may turn it off meanwhile (audit is one setting for the whole host).
    [[ $("$AUDIT_SWITCH" get) == 1 ]] || "$AUDIT_SWITCH" set 1 >/dev/null
}

# deny_cat_until CHECK: runs cat /etc/hostname, denied, until `CHECK PID` finds its event (a few
# tries: another process may turn audit off meanwhile). Sets DENIED_PID.
deny_cat_until() {
    local check=$1 tries
    for ((tries = 0; tries < 5; tries++)); do
        audit_on
        "$LANDLOCK_LAUNCH" --rules "$DENY_ETC" -- cat /etc/hostname 2>/dev/null &
        DENIED_PID=$!
        wait "$DENIED_PID" || true
        sleep 1
        "$check" "$DENIED_PID" && return 0
    done
    return 1
}

# json_event_of PID: the JSON line of PID's denial of /etc/hostname.
json_event_of() {
    jq -c --argjson pid "$1" 'select(.path == "/etc/hostname" and .pid == $pid)' "$BATS_TEST_TMPDIR/events.out" |
        grep .
}

# line_of PID: the line for people of PID's denial of /etc/hostname.
line_of() {
    grep " cat\[$1\] denied read_file /etc/hostname (EACCES)$" "$BATS_TEST_TMPDIR/events.out"
}

# start_events ARGS...: landlockctl events ARGS in the background (bounded by a timeout), once it
# says on stderr that it follows.
start_events() {
    timeout 120 "$LANDLOCKCTL" events "$@" >"$BATS_TEST_TMPDIR/events.out" 2>"$BATS_TEST_TMPDIR/events.err" &
    EVENTS_PID=$!
    local tries
    for ((tries = 0; tries < 100; tries++)); do
        grep -q 'following' "$BATS_TEST_TMPDIR/events.err" 2>/dev/null && return 0
        kill -0 "$EVENTS_PID" 2>/dev/null || break
        sleep 0.1
    done
    fail "landlockctl events did not start following: $(cat "$BATS_TEST_TMPDIR/events.err")"
}

# stop_events: SIGTERM, as a user's Ctrl-C or a service stop; landlockctl must exit 0.
stop_events() {
    kill -TERM "$EVENTS_PID"
    local status=0
    wait "$EVENTS_PID" || status=$?
    EVENTS_PID=
    [[ $status -eq 0 ]] || fail "landlockctl events exited $status after SIGTERM: $(cat "$BATS_TEST_TMPDIR/events.err")"
}

@test "events --follow --json: Landlock's own denial of cat, with its pid, command, access, path and errno" {
    require_audit_abi
    audit_on
    start_events --follow --json

    local found
    deny_cat_until json_event_of || true
    stop_events
    found=$(json_event_of "$DENIED_PID") ||
        fail "no event for /etc/hostname of pid $DENIED_PID in: $(cat "$BATS_TEST_TMPDIR/events.out")"

    run jq -r '[.source, .access, .comm, (.errno | tostring)] | join(" ")' <<<"$found"
    assert_output "landlock-audit read_file cat 13"
    # Every line is one JSON object with the stable keys.
    run jq -r -s 'map(keys_unsorted | join(",")) | unique | .[]' "$BATS_TEST_TMPDIR/events.out"
    assert_output "time,source,workload,cgroup_id,pid,comm,access,path,port,errno"
    run jq -r '.time' <<<"$found"
    assert_output --regexp '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$'
}

@test "events --follow: one line for people per denial" {
    require_audit_abi
    audit_on
    start_events --follow

    deny_cat_until line_of || true
    stop_events
    run line_of "$DENIED_PID"
    assert_success
    assert_output --regexp '^20[0-9-]+T[0-9:.]+Z landlock-audit [^ ]+: cat\['
}

@test "events --follow: a busy denied loop is cut to 64 lines a second, and says how many it left out" {
    require_audit_abi
    audit_on
    start_events --follow --json

    # 5,000 denied opens from one Landlock domain, as fast as bash goes.
    "$LANDLOCK_LAUNCH" --rules "$DENY_ETC" -- bash -c 'for ((i = 0; i < 5000; i++)); do : </etc/hostname; done' \
        2>/dev/null || true
    sleep 2
    stop_events

    local lines busiest
    lines=$(grep -c . "$BATS_TEST_TMPDIR/events.out" || true)
    busiest=$(jq -r 'select(.path == "/etc/hostname") | .time[0:19]' "$BATS_TEST_TMPDIR/events.out" |
        sort | uniq -c | sort -rn | awk 'NR == 1 { print $1 }')
    [[ "${busiest:-0}" -ge 1 ]] || fail "no denial shown at all: $(cat "$BATS_TEST_TMPDIR/events.err")"
    [[ "$busiest" -le 64 ]] || fail "$busiest lines in one second (at most 64 expected)"
    [[ "$lines" -lt 5000 ]] || fail "$lines lines: nothing was left out"
    run cat "$BATS_TEST_TMPDIR/events.err"
    assert_output --regexp '[0-9]+ Landlock audit denials not shown in all: more than 64 a second from one domain'
}

@test "events: without cgroup mode and with audit on, says where the denials are and succeeds" {
    require_no_cgroup_mode
    audit_on
    run --separate-stderr "$LANDLOCKCTL" events
    assert_success
    assert_output ""
    # shellcheck disable=SC2154 # set by bats' run --separate-stderr
    assert_equal "$stderr" "landlockctl events: cgroup mode is not loaded: no cgroup-mode denials
landlockctl events: Landlock's own denials (audit) are shown as they happen: landlockctl events --follow"
}

@test "events: without cgroup mode and with audit off, fails with a hint" {
    require_no_cgroup_mode
    "$AUDIT_SWITCH" set 0 >/dev/null
    run --separate-stderr "$LANDLOCKCTL" events --follow
    assert_failure 1
    assert_output ""
    assert_equal "$stderr" "landlockctl events: cgroup mode is not loaded: no cgroup-mode denials
landlockctl events: audit is off: Landlock's own denials are not reported (enable audit: auditctl -e 1)
landlockctl events: error: no source of denials: cgroup mode is not loaded and audit is off (hint: attach a policy with landlockctl attach, or enable audit for native mode's denials: auditctl -e 1)"
}
