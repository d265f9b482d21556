#!/usr/bin/env bash
# The README's two set-up commands, for a fresh Debian 12 machine, as root:
#   scripts/bootstrap.sh demo   install what is missing, build, show a command sandboxed by a policy
#   scripts/bootstrap.sh test   install what is missing, build, run every test (scripts/run-tests.sh)
# Idempotent: apt is skipped entirely when every package is present, and meson/ninja only redo
# what changed, so a second run goes straight to the demo or the tests.
# Environment: BUILD_DIR (default ./build).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=$(realpath -m "${BUILD_DIR:-$REPO/build}")

# What the build needs (compilers, the Debian -dev packages of every dependency; clang and its
# runtime libraries for the libFuzzer targets).
BUILD_PACKAGES=(
    meson ninja-build pkg-config g++ clang llvm libclang-rt-14-dev
    nlohmann-json3-dev libtomlplusplus-dev libspdlog-dev libcli11-dev libexpected-dev
    libbpf-dev libsystemd-dev libelf-dev zlib1g-dev libzstd-dev bpftool
    libgtest-dev libgmock-dev jq file
)
# What the tests drive for real: bats, container runtimes, podman, systemd (run in private
# namespaces by the integration tests), busybox for test root file systems, python3 for the
# bats helpers' syscall probe, shellcheck for the lint step; qemu, cpio and Debian's archive key
# for the VM guest of the BPF LSM tests (kernel/vm/); uidmap (newuidmap) for rootless podman.
TEST_PACKAGES=(
    bats bats-support bats-assert busybox-static runc crun podman systemd python3 shellcheck uidmap
    qemu-system-x86 cpio debian-archive-keyring
)
# The daemons whose example policies (contrib/systemd/examples/) the tests start in a private
# systemd: installed without ever being started on this machine.
DAEMON_PACKAGES=(nginx-light redis-server postgresql rsync)

# Headings in bold on a terminal, plain in logs (CI).
if [[ -t 1 ]]; then
    say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
    say() { printf '\n== %s\n' "$*"; }
fi
die() {
    printf 'bootstrap: %s\n' "$*" >&2
    exit 1
}

usage() {
    cat >&2 <<'EOF'
usage: scripts/bootstrap.sh demo|test
  demo   install what is missing, build, and show a command sandboxed by a Landlock policy
  test   install what is missing, build, and run every test suite
EOF
    exit 2
}

# install_missing [--no-service-start] PACKAGE...: apt-get only for packages dpkg does not list as
# installed. --no-service-start: invoke-rc.d is told (policy-rc.d, exit 101) not to start any
# service meanwhile, unless the machine has a policy-rc.d of its own.
install_missing() {
    local missing=() package quiet_services=0
    if [[ ${1:-} == --no-service-start ]]; then
        quiet_services=1
        shift
    fi
    for package in "$@"; do
        if [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null)" != "ii " ]]; then
            missing+=("$package")
        fi
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        echo "all ${#} packages are installed"
        return
    fi
    [[ $(id -u) -eq 0 ]] || die "missing packages (${missing[*]}): run this as root to install them"
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # One retry: a fresh CI machine may race a mirror update.
    apt-get update -q </dev/null || { sleep 5 && apt-get update -q </dev/null; }
    local policy=/usr/sbin/policy-rc.d
    if [[ $quiet_services == 1 && ! -e $policy ]]; then
        printf '#!/bin/sh\n# bootstrap.sh: no service starts while test daemons are installed\nexit 101\n' >"$policy"
        chmod 0755 "$policy"
        apt-get install -y -q "${missing[@]}" </dev/null || { rm -f "$policy" && return 1; }
        rm -f "$policy"
        return
    fi
    apt-get install -y -q "${missing[@]}" </dev/null
}

build() {
    if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
        say "configuring $BUILD_DIR"
        meson setup "$BUILD_DIR" "$REPO"
    fi
    # ninja re-runs meson by itself when a meson.build changed.
    say "building in $BUILD_DIR ($(nproc) cores)"
    ninja -C "$BUILD_DIR"
}

