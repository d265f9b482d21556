#!/usr/bin/env bats
# landlockctl against the real kernel: check, explain, run, features.

load helpers

# run --separate-stderr and run's exit-status checks.
bats_require_minimum_version 1.5.0

setup() {
    require_landlockctl
    DIR=$BATS_TEST_TMPDIR
}

write_valid_json() {
    cat >"$DIR/web.json" <<'JSON'
{
  "ruleset": [{"handledAccessFs": ["execute", "read_file", "read_dir", "write_file"]}],
  "pathBeneath": [
    {"allowedAccess": ["execute", "read_file", "read_dir"], "parent": ["/usr", "/etc"]}
  ]
}
JSON
}

# --- check: valid input ---------------------------------------------------------------------

@test "check: a valid JSON policy is OK" {
    write_valid_json
    run "$LANDLOCKCTL" check "$DIR/web.json"
    assert_success
    assert_output "OK: $DIR/web.json"
}

@test "check: a valid TOML policy is OK, through --policy" {
    cat >"$DIR/web.toml" <<'TOML'
[[ruleset]]
handled_access_fs = ["execute", "read_file", "read_dir"]

[[path_beneath]]
allowed_access = ["read_file", "read_dir"]
parent = ["/usr"]
TOML
    run "$LANDLOCKCTL" check --policy "$DIR/web.toml"
    assert_success
    assert_output "OK: $DIR/web.toml"
}

@test "check: a valid rule string is OK" {
    run "$LANDLOCKCTL" check --rules "rx:/usr:/bin ro:/etc rw:/tmp bind:8080 connect:443 scope:signal"
    assert_success
    assert_output "OK: --rules"
}

@test "check: a missing path under best-effort is a warning, not an error" {
    run "$LANDLOCKCTL" check --rules "ro:/usr ro:/nonexistent"
    assert_success
    assert_line '--rules: item 2 "ro:/nonexistent": warning: "/nonexistent" does not exist: the rule is skipped (hint: create it or fix the path; compat:hard refuses to start instead)'
    assert_line "OK: --rules (1 warning)"
}

@test "check: several files and a rule string are checked together" {
    write_valid_json
    run "$LANDLOCKCTL" check "$DIR/web.json" --rules "ro:/etc"
    assert_success
    assert_output "OK: $DIR/web.json, --rules"
}

# --- check: every bad input of the issue gets one error line naming where and why -------------

@test "check: malformed JSON" {
    printf '{"ruleset": [{"handledAccessFs": ["read_file"]}\n' >"$DIR/bad.json"
    run "$LANDLOCKCTL" check "$DIR/bad.json"
    assert_failure 1
    assert_one_error "$DIR/bad.json:2:1: error: malformed JSON: syntax error while parsing array - unexpected end of input; expected ']' (hint: check the brackets, commas and quotes around this point)"
    assert_line --index -1 "1 error, 0 warnings"
}

@test "check: malformed TOML" {
    printf '[[ruleset]]\nhandled_access_fs = ["read_file"\n' >"$DIR/bad.toml"
    run "$LANDLOCKCTL" check "$DIR/bad.toml"
    assert_failure 1
    assert_one_error "$DIR/bad.toml:2:34: error: malformed TOML: Error while parsing array: encountered end-of-file (hint: check the quotes, brackets and \"key = value\" syntax around this point)"
    assert_line --index -1 "1 error, 0 warnings"
}

@test "check: a 100 MB file is refused before it is read" {
    truncate -s 100M "$DIR/huge.json"
    run "$LANDLOCKCTL" check "$DIR/huge.json"
    assert_failure 1
    assert_one_error "--policy: error: \"$DIR/huge.json\" is 104857600 bytes, larger than the limit of 4194304 bytes (hint: a policy file of this size is not a policy: check the path)"
    assert_line --index -1 "1 error, 0 warnings"
}

@test "check: a binary file is refused" {
    printf '{"ruleset": \0\1\2}' >"$DIR/binary.json"
    run "$LANDLOCKCTL" check "$DIR/binary.json"
    assert_failure 1
    assert_one_error "--policy: error: \"$DIR/binary.json\" is a binary file (NUL byte at offset 12) (hint: a policy is a JSON or TOML text file)"
    assert_line --index -1 "1 error, 0 warnings"
}

