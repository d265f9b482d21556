#!/usr/bin/env bash
# Runs one shell command in a qemu guest that can load BPF LSM programs (this host's kernel cannot):
# bookworm-backports' 6.12 cloud kernel (kernel/vm/fetch-kernel.sh), booted with lsm=landlock,bpf
# under software emulation (TCG), with an initramfs of busybox plus the files given with --add.
#
# usage: kernel/vm/vm-run.sh [OPTIONS] -- GUEST_SHELL_COMMAND...
#   --add HOST_PATH[=GUEST_PATH]   put a file (or a directory, recursively) into the guest, at
#                                  GUEST_PATH or else at the same absolute path as on the host; a
#                                  dynamically linked ELF brings its libraries (ldd) along
#   --collect GUEST_DIR=HOST_DIR   after the command, copy GUEST_DIR back into HOST_DIR
#   --timeout SECONDS              per boot, boot to completion (default 600)
#   --boot-timeout SECONDS         per boot, until the guest's init runs (default 120)
#   --total-timeout SECONDS        all boots together (default: no limit beyond the per-boot one)
#   --tries N                      boots before giving up on a guest that never completes (default 4)
#   --log-dir DIR                  where the serial logs stay ($LLH_VM_LOG_DIR, default
#                                  ${TMPDIR:-/tmp}/landlock-hooks-vm); one folder per run
# The command runs as root in the guest with /bin/sh -c (busybox), PATH set, cwd /, stdin
# /dev/null; its stdout and stderr stream to this script's stdout. The guest has proc, sysfs,
# securityfs, devtmpfs, cgroup2 (/sys/fs/cgroup), bpffs (/sys/fs/bpf), tmpfs on /tmp and /run,
# lo up; /lib64/ld-linux-x86-64.so.2, libc.so.6 and a dynamic /usr/bin/true at their host paths.
#
# Exit status: the guest command's. A boot that ends without the completion marker (the 6.12 guest
# can die early under qemu 7.2's TCG; see CPU below) is an infrastructure failure: it is
# retried, and after --tries boots this exits 124 with a message on stderr — never a pass, never a
# test failure of its own. A command still running when --timeout (or --total-timeout) ends is
# not retried (a hang in the command, not a failed boot): exit 125, with a message on stderr.
# Environment: LLH_VM_KERNEL (a vmlinuz to boot instead of fetch-kernel.sh's), QEMU (binary),
#              LLH_VM_APPEND (more kernel command line), LLH_VM_MEMORY (MiB, default 2048: fifty runc
#              containers at once need more than 1 GiB), LLH_VM_CPU (qemu's -cpu; default
#              qemu64,-cx16).
#
# Example: kernel/vm/vm-run.sh -- 'cat /sys/kernel/security/lsm; uname -r'
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
QEMU=${QEMU:-qemu-system-x86_64}
BUSYBOX=${LLH_BUSYBOX:-/bin/busybox}
# qemu64 without CMPXCHG16B: with it, about half the boots of the 6.12 guest died early here with a
# double fault in kmem_cache_alloc (SLUB's cmpxchg16b fast path under qemu 7.2's TCG), or with
# other oopses; without it 10 of 10 boots came up (same machine, same load, interleaved trial).
CPU=${LLH_VM_CPU:-qemu64,-cx16}
INFRA_STATUS=124
HANG_STATUS=125
# Kernel messages that mean a boot has failed (seen: NULL dereferences in the PCI scan and in
# kdevtmpfs, a double fault in the slab allocator).
BOOT_OOPS='BUG: |Oops: |Kernel panic|general protection fault|double fault|kernel BUG'

die() {
    printf 'vm-run: %s\n' "$*" >&2
    exit 2
}
note() { printf 'vm-run: %s\n' "$*" >&2; }

