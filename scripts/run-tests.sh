#!/usr/bin/env bash
# Runs every test suite and ends with one line "N passed, N failed, N skipped" summing them all:
#   - the GoogleTest executables meson registers (unit, oci-unit, kernel, ...), counted from their
#     JSON reports, and any other registered test as one test each;
#   - every bats-tests/*.bats file (TAP: ok / not ok / "# skip");
#   - vm: the programs of kernel/vm/guest-tests.list in one boot of a qemu guest with BPF LSM
#     (gtest JSON or TAP, counted as above; a guest that never boots is one failure);
#   - each libFuzzer target of a clang build, run for FUZZ_SECONDS (one test each; a crash fails);
#   - lint: shellcheck on the project's shell scripts (one test per script).
# Exits non-zero when anything failed, and under CI=true also when anything was skipped: CI must
# not hide a missing kernel feature or tool (the suites fail their own skips in CI as well).
#
# Usage: scripts/run-tests.sh [BUILD_DIR]      (default: ./build, set up by scripts/bootstrap.sh)
# Environment: FUZZ_SECONDS (default 45), FUZZ_BUILD_DIR (default BUILD_DIR-fuzz),
#              SUITES (default "gtest bats vm fuzz lint": a subset runs only those).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=$(realpath -m "${1:-$REPO/build}")
FUZZ_BUILD_DIR=$(realpath -m "${FUZZ_BUILD_DIR:-$BUILD_DIR-fuzz}")
FUZZ_SECONDS=${FUZZ_SECONDS:-45}
SUITES=${SUITES:-gtest bats vm fuzz lint}
RESULTS="$BUILD_DIR/test-results"

# The suites read CI themselves (LLH_REQUIRE, require_or_fail): pass it on explicitly.
export CI=${CI:-false}

TOTAL_PASSED=0
TOTAL_FAILED=0
TOTAL_SKIPPED=0
SUITE_LINES=()    # "name: N passed, N failed, N skipped", printed before the total
FAILED_NAMES=()   # every failed test, by suite
SKIPPED_NAMES=()  # every skipped test, by suite (listed; fatal under CI=true)

log() { printf 'run-tests: %s\n' "$*"; }

# indent [N]: stdin indented, at most N lines (default all). awk reads to the end, so the writer
# never dies of SIGPIPE (which pipefail would turn into a failure of this script).
indent() { awk -v n="${1:-0}" 'n == 0 || NR <= n { print "    " $0 }'; }

# record SUITE PASSED FAILED SKIPPED
record() {
    local suite=$1 passed=$2 failed=$3 skipped=$4
    TOTAL_PASSED=$((TOTAL_PASSED + passed))
    TOTAL_FAILED=$((TOTAL_FAILED + failed))
    TOTAL_SKIPPED=$((TOTAL_SKIPPED + skipped))
    SUITE_LINES+=("$(printf '%-28s %s passed, %s failed, %s skipped' "$suite:" "$passed" "$failed" "$skipped")")
    log "$suite: $passed passed, $failed failed, $skipped skipped"
}

wants() { [[ " $SUITES " == *" $1 "* ]]; }

# ---- build ------------------------------------------------------------------------------------
# bootstrap.sh has built already; building again here is a no-op then, and keeps this script
# usable on its own after an edit. A broken build is a failure, but the suites still run on what
# exists so that one broken target does not hide every other result.
build_main() {
    if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
        log "no configured build in $BUILD_DIR: run scripts/bootstrap.sh test (or meson setup $BUILD_DIR)"
        record build 0 1 0
        FAILED_NAMES+=("build: $BUILD_DIR is not configured")
        return
    fi
    mkdir -p "$RESULTS"
    # -k 0: build every target that can be built, so one broken target leaves the others testable.
    if ninja -C "$BUILD_DIR" -k 0 >"$RESULTS/build.log" 2>&1; then
        log "build: up to date"
    else
        log "the build failed; its last lines ($RESULTS/build.log):"
        tail -n 30 "$RESULTS/build.log" | indent
        record build 0 1 0
        FAILED_NAMES+=("build: ninja -C $BUILD_DIR")
    fi
}

