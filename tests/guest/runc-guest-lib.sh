# Shared by the runc tests and the container benchmark of the VM guest (busybox sh, no jq): real
# runc bundles made from `runc spec` with small edits, a busybox rootfs, the hooks of cgroup mode.
# Sourced; the files come from kernel/vm/guest-tests.list or guest-bench.list `file` lines:
#   /usr/sbin/runc (Debian's, with its libraries), /usr/local/bin/landlock-{oci-hook,runtime,
#   launch} (static, side by side: landlock-runtime finds its siblings), /usr/sbin/landlockctl.
# shellcheck shell=sh

RG_BIN=/usr/local/bin
RG_HOOK=$RG_BIN/landlock-oci-hook
RG_RUNTIME=$RG_BIN/landlock-runtime
RG_LAUNCH=$RG_BIN/landlock-launch
RG_CTL=/usr/sbin/landlockctl
RG_RECORDS=/run/landlock-hooks/containers
# The guest's root is the initramfs (rootfs), which pivot_root(2) refuses with EINVAL: runc's
# documented way for a rootfs on a ramdisk is --no-pivot (MS_MOVE + chroot). Every create and run
# passes it; landlock-runtime hands it to runc untouched.
# shellcheck disable=SC2034 # used by the scripts that source this file
RG_NO_PIVOT=--no-pivot
export LANDLOCK_RUNTIME=/usr/sbin/runc

# rg_missing: prints what this guest lacks for real runc containers, nothing when all is there.
rg_missing() {
    for rg_file in /usr/sbin/runc "$RG_HOOK" "$RG_RUNTIME" "$RG_LAUNCH" "$RG_CTL"; do
        [ -x "$rg_file" ] || echo "$rg_file is not in the guest (kernel/vm/guest-tests.list file lines)"
    done
    grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts || echo "cgroup2 is not mounted on /sys/fs/cgroup"
}

# rg_make_rootfs DIR: busybox and its applet links, a /data/file to allow, a /secret/file to deny.
rg_make_rootfs() {
    mkdir -p "$1/bin" "$1/etc" "$1/tmp" "$1/data" "$1/secret" "$1/proc" "$1/sys" "$1/dev"
    cp /bin/busybox "$1/bin/busybox"
    # --install -s links the busybox that runs by its absolute path: run it from inside the root.
    chroot "$1" /bin/busybox --install -s /bin
    echo 'root:x:0:0:root:/root:/bin/sh' >"$1/etc/passwd"
    echo 'hello from data' >"$1/data/file"
    echo 'top secret' >"$1/secret/file"
    chmod 1777 "$1/tmp"
}

# rg_json_string TEXT: TEXT as a JSON string, quotes included (no control characters expected).
rg_json_string() {
    printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"
}

# rg_json_args WORD...: the words as a JSON array.
rg_json_args() {
    rg_out=""
    for rg_word in "$@"; do rg_out="$rg_out${rg_out:+, }$(rg_json_string "$rg_word")"; done
    printf '[%s]' "$rg_out"
}

# rg_hooks_json: createRuntime and poststop hooks of landlock-oci-hook, as a runc user writes
# them into config.json (hooks get no environment from runc: PATH is set here).
rg_hooks_json() {
    rg_env='["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]'
    printf '{"createRuntime": [{"path": "%s", "args": ["landlock-oci-hook", "createRuntime"], "env": %s}], ' \
        "$RG_HOOK" "$rg_env"
    printf '"poststop": [{"path": "%s", "args": ["landlock-oci-hook", "poststop"], "env": %s}]}' "$RG_HOOK" "$rg_env"
}

# The pristine `runc spec` output, made once per guest run.
RG_SPEC=/tmp/runc-guest-spec.json

# rg_make_bundle BUNDLE ROOTFS RULES HOOKS ARGS...: a bundle whose config.json is `runc spec` made
# non-interactive and writable, with ROOTFS (absolute; bundles may share one), the annotation
# io.landlock.rules=RULES ("" = none), the hooks of rg_hooks_json when HOOKS is "hooks" ("" =
# none), and the process ARGS.
rg_make_bundle() {
    rg_bundle=$1 rg_rootfs=$2 rg_rules=$3 rg_hooks=$4
    shift 4
    mkdir -p "$rg_bundle"
    if [ ! -s "$RG_SPEC" ]; then
        (cd /tmp && rm -f config.json && runc spec && mv config.json "$RG_SPEC") || return 1
    fi
    rg_extra=""
    [ -z "$rg_rules" ] || rg_extra="\"annotations\": {\"io.landlock.rules\": $(rg_json_string "$rg_rules")},"
    [ -z "$rg_hooks" ] || rg_extra="$rg_extra\"hooks\": $(rg_hooks_json),"
    # runc spec prints one key a line, tab-indented: the edits below match its lines exactly.
    # The texts go through the environment: awk -v would undo the JSON escapes.
    RG_EXTRA=$rg_extra RG_ARGS=$(rg_json_args "$@") RG_ROOT=$(rg_json_string "$rg_rootfs") awk '
        NR == 1 { print; if (ENVIRON["RG_EXTRA"] != "") print "\t" ENVIRON["RG_EXTRA"]; next }
        /^\t\t"terminal": true,$/ { sub(/true/, "false") }
        /^\t\t"args": \[$/ { print "\t\t\"args\": " ENVIRON["RG_ARGS"] ","; skip = 1; next }
        skip && /^\t\t\],?$/ { skip = 0; next }
        skip { next }
        /^\t\t"path": "rootfs",$/ { print "\t\t\"path\": " ENVIRON["RG_ROOT"] ","; next }
        /^\t\t"readonly": true$/ { sub(/true/, "false") }
        { print }' "$RG_SPEC" >"$rg_bundle/config.json"
}

# rg_state ID: the container's state as the OCI hooks get it (runc state prints id, pid, bundle).
rg_state() { runc state "$1"; }

# rg_cgroup_of PID: the cgroup v2 directory of a process.
rg_cgroup_of() { echo "/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$1/cgroup")"; }

# rg_cgroup_id DIR: the cgroup's id, which is its directory's inode number.
rg_cgroup_id() { stat -c %i "$1"; }

# rg_record_field ID FIELD...: the first of these top-level scalars the container's record has
# (no jq in the guest: records are nlohmann's dump, one "key": value pair a line).
rg_record_field() {
    rg_record="$RG_RECORDS/$1.json"
    shift
    for rg_field in "$@"; do
        # A string ("...") or a number, each with or without the comma that ends all but the last.
        sed -n -e "s/^  \"$rg_field\": \"\(.*\)\",\{0,1\}\$/\1/p" \
            -e "s/^  \"$rg_field\": \([0-9][0-9]*\),\{0,1\}\$/\1/p" "$rg_record" 2>/dev/null | grep . && return
    done
    return 1
}

# rg_status_rules CGROUP_ID: the fsRules of that cgroup's attachment in `landlockctl status
# --json`, or "none" when it has none.
rg_status_rules() {
    "$RG_CTL" status --json | tr -d ' \n' | awk -v id="$1" '
        { n = split($0, entries, "\"cgroupId\":") }
        END {
            for (i = 2; i <= n; i++)
                if (index(entries[i], id ",") == 1 && match(entries[i], /"fsRules":[0-9]+/)) {
                    print substr(entries[i], RSTART + 10, RLENGTH - 10)
                    exit
                }
            print "none"
        }'
}

# rg_status_count: how many cgroups have a policy.
rg_status_count() { "$RG_CTL" status --json | grep -c '"cgroupId"'; }