@test "check: deep nesting is refused" {
    python3 -c 'print("[" * 10000 + "]" * 10000)' >"$DIR/deep.json"
    run "$LANDLOCKCTL" check "$DIR/deep.json"
    assert_failure 1
    assert_one_error "$DIR/deep.json:1:17: error: nesting deeper than 16 levels (hint: a landlockconfig document needs 4 levels)"
    assert_line --index -1 "1 error, 0 warnings"
}

@test "check: /nonexistent under compat:hard is an error naming the rule" {
    run "$LANDLOCKCTL" check --rules "ro:/usr ro:/nonexistent compat:hard"
    assert_failure 1
    assert_one_error '--rules: item 2 "ro:/nonexistent": error: "/nonexistent" does not exist (compat:hard) (hint: create it, fix the path, or use compat:best-effort to skip missing paths)'
    assert_line --index -1 "1 error, 0 warnings"
}

@test "check: port 70000 is out of range" {
    run "$LANDLOCKCTL" check --rules "ro:/usr connect:70000"
    assert_failure 1
    assert_one_error '--rules: item 2 "connect:70000": error: port 70000 is out of range (hint: TCP ports are 1 to 65535)'
    assert_line --index -1 "1 error, 0 warnings"
}

@test "check: a right name from the future is unknown" {
    cat >"$DIR/future.json" <<'JSON'
{"ruleset": [{"handledAccessFs": ["read_file", "teleport_file"]}]}
JSON
    run "$LANDLOCKCTL" check "$DIR/future.json"
    assert_failure 1
    assert_one_error_matching "^$DIR/future.json: /ruleset/0/handledAccessFs/1: error: unknown file-system right \"teleport_file\" \(hint: this version knows rights up to Landlock ABI 9: .*\)$"
    assert_line --index -1 "1 error, 0 warnings"
}

@test "check: a policy that handles nothing is refused" {
    printf '{}\n' >"$DIR/nothing.json"
    run "$LANDLOCKCTL" check "$DIR/nothing.json"
    assert_failure 1
    assert_one_error "$DIR/nothing.json: error: the policy handles no access right, so it would restrict nothing (hint: handle rights in a ruleset entry (handledAccessFs, handledAccessNet, scoped) or allow some in pathBeneath / netPort rules)"
    assert_line --index -1 "1 error, 0 warnings"
}

@test "check: a missing file is named" {
    run "$LANDLOCKCTL" check "$DIR/absent.json"
    assert_failure 1
    assert_one_error "--policy: error: cannot open \"$DIR/absent.json\": No such file or directory (hint: check the file name)"
}

@test "check: every problem is reported, not just the first" {
    run "$LANDLOCKCTL" check --rules "ro:/usr connect:70000 bind:99999 compat:hard ro:/nonexistent"
    assert_failure 1
    [[ $(error_lines | wc -l) -ge 2 ]] || fail "expected every error, got: $output"
    assert_line --index -1 --regexp '^[0-9]+ errors, [0-9]+ warnings$'
}

@test "check: usage errors exit 2" {
    run "$LANDLOCKCTL" check
    assert_failure 2
    assert_output "landlockctl check: no policy: give --policy FILE or --rules STRING"
    run "$LANDLOCKCTL" check --no-such-option x
    assert_failure 2
    run "$LANDLOCKCTL"
    assert_failure 2
}

# --- explain -------------------------------------------------------------------------------------