# ---- GoogleTest and other meson-registered tests ----------------------------------------------
# Every test meson knows, run directly (not through `meson test`) so that each GoogleTest case
# counts on its own: gtest's JSON report says passed, failed ("failures") or skipped
# ("result": "SKIPPED", or "status": "NOTRUN" for a disabled test).
run_registered_tests() {
    local tests_json count i
    tests_json=$(meson introspect "$BUILD_DIR" --tests)
    count=$(jq length <<<"$tests_json")
    if [[ "$count" -eq 0 ]]; then
        log "meson registers no tests in $BUILD_DIR"
        return
    fi
    for ((i = 0; i < count; i++)); do
        run_one_registered "$(jq -c ".[$i]" <<<"$tests_json")"
    done
}

run_one_registered() {
    local test=$1 name protocol timeout_s workdir exe
    local -a cmd env_args
    name=$(jq -r .name <<<"$test")
    protocol=$(jq -r .protocol <<<"$test")
    timeout_s=$(jq -r '.timeout // 300' <<<"$test")
    workdir=$(jq -r ".workdir // \"$BUILD_DIR\"" <<<"$test")
    mapfile -t cmd < <(jq -r '.cmd[]' <<<"$test")
    mapfile -t env_args < <(jq -r '.env | to_entries[] | "\(.key)=\(.value)"' <<<"$test")
    exe=${cmd[0]}
    local suite
    suite="$(basename "$exe")"
    # One executable registered as several tests (e.g. one per mode): name them apart.
    [[ "$suite" == "$name-tests" || "$suite" == "$name" ]] || suite="$suite $name"
    [[ "$protocol" == gtest ]] || suite="test $name"

    if [[ ! -x "$exe" ]]; then
        log "$suite: $exe was not built"
        record "$suite" 0 1 0
        FAILED_NAMES+=("$suite: not built")
        return
    fi

    local report="$RESULTS/$name.json" output="$RESULTS/$name.log" status=0
    rm -f "$report"
    if [[ "$protocol" == gtest ]]; then
        cmd+=("--gtest_output=json:$report")
    fi
    # Twice meson's timeout: these run without meson's parallelism, on a 2-core machine.
    (cd "$workdir" && env "${env_args[@]}" timeout --kill-after=10 "$((timeout_s * 2))" "${cmd[@]}") \
        >"$output" 2>&1 </dev/null || status=$?

    if [[ "$protocol" != gtest ]]; then
        if [[ $status -eq 0 ]]; then
            record "$suite" 1 0 0
        elif [[ $status -eq 77 ]]; then  # the automake/meson convention for "skipped"
            record "$suite" 0 0 1
            SKIPPED_NAMES+=("$suite")
        else
            record "$suite" 0 1 0
            FAILED_NAMES+=("$suite: exit status $status (log: $output)")
        fi
        return
    fi
    count_gtest_report "$suite" "$report" "$output" "$status"
}

