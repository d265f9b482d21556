#!/bin/sh
# /init of the VM test guest (busybox sh, PID 1), put into the initramfs by kernel/vm/vm-run.sh.
# Mounts what the tests need, runs the command vm-run.sh was given with its output on the serial
# console, sends the collected directory back as base64 between markers, prints the completion
# marker with the command's exit status, and powers off.
#
# The run's settings are files vm-run.sh writes into the initramfs, in /etc/llh-vm/:
#   command   the guest shell command (run with /bin/sh -c)
#   collect   the guest directory to send back (absent: nothing is collected)
#   nonce     a random string of this run, part of every marker. It is read and deleted before the
#             command starts, so the command's output cannot forge a marker the host would trust.
# Markers (one line each, at the start of a line, NONCE replaced):
#   LLH-VM-NONCE-OUTPUT-BEGIN                  the command starts; the host streams what follows
#   LLH-VM-NONCE-OUTPUT-END                    the command ended
#   LLH-VM-NONCE-COLLECT-BEGIN                 base64 of a tar.gz of the collected directory
#   LLH-VM-NONCE-COLLECT-END SHA256            ... and the sha256 of the tar.gz
#   LLH-VM-NONCE-DONE STATUS                   the command's exit status; nothing after this counts

# The applet links (sh, mount, ...) at their usual paths; files vm-run.sh added are kept.
/bin/busybox --install -s
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# The kernel found no /dev/console in the initramfs (it is built without root, so without device
# nodes): the console is reachable only now that devtmpfs is mounted.
exec </dev/console >/dev/console 2>&1

mount -t securityfs securityfs /sys/kernel/security
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
mount -t bpf -o mode=0700 bpf /sys/fs/bpf
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
ip link set lo up
hostname llh-vm

nonce=$(cat /etc/llh-vm/nonce)
rm -f /etc/llh-vm/nonce
collect=
[ -f /etc/llh-vm/collect ] && collect=$(cat /etc/llh-vm/collect)

cd /
# A fresh line first: the firmware's terminal reset sequence is still on the current one.
echo
echo "LLH-VM-$nonce-OUTPUT-BEGIN"
/bin/sh -c "$(cat /etc/llh-vm/command)" </dev/null 2>&1
status=$?
echo
echo "LLH-VM-$nonce-OUTPUT-END"

if [ -n "$collect" ]; then
    # Only emergencies on the console now: a kernel message inside the base64 would corrupt it.
    dmesg -n 1
    mkdir -p "$collect"
    tar -C "$collect" -czf /run/llh-vm-collect.tar.gz .
    echo "LLH-VM-$nonce-COLLECT-BEGIN"
    base64 /run/llh-vm-collect.tar.gz
    sum=$(sha256sum /run/llh-vm-collect.tar.gz)
    echo "LLH-VM-$nonce-COLLECT-END ${sum%% *}"
fi
echo "LLH-VM-$nonce-DONE $status"

sync
poweroff -f
# Should poweroff not end the VM, PID 1 exiting panics the kernel, and panic=-1 with qemu's
# -no-reboot ends it.
sleep 5
exit 1