@test "explain: a rule string on this kernel handles every right it knows, drops nothing" {
    require_landlock
    local abi
    abi=$(kernel_landlock_abi)
    [[ $abi -eq 7 ]] || skip "expectations written for Landlock ABI 7; this kernel has $abi"
    run "$LANDLOCKCTL" explain --rules "rx:/usr ro:/etc rw:/tmp connect:443"
    assert_success
    assert_line --index 0 --regexp '^Kernel: Landlock ABI 7, errata [0-9]+$'
    assert_line "Enforcement: fully enforced on Landlock ABI 7"
    assert_line "Options: mode auto, compat best-effort, log on"
    assert_line "Handled file system: execute, write_file, read_file, read_dir, remove_dir, remove_file, make_char, make_dir, make_reg, make_sock, make_fifo, make_block, make_sym, refer, truncate, ioctl_dev"
    assert_line "Not handled file system (allowed everywhere): resolve_unix (ABI 9)"
    assert_line "Handled network: connect_tcp"
    assert_line "Scopes: none (signals and abstract UNIX sockets unrestricted)"
    assert_line "  /usr  directory: execute, read_file, read_dir"
    assert_line "  443: connect_tcp"
    assert_line "Dropped: nothing"
}

@test "explain: a file keeps file rights only, and the masked rights are shown" {
    require_landlock
    echo data >"$DIR/file"
    run "$LANDLOCKCTL" explain --rules "rw:$DIR/file"
    assert_success
    assert_line --regexp "^  $DIR/file  file: write_file, read_file, truncate(, ioctl_dev)?; masked on a file: read_dir, remove_dir, .*"
}

@test "explain: a missing path is shown as skipped under best-effort" {
    require_landlock
    run "$LANDLOCKCTL" explain --rules "ro:/usr ro:/nonexistent"
    assert_success
    assert_line "  /nonexistent  missing (skipped: missing): read_file, read_dir"
}

@test "explain: ABI 9 rights under best-effort are listed as dropped" {
    require_landlock
    local abi
    abi=$(kernel_landlock_abi)
    [[ $abi -lt 9 ]] || skip "this kernel has Landlock ABI $abi: nothing of ABI 9 is dropped"
    cat >"$DIR/abi9.json" <<'JSON'
{
  "ruleset": [{"handledAccessFs": ["read_file", "read_dir", "resolve_unix"]}],
  "pathBeneath": [{"allowedAccess": ["read_file", "read_dir", "resolve_unix"], "parent": ["/usr"]}]
}
JSON
    local abi
    abi=$(kernel_landlock_abi)
    run --separate-stderr "$LANDLOCKCTL" explain --policy "$DIR/abi9.json"
    assert_success
    assert_line "Enforcement: partially enforced on Landlock ABI $abi: dropped resolve_unix (needs ABI 9)"
    assert_line "Handled file system: read_file, read_dir"
    assert_line "Dropped (not enforced on this kernel):"
    assert_line "  resolve_unix (needs ABI 9)"
    # The drop is a warning on stderr, at the file that asked for it.
    # shellcheck disable=SC2154 # set by bats' run --separate-stderr
    assert_equal "$stderr" "$DIR/abi9.json: warning: resolve_unix (needs ABI 9) is not enforced on this kernel (Landlock ABI $abi) (hint: compat:hard refuses to start instead of dropping it)"

    run --separate-stderr "$LANDLOCKCTL" explain --json --policy "$DIR/abi9.json"
    assert_success
    run jq -r '[.enforcement, (.dropped | map(.needsAbi) | unique | map(tostring) | join(","))] | join(" ")' <<<"$output"
    assert_output "partial 9"
}

@test "explain --json: one stable object" {
    require_landlock
    run "$LANDLOCKCTL" explain --json --rules "ro:/usr bind:8080 scope:signal compat:hard log:off"
    assert_success
    local json=$output
    run jq -r 'keys_unsorted | join(",")' <<<"$json"
    assert_output "kernel,enforcement,summary,options,restrictFlags,handled,notHandledFs,paths,ports,dropped,notes"
    run jq -r '.kernel.landlockAbi' <<<"$json"
    assert_output "$(kernel_landlock_abi)"
    run jq -c '[.options.compat, .options.log, .handled.net, .handled.scoped, .ports[0].port, .paths[0].type]' <<<"$json"
    assert_output '["hard","off",["bind_tcp"],["signal"],8080,"directory"]'
}