# count_gtest_report SUITE REPORT OUTPUT STATUS: records one GoogleTest run from its JSON report,
# its output (shown when there is no report) and its exit status.
count_gtest_report() {
    local suite=$1 report=$2 output=$3 status=$4
    if [[ ! -s "$report" ]]; then
        log "$suite: no JSON report (exit status $status; a crash or a timeout). Last lines of $output:"
        tail -n 20 "$output" | indent
        record "$suite" 0 1 0
        FAILED_NAMES+=("$suite: crashed or timed out (exit status $status)")
        return
    fi

    # One "STATE<TAB>Suite.Test" line per test case.
    local states passed failed skipped
    states=$(jq -r '.testsuites[].testsuite[]
        | (if ((.failures // []) | length) > 0 then "failed"
           elif .result == "SKIPPED" or .status == "NOTRUN" then "skipped"
           else "passed" end) + "\t" + .classname + "." + .name' "$report")
    passed=$(grep -c '^passed' <<<"$states" || true)
    failed=$(grep -c '^failed' <<<"$states" || true)
    skipped=$(grep -c '^skipped' <<<"$states" || true)
    local line
    while IFS=$'\t' read -r _ line; do
        FAILED_NAMES+=("$suite: $line")
        # The assertion text, shortened: the full report is in the JSON and the log.
        jq -r --arg t "$line" '.testsuites[].testsuite[] | select(.classname + "." + .name == $t)
            | .failures[]?.failure' "$report" | indent 8
    done < <(grep '^failed' <<<"$states" || true)
    while IFS=$'\t' read -r _ line; do
        SKIPPED_NAMES+=("$suite: $line")
    done < <(grep '^skipped' <<<"$states" || true)
    # A non-zero exit with no failed case (a crash in teardown, a leak checker) still fails.
    if [[ $status -ne 0 && $failed -eq 0 ]]; then
        failed=1
        FAILED_NAMES+=("$suite: exit status $status with no failed test (log: $output)")
    fi
    record "$suite" "$passed" "$failed" "$skipped"
}

# ---- bats -------------------------------------------------------------------------------------
run_bats() {
    local files=("$REPO"/bats-tests/*.bats)
    if [[ ! -e "${files[0]}" ]]; then
        log "bats: no bats-tests/*.bats yet"
        return
    fi
    if ! command -v bats >/dev/null; then
        log "bats is not installed (scripts/bootstrap.sh installs it)"
        record bats 0 1 0
        FAILED_NAMES+=("bats: not installed")
        return
    fi
    # What the bats helpers read to find the binaries under test (the container suites read
    # BUILD_DIR, the systemd suites LLH_BUILD_DIR).
    export BUILD_DIR LLH_BUILD_DIR="$BUILD_DIR"
    export LANDLOCKCTL="$BUILD_DIR/launch/landlockctl"
    export LANDLOCK_LAUNCH="$BUILD_DIR/launch/landlock-launch"
    local file
    for file in "${files[@]}"; do
        run_one_bats "$file"
    done
}

run_one_bats() {
    local file=$1 suite output status=0
    suite="bats $(basename "$file" .bats)"
    output="$RESULTS/$(basename "$file" .bats).tap"
    # A hung container start must not eat CI's 90 minutes: 20 minutes per file at most.
    timeout --kill-after=10 1200 bats --tap "$file" >"$output" 2>&1 </dev/null || status=$?
    count_tap "$suite" "$output" "$status"
}

# count_tap SUITE OUTPUT STATUS: records one TAP run (ok / not ok / "# skip" lines, the details of
# a failure on the "# " lines after its "not ok") from its output and exit status.
count_tap() {
    local suite=$1 output=$2 status=$3
    local passed failed skipped
    skipped=$(grep -cE '^ok [0-9]+ .*# skip' "$output" || true)
    passed=$(($(grep -cE '^ok [0-9]+' "$output" || true) - skipped))
    failed=$(grep -cE '^not ok [0-9]+' "$output" || true)
    local line
    while IFS= read -r line; do
        FAILED_NAMES+=("$suite: ${line#not ok }")
    done < <(grep -E '^not ok [0-9]+' "$output" || true)
    while IFS= read -r line; do
        SKIPPED_NAMES+=("$suite: ${line#ok }")
    done < <(grep -E '^ok [0-9]+ .*# skip' "$output" || true)
    if [[ $failed -gt 0 ]]; then
        log "$suite: failures ($output):"
        awk '/^not ok/ { show = 1 } /^ok / { show = 0 } show' "$output" | indent 60
    fi
    if [[ $status -ne 0 && $failed -eq 0 ]]; then
        log "$suite: exit status $status without a failed test; last lines of $output:"
        tail -n 20 "$output" | indent
        failed=1
        FAILED_NAMES+=("$suite: exit status $status (log: $output)")
    fi
    record "$suite" "$passed" "$failed" "$skipped"
}

# ---- VM guest (BPF LSM) -----------------------------------------------------------------------
# BPF LSM programs load only in a qemu guest (bookworm-backports' 6.12 kernel; Landlock ABI 6
# there): kernel/vm/run-suite.sh boots it once for every program of kernel/vm/guest-tests.list and
# collects their reports, counted here like the gtest and bats ones. A guest that never completes
# a boot, after retries, is one failed test: an infrastructure failure, never a pass.
run_vm() {
    local dir="$RESULTS/vm" output="$RESULTS/vm-suite.log" status=0
    "$REPO/kernel/vm/run-suite.sh" "$BUILD_DIR" "$dir" >"$output" 2>&1 </dev/null || status=$?
    if [[ $status -eq 124 ]]; then
        log "vm: the guest never completed a boot; last lines of $output:"
        tail -n 20 "$output" | indent
        record vm 0 1 0
        FAILED_NAMES+=("vm: infrastructure failure, the guest never completed a boot after retries (log: $output)")
        return
    fi
    if [[ ! -f "$dir/entries.tsv" ]]; then
        log "vm: kernel/vm/run-suite.sh exited $status without results; last lines of $output:"
        tail -n 20 "$output" | indent
        record vm 0 1 0
        FAILED_NAMES+=("vm: kernel/vm/run-suite.sh exited $status (log: $output)")
        return
    fi
    local name kind result suite
    while IFS=$'\t' read -r name kind result; do
        suite="vm $name"
        case "$result" in
        missing)
            if [[ "$CI" == "true" ]]; then
                record "$suite" 0 1 0
                FAILED_NAMES+=("$suite: not built")
            else
                record "$suite" 0 0 1
                SKIPPED_NAMES+=("$suite: not built")
            fi
            continue
            ;;
        not-run | no-result)
            record "$suite" 0 1 0
            FAILED_NAMES+=("$suite: $result, the VM suite's time budget was spent (log: $output)")
            continue
            ;;
        timeout)
            log "$suite: killed when the VM suite's time budget was spent"
            result=137
            ;;
        esac
        if [[ "$kind" == gtest ]]; then
            count_gtest_report "$suite" "$dir/$name.json" "$dir/$name.log" "$result"
        else
            count_tap "$suite" "$dir/$name.tap" "$result"
        fi
    done <"$dir/entries.tsv"
}

# ---- libFuzzer --------------------------------------------------------------------------------
# A second build with clang and -Dfuzz=true (libFuzzer needs clang); only the fuzz targets are
# built there. Each target runs FUZZ_SECONDS from the checked-in seeds, in a scratch corpus so
# that the repository is not written to; a crash leaves its input in the results directory.
run_fuzz() {
    if [[ ! -f "$REPO/fuzz/meson.build" ]]; then
        log "fuzz: no fuzz/ targets yet"
        return
    fi
    if ! command -v clang++ >/dev/null; then
        log "fuzz: clang++ is not installed (scripts/bootstrap.sh installs it)"
        record fuzz 0 1 0
        FAILED_NAMES+=("fuzz: clang++ missing")
        return
    fi
    local setup_log="$RESULTS/fuzz-build.log"
    if [[ -f "$FUZZ_BUILD_DIR/build.ninja" ]]; then
        meson configure "$FUZZ_BUILD_DIR" -Dfuzz=true -Dtests=false >"$setup_log" 2>&1 || true
    else
        CXX=clang++ CC=clang meson setup "$FUZZ_BUILD_DIR" "$REPO" -Dfuzz=true -Dtests=false \
            >"$setup_log" 2>&1 || {
            log "fuzz: meson setup failed ($setup_log):"
            tail -n 20 "$setup_log" | indent
            record fuzz 0 1 0
            FAILED_NAMES+=("fuzz: meson setup $FUZZ_BUILD_DIR")
            return
        }
    fi
    local -a targets
    mapfile -t targets < <(meson introspect "$FUZZ_BUILD_DIR" --targets |
        jq -r '.[] | select(.type == "executable" and .defined_in != null
                            and (.defined_in | test("/fuzz/meson.build$"))) | .filename[0]')
    if [[ ${#targets[@]} -eq 0 ]]; then
        log "fuzz: fuzz/meson.build defines no executable"
        record fuzz 0 1 0
        FAILED_NAMES+=("fuzz: no targets")
        return
    fi
    local -a ninja_targets=()
    local target
    for target in "${targets[@]}"; do
        ninja_targets+=("$(realpath --relative-to="$FUZZ_BUILD_DIR" "$target")")
    done
    if ! ninja -C "$FUZZ_BUILD_DIR" "${ninja_targets[@]}" >>"$setup_log" 2>&1; then
        log "fuzz: the fuzz build failed ($setup_log):"
        tail -n 30 "$setup_log" | indent
        record fuzz 0 "${#targets[@]}" 0
        FAILED_NAMES+=("fuzz: build of ${ninja_targets[*]}")
        return
    fi
    local passed=0 failed=0
    for target in "${targets[@]}"; do
        if run_one_fuzzer "$target"; then
            passed=$((passed + 1))
        else
            failed=$((failed + 1))
        fi
    done
    record "fuzz (${FUZZ_SECONDS}s each)" "$passed" "$failed" 0
}

run_one_fuzzer() {
    local exe=$1 name seeds scratch output status=0
    name=$(basename "$exe")
    # fuzz_rule_string reads fuzz/corpus/rule_string (fuzz-x: fuzz/corpus/x too).
    seeds="$REPO/fuzz/corpus/${name#fuzz[_-]}"
    scratch=$(mktemp -d "$RESULTS/corpus-$name.XXXXXX")
    output="$RESULTS/$name.log"
    local -a corpora=("$scratch")
    [[ -d "$seeds" ]] && corpora+=("$seeds")
    # -timeout: one input taking 10 s is a hang, reported as a failure like a crash.
    "$exe" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$RESULTS/$name-" "${corpora[@]}" >"$output" 2>&1 </dev/null || status=$?
    rm -rf "$scratch"
    if [[ $status -ne 0 ]]; then
        log "fuzz $name: exit status $status; the crashing input is saved as $RESULTS/$name-*; log $output:"
        grep -E 'ERROR|SUMMARY|==[0-9]+==|artifact|Test unit written' "$output" | indent 20 || true
        FAILED_NAMES+=("fuzz: $name (exit status $status)")
        return 1
    fi
    log "fuzz $name: $(grep -E '^stat::number_of_executed_units' "$output" | awk '{print $2}') runs, no crash"
    return 0
}

# ---- lint -------------------------------------------------------------------------------------
run_lint() {
    local status=0
    local output="$RESULTS/lint.log"
    "$REPO/scripts/lint.sh" shell >"$output" 2>&1 || status=$?
    local passed failed
    passed=$(grep -c '^ok ' "$output" || true)
    failed=$(grep -c '^not ok ' "$output" || true)
    if [[ $failed -gt 0 || $status -ne 0 ]]; then
        log "lint: ($output)"
        indent 60 <"$output"
        while IFS= read -r line; do FAILED_NAMES+=("lint: ${line#not ok }"); done < <(grep '^not ok ' "$output" || true)
        [[ $failed -gt 0 ]] || { failed=1; FAILED_NAMES+=("lint: scripts/lint.sh exited $status"); }
    fi
    record "lint (shellcheck)" "$passed" "$failed" 0
}

# ---- main -------------------------------------------------------------------------------------
# One function, called on the last line: bash has then read the whole script before running it,
# so editing or updating the checkout during a run cannot change what runs.
main() {
    mkdir -p "$RESULTS"
    log "build $BUILD_DIR, CI=$CI, suites: $SUITES"
    build_main
    if wants gtest && [[ -f "$BUILD_DIR/build.ninja" ]]; then run_registered_tests; fi
    if wants bats; then run_bats; fi
    if wants vm; then run_vm; fi
    if wants fuzz; then run_fuzz; fi
    if wants lint; then run_lint; fi

    echo
    echo "== results (logs and reports in $RESULTS)"
    printf '%s\n' "${SUITE_LINES[@]}"
    if [[ ${#FAILED_NAMES[@]} -gt 0 ]]; then
        echo "failed:"
        printf '  %s\n' "${FAILED_NAMES[@]}"
    fi
    if [[ ${#SKIPPED_NAMES[@]} -gt 0 ]]; then
        if [[ "$CI" == "true" ]]; then
            echo "skipped, which CI does not allow (a skip would hide what the test is for):"
        else
            echo "skipped:"
        fi
        printf '  %s\n' "${SKIPPED_NAMES[@]}"
    fi
    echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed, $TOTAL_SKIPPED skipped"

    if [[ $TOTAL_FAILED -gt 0 ]]; then return 1; fi
    if [[ "$CI" == "true" && $TOTAL_SKIPPED -gt 0 ]]; then return 1; fi
    return 0
}

main "$@"
