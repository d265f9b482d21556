#!/usr/bin/env bash
# Lint checks, one "ok NAME" / "not ok NAME" line per file checked (run-tests.sh counts them).
#   scripts/lint.sh shell           shellcheck on the shell scripts (run by scripts/run-tests.sh)
#   scripts/lint.sh format          clang-format --dry-run --Werror on the C and C++ sources
#   scripts/lint.sh tidy [BUILD]    clang-tidy with BUILD's compile_commands.json (default ./build)
# Exits non-zero when any file fails.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"

FAILED=0
check() {  # check NAME COMMAND...: runs COMMAND quietly, prints its output only on failure
    local name=$1 output
    shift
    if output=$("$@" 2>&1); then
        echo "ok $name"
    else
        echo "not ok $name"
        awk 'NR <= 40 { print "# " $0 }' <<<"$output"
        FAILED=1
    fi
}

# The project's C and C++ sources, tracked or new (never build dirs).
cxx_sources() {
    git ls-files --cached --others --exclude-standard -- '*.c' '*.h' '*.cpp' '*.hpp' | sort
}

case "${1:-}" in
shell)
    # Stand-alone scripts only: the .bats files and the helpers they load are not plain bash
    # (bats defines $output, $status, skip, ...), so shellcheck cannot judge them on their own.
    # -x follows `source` lines, relative to each script's folder.
    # -S warning: warnings and errors fail; info and style notes are advice, not a gate.
    for file in scripts/*.sh .ci/run bench/*.sh kernel/vm/*.sh kernel/tests/*.sh systemd/tests/*.sh tests/guest/*.sh; do
        [[ -f "$file" ]] || continue
        check "shellcheck $file" shellcheck -S warning -x -P SCRIPTDIR "$file"
    done
    ;;
format)
    while IFS= read -r file; do
        check "clang-format $file" clang-format --dry-run --Werror "$file"
    done < <(cxx_sources)
    ;;
tidy)
    build=${2:-build}
    [[ -f "$build/compile_commands.json" ]] || { echo "lint.sh: no $build/compile_commands.json" >&2; exit 2; }
    while IFS= read -r file; do
        [[ "$file" == *.cpp ]] || continue
        # Files the build does not compile (fuzz targets in a non-fuzz build) have no flags.
        grep -q "\"file\": \"$(realpath "$file")\"" "$build/compile_commands.json" ||
            grep -q "\"file\": \"../$file\"" "$build/compile_commands.json" || continue
        check "clang-tidy $file" clang-tidy --quiet -p "$build" "$file"
    done < <(cxx_sources)
    ;;
*)
    echo "usage: scripts/lint.sh shell|format|tidy [BUILD_DIR]" >&2
    exit 2
    ;;
esac
exit "$FAILED"