@test "explain: compat:hard with a missing path refuses, exit 1" {
    require_landlock
    run "$LANDLOCKCTL" explain --rules "ro:/usr ro:/nonexistent compat:hard"
    assert_failure 1
    assert_line --regexp '^.*: error: "/nonexistent" does not exist \(compat:hard\) .*'
    assert_line "Enforcement: refused: compat:hard does not start (see the errors)"
    assert_line "  /nonexistent  missing (refused: missing): read_file, read_dir"
}

@test "explain: a policy error exits 1 with the diagnostic" {
    run "$LANDLOCKCTL" explain --rules "connect:70000"
    assert_failure 1
    assert_line --index -1 --regexp '^[0-9]+ errors?, [0-9]+ warnings?$'
}

# --- run -----------------------------------------------------------------------------------------

make_tree() {
    mkdir -p "$DIR/allowed" "$DIR/denied"
    echo "allowed content" >"$DIR/allowed/file"
    echo "secret content" >"$DIR/denied/file"
}

SYSTEM_RX="rx:/usr:/bin:/lib:/lib64:/etc"

@test "run: an allowed read works, the report goes to stderr" {
    require_landlock
    make_tree
    run --separate-stderr "$LANDLOCKCTL" run --rules "$SYSTEM_RX ro:$DIR/allowed" -- cat "$DIR/allowed/file"
    assert_success
    assert_output "allowed content"
    # shellcheck disable=SC2154 # set by bats' run --separate-stderr
    [[ "$stderr" == *"landlockctl run: fully enforced"* ]] || fail "no report on stderr: $stderr"
}

@test "run: a denied read fails with Permission denied" {
    require_landlock
    make_tree
    run "$LANDLOCKCTL" run --quiet --rules "$SYSTEM_RX ro:$DIR/allowed" -- cat "$DIR/denied/file"
    assert_failure 1
    assert_output "cat: $DIR/denied/file: Permission denied"
}

@test "run: the sandbox covers children too" {
    require_landlock
    make_tree
    run "$LANDLOCKCTL" run -q --rules "$SYSTEM_RX ro:$DIR/allowed" -- sh -c "cat $DIR/allowed/file; cat $DIR/denied/file"
    assert_failure 1
    assert_output "allowed content
cat: $DIR/denied/file: Permission denied"
}

@test "run: a denied write fails, an allowed one works" {
    require_landlock
    make_tree
    run "$LANDLOCKCTL" run -q --rules "$SYSTEM_RX rw:$DIR/allowed" -- sh -c "echo new >$DIR/allowed/new && cat $DIR/allowed/new && echo x >$DIR/denied/new"
    assert_failure
    assert_line --index 0 "new"
    assert_line --index 1 --regexp "^sh: .*$DIR/denied/new: Permission denied$"
    [[ ! -e "$DIR/denied/new" ]] || fail "the denied write happened"
}

@test "run: a policy error starts nothing, exit 126" {
    make_tree
    run -126 "$LANDLOCKCTL" run --rules "ro:/usr connect:70000" -- touch "$DIR/started"
    assert_failure 126
    assert_line --index -1 "landlockctl run: 1 error in the policy: \"touch\" was not started"
    [[ ! -e "$DIR/started" ]] || fail "the command ran"
}

@test "run: a missing path under compat:hard starts nothing" {
    require_landlock
    make_tree
    run -126 "$LANDLOCKCTL" run --rules "$SYSTEM_RX ro:/nonexistent compat:hard" -- touch "$DIR/started"
    assert_failure 126
    assert_line --index -1 'landlockctl run: --rules: item 2 "ro:/nonexistent": "/nonexistent" does not exist (compat:hard): No such file or directory (hint: create it, fix the path, or use compat:best-effort to skip missing paths): "touch" was not started'
    [[ ! -e "$DIR/started" ]] || fail "the command ran"
}

@test "run: an unknown command exits 127" {
    require_landlock
    run -127 "$LANDLOCKCTL" run -q --rules "$SYSTEM_RX" -- /nonexistent/command
    assert_failure 127
    assert_output 'landlockctl run: cannot execute "/nonexistent/command": No such file or directory'
}

@test "run: no command is a usage error" {
    run "$LANDLOCKCTL" run --rules "ro:/usr"
    assert_failure 2
}

