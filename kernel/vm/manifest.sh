# Reading kernel/vm/guest-tests.list and guest-bench.list lines, for run-suite.sh and
# bench/vm-bench.sh (sourced; they set REPO and BUILD_DIR).
# shellcheck shell=bash

# manifest_host_path PATH: the host file a manifest line names: `src:PATH` in the source tree, an
# absolute path on the host (/usr/sbin/runc), anything else in the build directory.
manifest_host_path() {
    case "$1" in
        src:*) printf '%s\n' "$REPO/${1#src:}" ;;
        /*) printf '%s\n' "$1" ;;
        *) printf '%s\n' "$BUILD_DIR/$1" ;;
    esac
}

# manifest_file WHERE PATH GUEST_PATH: the HOST=GUEST argument of vm-run.sh --add for a `file`
# line (not a program: a runtime, a hook, a script the programs use); fails with a message naming
# WHERE (FILE:LINE) when the guest path is relative or the host file is missing.
manifest_file() {
    local where=$1 path=$2 guest=$3 host
    if [[ "$guest" != /* ]]; then
        printf '%s: a file'"'"'s GUEST_NAME must be an absolute guest path\n' "$where" >&2
        return 1
    fi
    host=$(manifest_host_path "$path")
    if [[ ! -e "$host" ]]; then
        printf '%s: %s does not exist (not built?)\n' "$where" "$host" >&2
        return 1
    fi
    printf '%s=%s\n' "$host" "$guest"
}