usage() {
    sed -n '5,19p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

TIMEOUT=600
BOOT_TIMEOUT=120
TOTAL_TIMEOUT=0
TRIES=4
LOG_DIR=${LLH_VM_LOG_DIR:-${TMPDIR:-/tmp}/landlock-hooks-vm}
ADDS=()
COLLECT_GUEST=""
COLLECT_HOST=""
COMMAND=""

parse_args() {
    local number='^[1-9][0-9]*$'
    while [[ $# -gt 0 ]]; do
        case "$1" in
        --timeout | --boot-timeout | --total-timeout | --tries)
            [[ $# -ge 2 && "$2" =~ $number ]] || die "$1 needs a positive number"
            case "$1" in
            --timeout) TIMEOUT=$2 ;;
            --boot-timeout) BOOT_TIMEOUT=$2 ;;
            --total-timeout) TOTAL_TIMEOUT=$2 ;;
            --tries) TRIES=$2 ;;
            esac
            shift 2
            ;;
        --add)
            [[ $# -ge 2 ]] || die "--add needs HOST_PATH[=GUEST_PATH]"
            ADDS+=("$2")
            shift 2
            ;;
        --collect)
            [[ $# -ge 2 && "$2" == /*=?* ]] || die "--collect needs GUEST_DIR=HOST_DIR (GUEST_DIR absolute)"
            COLLECT_GUEST=${2%%=*}
            COLLECT_HOST=$(realpath -m "${2#*=}")
            shift 2
            ;;
        --log-dir)
            [[ $# -ge 2 ]] || die "--log-dir needs a directory"
            LOG_DIR=$2
            shift 2
            ;;
        --)
            shift
            COMMAND="$*"
            return
            ;;
        -h | --help) usage ;;
        *) die "unknown argument '$1' (the guest command comes after --)" ;;
        esac
    done
    usage
}