@test "run: landlockctl run and landlock-launch deny the same access the same way" {
    require_landlock
    require_landlock_launch
    make_tree
    run "$LANDLOCKCTL" run -q --rules "$SYSTEM_RX ro:$DIR/allowed" -- cat "$DIR/allowed/file" "$DIR/denied/file"
    local ctl_status=$status ctl_output=$output
    run "$LANDLOCK_LAUNCH" --rules "$SYSTEM_RX ro:$DIR/allowed" -- cat "$DIR/allowed/file" "$DIR/denied/file"
    assert_equal "$status" "$ctl_status"
    assert_line "allowed content"
    assert_line "cat: $DIR/denied/file: Permission denied"
    assert_equal "$(grep -v '^landlock' <<<"$output")" "$ctl_output"
}

# --- features ------------------------------------------------------------------------------------

@test "features: the Landlock ABI is the kernel's" {
    require_landlock
    local abi
    abi=$(kernel_landlock_abi)
    run "$LANDLOCKCTL" features
    assert_success
    assert_line --index 0 --regexp "^Landlock: ABI $abi, errata 0x[0-9a-f]+$"
    assert_line "  yes  ABI 1: file system: execute, read/write files, read directories, remove and make files (13 rights)"
    assert_line --regexp "^  yes  ABI $abi: .*"
    if [[ $abi -lt 9 ]]; then
        assert_line "  no   ABI 9: resolve_unix: connect to named UNIX sockets by path"
    fi
}

@test "features: BPF LSM is not available on this host, with the kernel's reason" {
    run "$LANDLOCKCTL" features --json
    assert_success
    local available
    available=$(jq -r '.bpfLsm.available' <<<"$output")
    if [[ "$available" == "yes" ]]; then
        skip "BPF LSM loads on this kernel: the expectations are for hosts that refuse it"
    fi
    run jq -r '[.bpfLsm.available, .bpfLsm.inLsmList, .bpfLsm.stage, .bpfLsm.errno] | join(" ")' <<<"$output"
    assert_output "no yes load EPERM"
    run "$LANDLOCKCTL" features
    assert_line --regexp '^BPF LSM: not available: the kernel refused to load an lsm/file_open program: EPERM \(Operation not permitted\), verifier log empty \(LSM list: .*bpf.*\)$'
}

@test "features --json: one stable object that agrees with the kernel" {
    require_landlock
    run "$LANDLOCKCTL" features --json
    assert_success
    local json=$output
    run jq -r 'keys_unsorted | join(",")' <<<"$json"
    assert_output "landlock,audit,cgroup,bpfLsm,bpffs,cgroupMode"
    run jq -r '.landlock.abi' <<<"$json"
    assert_output "$(kernel_landlock_abi)"
    run jq -r '[.landlock.abis[] | select(.supported) | .abi] | length' <<<"$json"
    assert_output "$(kernel_landlock_abi)"
    run jq -r '.audit.state' <<<"$json"
    assert_output --regexp '^(enabled|disabled|locked)$'
    # cgroup2 where /proc/self/mountinfo says it is.
    run jq -r '.cgroup.v2Mounts | join(" ")' <<<"$json"
    assert_output "$(awk '$0 ~ / - cgroup2 / {print $5}' /proc/self/mountinfo | paste -sd ' ')"
    run jq -r '.bpffs.mounted' <<<"$json"
    if grep -q ' /sys/fs/bpf .* - bpf ' /proc/self/mountinfo; then
        assert_output "yes"
    else
        assert_output "no"
    fi
}

@test "features: human output has one line per feature" {
    run "$LANDLOCKCTL" features
    assert_success
    assert_line --regexp '^Audit: (enabled|disabled|locked|unknown: .+|not built: .+)'
    assert_line --regexp '^cgroup v2: (unified|hybrid|legacy|none), .*'
    assert_line --regexp '^BPF LSM: (available|not available: .+|unknown: .+)'
    assert_line --regexp '^bpffs: (mounted at /sys/fs/bpf|not mounted at /sys/fs/bpf.*)$'
    assert_line --regexp '^cgroup mode: (loaded \(.+\)|available \(.+\)|not available: .+|unknown: .+)$'
}
