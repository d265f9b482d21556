#!/bin/sh
# Runs in the VM guest (kernel/vm/guest-tests.list): proves the guest is what the cgroup-mode
# tests need, one TAP line per fact. busybox sh.

n=0
failed=0
check() {  # check DESCRIPTION COMMAND...
    description=$1
    shift
    n=$((n + 1))
    if "$@" >/dev/null 2>&1; then
        echo "ok $n - $description"
    else
        echo "not ok $n - $description"
        failed=1
    fi
}

# shellcheck disable=SC2317 # called through check
lsm_has() { tr ',' '\n' </sys/kernel/security/lsm | grep -qx "$1"; }
# shellcheck disable=SC2317 # called through check
mounted() { awk -v dir="$1" -v type="$2" '$2 == dir && $3 == type { found = 1 } END { exit !found }' /proc/mounts; }

echo "1..6"
check "landlock is in /sys/kernel/security/lsm" lsm_has landlock
check "bpf is in /sys/kernel/security/lsm" lsm_has bpf
check "cgroup2 is mounted on /sys/fs/cgroup" mounted /sys/fs/cgroup cgroup2
check "bpffs is mounted on /sys/fs/bpf" mounted /sys/fs/bpf bpf
check "the kernel has BTF (/sys/kernel/btf/vmlinux)" test -s /sys/kernel/btf/vmlinux
check "a dynamically linked ELF runs (/usr/bin/true)" /usr/bin/true
exit "$failed"