# ctl ARGS...: prints "$ landlockctl ARGS" (quoted as a shell would need) and runs it, with stderr
# merged so that messages appear where they happen; the output goes to $CTL_OUTPUT as well.
CTL_OUTPUT=""
ctl() {
    local arg line='$ landlockctl'
    for arg in "$@"; do
        # Single quotes where a shell needs them, readable rather than backslash-escaped.
        if [[ "$arg" =~ ^[A-Za-z0-9_./:=+-]+$ ]]; then line+=" $arg"; else line+=" '${arg//\'/\'\\\'\'}'"; fi
    done
    printf '\n%s\n' "$line"
    local status=0
    CTL_OUTPUT=$("$BUILD_DIR/launch/landlockctl" "$@" 2>&1) || status=$?
    printf '%s\n' "$CTL_OUTPUT"
    return "$status"
}

demo() {
    local ctl="$BUILD_DIR/launch/landlockctl"
    [[ -x "$ctl" ]] || die "$ctl was not built"
    local rules='rx:/usr:/bin:/lib:/lib64 ro:/etc'
    local work secret
    work=$(mktemp -d /tmp/landlock-demo.XXXXXX)
    # shellcheck disable=SC2064 # expand $work now: it is local
    trap "rm -rf '$work'" EXIT
    secret="$work/secret.txt"
    echo "a secret outside the policy" >"$secret"

    say "landlock-hooks demo: a command sandboxed by a Landlock policy"
    cat <<EOF
The policy is a rule string:  $rules
  rx: read and execute beneath /usr /bin /lib /lib64 (the shell and cat)
  ro: read beneath /etc
Every other file-system access is denied by the kernel (Landlock), also to the command's children.
The command reads /etc/os-release (allowed) and then $secret (denied).
EOF

    say "1. what this kernel offers"
    ctl features || true

    say "2. what the policy means on this kernel"
    ctl explain --rules "$rules" || die "landlockctl explain failed"

    say "3. run the command in the sandbox: one allowed read, one denied read"
    local status=0
    ctl run --rules "$rules" -- sh -c "head -n 1 /etc/os-release; cat $secret" || status=$?
    # The demo proves something only if both happened: check, and fail loudly otherwise.
    grep -q '^PRETTY_NAME=' <<<"$CTL_OUTPUT" || die "the allowed read did not happen"
    grep -q 'Permission denied' <<<"$CTL_OUTPUT" || die "the read of $secret was not denied"
    ! grep -q 'a secret outside the policy' <<<"$CTL_OUTPUT" || die "the sandbox let the secret through"
    echo "-> allowed: the first line of /etc/os-release was read."
    echo "-> denied: Landlock refused the open of $secret with EACCES (\"Permission denied\"),"
    echo "   so cat failed and the command exited $status."

    say "4. fail closed: a policy that cannot be enforced as asked starts nothing"
    status=0
    ctl run --rules 'rx:/usr ro:/nonexistent compat:hard' -- echo started || status=$?
    if [[ $status -eq 0 ]] || grep -qx started <<<"$CTL_OUTPUT"; then
        die "the refused policy started the command"
    fi
    echo "-> refused with exit status $status: the error names the rule, says why, and gives a hint."

    say "done"
    echo "Try it yourself: $ctl run --rules '$rules rw:/tmp' -- sh"
}

# One function, called on the last line: bash reads all of it before running, so a checkout
# updated during a run cannot change what runs.
main() {
    [[ $# -eq 1 ]] || usage
    case "$1" in
    demo)
        say "installing what is missing"
        install_missing "${BUILD_PACKAGES[@]}"
        build
        demo
        ;;
    test)
        say "installing what is missing"
        install_missing "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
        install_missing --no-service-start "${DAEMON_PACKAGES[@]}"
        # The VM tests' kernel (bookworm-backports, cached after the first download). Without it
        # the vm suite fails and says why; the other suites still run.
        say "fetching the VM test kernel"
        "$REPO/kernel/vm/fetch-kernel.sh" || echo "bootstrap: no VM kernel; the vm suite will fail"
        # A broken build does not stop here: run-tests.sh counts it as a failure and still runs
        # what was built, so the summary line always comes.
        build || echo "bootstrap: the build failed; the tests run on what was built"
        say "running every test suite"
        exec "$REPO/scripts/run-tests.sh" "$BUILD_DIR"
        ;;
    *) usage ;;
    esac
}

main "$@"
