#!/bin/sh
# Runs in the VM guest (busybox sh), started by kernel/vm/run-suite.sh through vm-run.sh: every
# test program of the manifest, one after the other, within a time budget.
#   /llh/guest-suite.sh BUDGET_SECONDS
# Reads /llh/entries (one "GUEST_NAME KIND [ARGS...]" a line; the program is /llh/bin/GUEST_NAME)
# and writes into /llh/results, which run-suite.sh collects:
#   NAME.json   gtest's JSON report (KIND gtest)      NAME.log   the program's output (gtest)
#   NAME.tap    the program's output (KIND tap)       NAME.status  its exit status, or "timeout"
# A program still running when the budget is spent is killed (status "timeout"); one not started
# for lack of time gets "not-run". The budget is guest uptime, which tracks the host's clock.

budget=${1:-480}
results=/llh/results
mkdir -p "$results"
export LLH_IN_VM=1

uptime_s() { cut -d. -f1 /proc/uptime; }

while read -r name kind args; do
    case "$name" in '' | '#'*) continue ;; esac
    left=$((budget - $(uptime_s)))
    if [ "$left" -le 5 ]; then
        echo "not-run" >"$results/$name.status"
        echo "vm-suite: $name: not run, the time budget is spent"
        continue
    fi
    start=$(uptime_s)
    echo "vm-suite: $name ($kind) starts, ${left}s left"
    cd /tmp || exit 1
    # shellcheck disable=SC2086 # ARGS are blank-separated words by the manifest's definition
    case "$kind" in
    gtest)
        timeout -s KILL "$left" "/llh/bin/$name" $args "--gtest_output=json:$results/$name.json" \
            >"$results/$name.log" 2>&1 </dev/null
        ;;
    *)
        timeout -s KILL "$left" "/llh/bin/$name" $args >"$results/$name.tap" 2>&1 </dev/null
        ;;
    esac
    status=$?
    took=$(($(uptime_s) - start))
    if [ "$took" -ge "$left" ]; then status=timeout; fi
    echo "$status" >"$results/$name.status"
    echo "vm-suite: $name: exit status $status (${took}s)"
done </llh/entries