# ---- initramfs --------------------------------------------------------------------------------
# is_dynamic_elf FILE: an ELF with a program interpreter.
is_dynamic_elf() {
    [[ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" == '177ELF' ]] &&
        LC_ALL=C readelf -l "$1" 2>/dev/null | grep -q 'Requesting program interpreter'
}

# copy_file HOST GUEST: the file's content (symbolic links followed) at GUEST in the root.
copy_file() {
    local host=$1 guest=$2
    mkdir -p "$ROOT$(dirname "$guest")"
    rm -rf "$ROOT$guest"
    cp -L --preserve=mode "$host" "$ROOT$guest"
}

# add_libraries ELF: the loader and libraries ldd names, each at the path ldd prints.
add_libraries() {
    local lib
    while IFS= read -r lib; do
        [[ -e "$ROOT$lib" ]] || copy_file "$lib" "$lib"
    done < <(ldd "$1" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
}

add_path() {
    local spec=$1 host guest
    if [[ "$spec" == *=* ]]; then
        host=${spec%%=*}
        guest=${spec#*=}
    else
        host=$spec
        guest=$(realpath -s "$spec")
    fi
    [[ "$guest" == /* ]] || guest="/$guest"
    [[ -e "$host" ]] || die "--add $spec: $host does not exist"
    if [[ -d "$host" ]]; then
        mkdir -p "$ROOT$guest"
        cp -a "$host/." "$ROOT$guest/"
        local file
        while IFS= read -r -d '' file; do
            if is_dynamic_elf "$file"; then add_libraries "$file"; fi
        done < <(find "$ROOT$guest" -type f -print0)
    else
        copy_file "$host" "$guest"
        if is_dynamic_elf "$host"; then add_libraries "$host"; fi
    fi
}

build_initramfs() {
    [[ -x "$BUSYBOX" ]] || die "$BUSYBOX is missing (apt-get install busybox-static)"
    ! is_dynamic_elf "$BUSYBOX" || die "$BUSYBOX is linked dynamically: install busybox-static"
    command -v cpio >/dev/null || die "cpio is missing (apt-get install cpio)"

    mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,root,mnt,etc/llh-vm}
    # The applet links are made by the guest's init (busybox --install -s): one exec there
    # instead of hundreds of ln here, and a file added at an applet's path wins.
    cp "$BUSYBOX" "$ROOT/bin/busybox"
    ln -s busybox "$ROOT/bin/sh"  # for /init's #! line
    cp "$HERE/guest-init.sh" "$ROOT/init"
    chmod 0755 "$ROOT/init"
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$ROOT/etc/passwd"
    printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n' >"$ROOT/etc/group"

    # A dynamic ELF the tests can exec (ELF interpreter cases), with the host's loader and libc.
    copy_file /usr/bin/true /usr/bin/true
    add_libraries /usr/bin/true

    local spec
    for spec in "${ADDS[@]}"; do add_path "$spec"; done

    printf '%s\n' "$COMMAND" >"$ROOT/etc/llh-vm/command"
    printf '%s\n' "$NONCE" >"$ROOT/etc/llh-vm/nonce"
    [[ -z "$COLLECT_GUEST" ]] || printf '%s\n' "$COLLECT_GUEST" >"$ROOT/etc/llh-vm/collect"

    # newc without device nodes (built as any user): the guest's init mounts devtmpfs first.
    (cd "$ROOT" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
        gzip -1 >"$INITRD"
}

# ---- one boot ---------------------------------------------------------------------------------
QEMU_PID=""
STREAM_PID=""
cleanup() {
    [[ -z "$QEMU_PID" ]] || kill "$QEMU_PID" 2>/dev/null || true
    [[ -z "$STREAM_PID" ]] || kill "$STREAM_PID" 2>/dev/null || true
    [[ -z "${ROOT:-}" ]] || rm -rf "$ROOT" "$INITRD"
}

# stream: the serial log as it grows, printing only the command's output (no boot messages, no
# markers, no carriage returns).
stream() {
    tail -n +1 -s 0.2 -f --pid="$QEMU_PID" "$1" 2>/dev/null |
        awk -v begin="LLH-VM-$NONCE-OUTPUT-BEGIN" -v end="LLH-VM-$NONCE-OUTPUT-END" '
            { sub(/\r+$/, "") }
            $0 == begin { on = 1; next }
            $0 == end { exit }
            /^qemu-system-[a-z0-9_]+: terminating on signal/ { next }  # vm-run.sh stopping it
            on && $0 == "" { blank++; next }  # the blank line init adds before the end marker
            on { while (blank > 0) { print ""; blank-- } print; fflush() }'
}

# boot TRY: boots once; sets BOOT_RESULT to "done STATUS" or to why the boot failed.
boot() {
    local try=$1 log="$RUN_DIR/serial-$1.log" limit=$TIMEOUT
    if [[ $TOTAL_TIMEOUT -gt 0 ]]; then
        local left=$((TOTAL_TIMEOUT - SECONDS))
        [[ $left -lt $limit ]] && limit=$left
    fi
    : >"$log"
    # As the environment notes measured: TCG (KVM hangs here), qemu64 (see CPU), one CPU, nokaslr.
    "$QEMU" -accel tcg -cpu "$CPU" -smp 1 -m "${LLH_VM_MEMORY:-2048}" -nographic -no-reboot \
        -kernel "$VMLINUZ" -initrd "$INITRD" \
        -append "console=ttyS0 quiet panic=-1 nokaslr lsm=landlock,bpf${LLH_VM_APPEND:+ $LLH_VM_APPEND}" \
        </dev/null >"$log" 2>&1 &
    QEMU_PID=$!
    stream "$log" &
    STREAM_PID=$!

    local start=$SECONDS reason="" started=false oops
    while kill -0 "$QEMU_PID" 2>/dev/null; do
        sleep 1
        local elapsed=$((SECONDS - start))
        if ! $started && grep -aq "^LLH-VM-$NONCE-OUTPUT-BEGIN" "$log"; then started=true; fi
        if [[ $elapsed -ge $limit ]]; then
            reason="timed out after ${elapsed}s"
            $started && reason="hang: the guest command was still running after ${elapsed}s"
        elif ! $started && oops=$(grep -aE -m1 "$BOOT_OOPS" "$log"); then
            # Before init runs, an oops is this kernel's flakiness under TCG, never a test's doing,
            # and the guest often hangs after it: give up on this boot at once.
            sleep 1
            reason="the guest kernel failed while booting: $(tr -d '\r' <<<"$oops" | sed 's/^.*\(\[ *[0-9.]*\] \)/\1/')"
        elif ! $started && [[ $elapsed -ge $BOOT_TIMEOUT ]]; then
            reason="the guest's init did not start within ${BOOT_TIMEOUT}s"
        fi
        if [[ -n "$reason" ]]; then
            kill "$QEMU_PID" 2>/dev/null || true
            break
        fi
    done
    wait "$QEMU_PID" 2>/dev/null || true
    QEMU_PID=""
    wait "$STREAM_PID" 2>/dev/null || true
    STREAM_PID=""
    BOOT_SECONDS=$((SECONDS - start))

    local done_line
    done_line=$(tr -d '\r' <"$log" | grep -aE "^LLH-VM-$NONCE-DONE [0-9]+$" | tail -n 1) || true
    if [[ -z "$done_line" ]]; then
        if [[ -z "$reason" ]]; then
            if grep -aq 'Kernel panic' "$log"; then
                reason="the guest kernel panicked: $(grep -a -m1 'Kernel panic' "$log" | tr -d '\r')"
            else
                reason="the guest ended without the completion marker"
            fi
        fi
        BOOT_RESULT="$reason"
        return
    fi
    if [[ -n "$COLLECT_GUEST" ]] && ! unpack_collected "$log"; then
        BOOT_RESULT="the collected files arrived damaged"
        return
    fi
    BOOT_RESULT="done ${done_line##* }"
}

# unpack_collected LOG: the base64 between the collect markers, checked, unpacked into HOST_DIR.
unpack_collected() {
    local log=$1 archive="$RUN_DIR/collected.tar.gz" want have
    tr -d '\r' <"$log" | awk -v begin="LLH-VM-$NONCE-COLLECT-BEGIN" -v end="LLH-VM-$NONCE-COLLECT-END" '
        $0 == begin { on = 1; next }
        index($0, end " ") == 1 { exit }
        on && /^[A-Za-z0-9+\/=]+$/ { print }' | base64 -d >"$archive" 2>/dev/null || return 1
    want=$(tr -d '\r' <"$log" | grep -aE "^LLH-VM-$NONCE-COLLECT-END [0-9a-f]{64}$" | tail -n 1) || return 1
    have=$(sha256sum "$archive")
    [[ "${want##* }" == "${have%% *}" ]] || return 1
    mkdir -p "$COLLECT_HOST"
    tar -C "$COLLECT_HOST" -xzf "$archive" --no-same-owner
}

main() {
    parse_args "$@"
    [[ -n "$COMMAND" ]] || die "no guest command after --"
    command -v "$QEMU" >/dev/null || die "$QEMU is missing (apt-get install qemu-system-x86)"

    if [[ -n "${LLH_VM_KERNEL:-}" ]]; then
        VMLINUZ=$LLH_VM_KERNEL
    else
        VMLINUZ=$("$HERE/fetch-kernel.sh") || die "no VM kernel (kernel/vm/fetch-kernel.sh failed)"
    fi
    [[ -f "$VMLINUZ" ]] || die "$VMLINUZ does not exist"

    mkdir -p "$LOG_DIR"
    LOG_DIR=$(realpath "$LOG_DIR")
    # Keep the newest runs' logs only.
    find "$LOG_DIR" -mindepth 1 -maxdepth 1 -type d -name 'run-*' -printf '%T@ %p\n' |
        sort -rn | tail -n +20 | cut -d' ' -f2- | xargs -r rm -rf
    RUN_DIR=$(mktemp -d "$LOG_DIR/run-$(date +%Y%m%d-%H%M%S)-XXXX")
    ROOT="$RUN_DIR/root"
    INITRD="$RUN_DIR/initrd.gz"
    NONCE=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    build_initramfs
    local try failures=()
    for ((try = 1; try <= TRIES; try++)); do
        if [[ $TOTAL_TIMEOUT -gt 0 && $SECONDS -ge $TOTAL_TIMEOUT ]]; then
            failures+=("no time left for boot $try (--total-timeout $TOTAL_TIMEOUT)")
            break
        fi
        boot "$try"
        if [[ "$BOOT_RESULT" == "done "* ]]; then
            note "boot $try completed in ${BOOT_SECONDS}s (serial log $RUN_DIR/serial-$try.log)"
            return "${BOOT_RESULT#done }"
        fi
        if [[ "$BOOT_RESULT" == hang:* ]]; then
            note "${BOOT_RESULT#hang: } (serial log $RUN_DIR/serial-$try.log): not retried"
            return "$HANG_STATUS"
        fi
        failures+=("boot $try (${BOOT_SECONDS}s): $BOOT_RESULT")
        note "boot $try of $TRIES failed, an infrastructure failure (not a test result): $BOOT_RESULT"
        local log="$RUN_DIR/serial-$try.log"
        if grep -aqE "$BOOT_OOPS" "$log"; then
            note "  from $log:"
            tr -d '\r' <"$log" | grep -aE -m1 -A8 "$BOOT_OOPS" | sed 's/^/vm-run:     /' >&2
        else
            note "  last lines of $log:"
            tail -n 8 "$log" | tr -d '\r' | sed 's/^/vm-run:     /' >&2
        fi
    done
    note "INFRASTRUCTURE FAILURE: the guest never completed (${#failures[@]} boots):"
    printf 'vm-run:   %s\n' "${failures[@]}" >&2
    note "serial logs in $RUN_DIR"
    return "$INFRA_STATUS"
}

main "$@"
