#!/bin/sh
# Runs in the VM guest (kernel/vm/guest-tests.list; BPF LSM works there, systemd does not run):
# cgroup mode for a unit, through the real landlock-systemd-helper. It builds what systemd would
# (the unit's cgroup, /sys/fs/cgroup/system.slice/demo.service, and its unit file), moves a shell
# into that cgroup and runs the helper there as the first ExecStartPre= would, with the unit file
# named on its command line (no bus). Then processes of the cgroup started after the helper (an
# "ExecStartPre=" one, the "main" one, a grandchild forked later) are denied what the policy
# leaves out and allowed what it grants; once systemd would remove the cgroup, the policy is gone.
# One TAP line per fact. busybox sh.

HELPER=/usr/libexec/landlock-hooks/landlock-systemd-helper
LANDLOCKCTL=/usr/sbin/landlockctl
SLICE=/sys/fs/cgroup/system.slice
CG=$SLICE/demo.service
UNITS=/tmp/guest-unit-cgroup/units
OUT=/tmp/guest-unit-cgroup/out

n=0
failed=0
report() {  # report DESCRIPTION STATUS
    n=$((n + 1))
    if [ "$2" -eq 0 ]; then
        echo "ok $n - $1"
    else
        echo "not ok $n - $1"
        failed=1
    fi
}
check() {  # check DESCRIPTION COMMAND...
    description=$1
    shift
    "$@" >/dev/null 2>&1
    report "$description" $?
}
has_line() { grep -qxF "$1" "$OUT"; }
# shellcheck disable=SC2317 # called through check
listed() { "$LANDLOCKCTL" status --json | grep -q "\"cgroupId\": $1,"; }
# shellcheck disable=SC2317 # called through check
gone_within() {  # gone_within TRIES ID: the cgroup's policy is dropped after its removal
    tries=$1
    while [ "$tries" -gt 0 ]; do
        listed "$2" || return 0
        sleep 0.2
        tries=$((tries - 1))
    done
    return 1
}

echo "1..11"
for program in "$HELPER" "$LANDLOCKCTL"; do
    if [ ! -x "$program" ]; then
        echo "Bail out! $program is not in the guest (a 'file' line of kernel/vm/guest-tests.list)"
        exit 1
    fi
done

mkdir -p "$UNITS" /root "$SLICE" "$CG"
echo "the secret" >/root/secret
cat >"$UNITS/demo.service" <<'UNIT'
[Unit]
Description=cgroup mode demo
[Service]
ExecStart=/bin/sleep 1
LandlockPolicy=rx:/bin:/lib:/usr ro:/etc mode:cgroup
UNIT
id=$(stat -c %i "$CG")

# The unit's processes, as scripts where the policy lets them be read (ro:/etc). Only descriptors
# opened before the attach (stdout: the file this script reads) are written to: /dev/null and
# /tmp are outside the policy (busybox sh even opens /dev/null for a "&" job, so none is used).
SCRIPTS=/etc/guest-unit-cgroup
mkdir -p "$SCRIPTS"
cat >"$SCRIPTS/probe.sh" <<'SCRIPT'
cat /root/secret 2>&1; echo "$1 denied=$?"
head -n 1 /etc/passwd; echo "$1 allowed=$?"
SCRIPT
cat >"$SCRIPTS/main.sh" <<'SCRIPT'
sh /etc/guest-unit-cgroup/probe.sh main
sh /etc/guest-unit-cgroup/later.sh
SCRIPT
cat >"$SCRIPTS/later.sh" <<'SCRIPT'
sleep 1
sh /etc/guest-unit-cgroup/probe.sh grandchild
SCRIPT
sh -c '
    echo $$ >"$1/cgroup.procs" || exit 90
    # From inside the cgroup, the helper refuses to attach for another unit name.
    "$2" other.service "$3" 2>&1; echo "helper for other.service exit=$?"
    "$2" demo.service "$3" 2>&1; echo "helper exit=$?"
    sh "$4/probe.sh" exec-start-pre
    sh "$4/main.sh"
' unit "$CG" "$HELPER" "$UNITS/demo.service" "$SCRIPTS" >"$OUT" 2>&1

check "the helper refuses to attach for a unit other than its cgroup's" has_line "helper for other.service exit=1"
check "the helper attaches demo.service's policy from inside its cgroup" has_line "helper exit=0"
check "the helper reports the mode chosen" grep -qF "demo.service: mode:cgroup: cgroup mode" "$OUT"
check "the helper reports the attach with the cgroup and its id" \
    grep -qF "demo.service: Landlock policy from $UNITS/demo.service:5: cgroup mode: the policy is attached to $CG (cgroup id $id" "$OUT"
check "landlockctl status lists the unit's cgroup" listed "$id"
denied=$(grep -c "^cat: can't open '/root/secret': Permission denied\$" "$OUT")
check "every process of the cgroup (ExecStartPre=, main, grandchild) gets EACCES on /root/secret" test "$denied" -eq 3
for process in exec-start-pre main grandchild; do
    check "$process: denied, and an allowed read works" sh -c "grep -qx '$process denied=1' '$OUT' && grep -qx '$process allowed=0' '$OUT'"
done
check "outside the cgroup /root/secret stays readable" grep -qx "the secret" /root/secret

# systemd removes the cgroup when the unit has stopped; the policy goes with it.
rmdir "$CG"
check "once the cgroup is removed, landlockctl status no longer lists it" gone_within 50 "$id"
rmdir "$SLICE" 2>/dev/null
rm -rf "$SCRIPTS" "$UNITS" /root/secret
if [ "$failed" -ne 0 ]; then
    echo "# what the unit's processes said:"
    sed 's/^/#   /' "$OUT"
fi
exit "$failed"
