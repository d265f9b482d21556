# Shared helpers for the bats suites: where the binaries are, and skips that fail in CI.
# shellcheck shell=bash

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

LLH_REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# A test runner sets these; by hand, the default build dir is used.
LANDLOCKCTL=${LANDLOCKCTL:-$LLH_REPO_ROOT/build/launch/landlockctl}
LANDLOCK_LAUNCH=${LANDLOCK_LAUNCH:-$LLH_REPO_ROOT/build/launch/landlock-launch}
export LANDLOCKCTL LANDLOCK_LAUNCH

# require_or_fail REASON [COMMAND ARGS...]
# Returns 0 when COMMAND succeeds. Otherwise (or without a COMMAND) the test is skipped with
# REASON on a developer's machine, and fails in CI (CI=true): a skip there would hide exactly
# what the test is for.
require_or_fail() {
    local reason=$1
    shift
    if [[ $# -gt 0 ]] && "$@" >/dev/null 2>&1; then
        return 0
    fi
    if [[ "${CI:-}" == "true" ]]; then
        fail "required in CI but missing: $reason"
    fi
    skip "$reason"
}

require_landlockctl() {
    require_or_fail "landlockctl is not built at $LANDLOCKCTL (set LANDLOCKCTL)" test -x "$LANDLOCKCTL"
}

require_landlock_launch() {
    require_or_fail "landlock-launch is not built at $LANDLOCK_LAUNCH (set LANDLOCK_LAUNCH)" test -x "$LANDLOCK_LAUNCH"
}

# The running kernel's Landlock ABI, asked without our code (0 when Landlock is off).
kernel_landlock_abi() {
    python3 -c '
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
abi = libc.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1))  # LANDLOCK_CREATE_RULESET_VERSION
print(abi if abi > 0 else 0)'
}

require_landlock() {
    require_or_fail "Landlock is not enabled on this kernel" test "$(kernel_landlock_abi)" -gt 0
}

# Every line of $output that reports an error (Diagnostic::format: "WHERE: error: WHY").
error_lines() {
    # shellcheck disable=SC2154 # $output is set by bats' run
    grep -E ': error: ' <<<"$output" || true
}

# Asserts that exactly one line of $output is an error, and that it is EXPECTED (exact text).
assert_one_error() {
    local expected=$1
    local lines
    lines=$(error_lines)
    if [[ -z "$lines" ]] || [[ $(wc -l <<<"$lines") -ne 1 ]]; then
        fail "expected exactly one error line, got: $output"
    fi
    assert_equal "$lines" "$expected"
}

# Like assert_one_error, with an extended regular expression.
assert_one_error_matching() {
    local pattern=$1
    local lines
    lines=$(error_lines)
    if [[ -z "$lines" ]] || [[ $(wc -l <<<"$lines") -ne 1 ]]; then
        fail "expected exactly one error line, got: $output"
    fi
    [[ "$lines" =~ $pattern ]] || fail "the error line \"$lines\" does not match /$pattern/"
}
