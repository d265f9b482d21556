#!/usr/bin/env bash
# Fetches the kernel the VM tests boot: the newest linux-image-6.12.*+deb12-cloud-amd64-unsigned
# of bookworm-backports (BPF LSM and Landlock ABI 6 in one kernel; this host's own kernel refuses
# every BPF LSM program), and prints the path of its vmlinuz on stdout.
#
#   kernel/vm/fetch-kernel.sh            use the cached kernel; download one only if none is cached
#   kernel/vm/fetch-kernel.sh --update   ask the archive for a newer one (falls back to the cache)
#
# The system's apt configuration is never touched: apt runs on a private sources list, lists dir
# and package cache inside the cache directory. The archive's URI is read at run time from the
# system's own apt sources (one-line sources.list or deb822 *.sources): the Debian mirror a machine
# uses is its administrator's choice, so it is never written into the repository.
# Works without network once cached. Several callers at once are safe (one lock).
#
# Cache: ${LLH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/landlock-hooks}/vm-kernel
set -euo pipefail

SUITE=bookworm-backports
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
PACKAGE_RE='^linux-image-6\.12\.[0-9]+\+deb12-cloud-amd64-unsigned$'

CACHE=${LLH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/landlock-hooks}/vm-kernel

die() {
    printf 'fetch-kernel: %s\n' "$*" >&2
    exit 1
}
note() { printf 'fetch-kernel: %s\n' "$*" >&2; }

# The vmlinuz of the current cached kernel, if there is one.
cached_vmlinuz() {
    local file
    for file in "$CACHE"/current/boot/vmlinuz-*; do
        [[ -f "$file" ]] && { realpath "$file"; return 0; }
    done
    return 1
}

# The URI of the Debian archive the system's apt uses for the release's main suite ("bookworm"),
# from /etc/apt/sources.list, /etc/apt/sources.list.d/*.list (one-line) and *.sources (deb822).
system_debian_uri() {
    local file
    {
        for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
            [[ -f "$file" ]] || continue
            # deb [options] URI SUITE COMPONENT...
            awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                               if ($(i + 1) == "bookworm") print $i }' "$file"
        done
        for file in /etc/apt/sources.list.d/*.sources; do
            [[ -f "$file" ]] || continue
            # Stanzas separated by blank lines; a field's value may continue on indented lines.
            awk 'function flush() { if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ / bookworm / &&
                                        enabled != "no" && uris != "") { split(uris, u, " "); print u[1] }
                                    types = suites = uris = enabled = key = "" }
                 /^[ \t]*#/ { next }
                 /^[ \t]*$/ { flush(); next }
                 /^[^ \t]/ { key = tolower($0); sub(/:.*/, "", key); value = $0; sub(/^[^:]*:[ \t]*/, "", value) }
                 /^[ \t]/ { value = $0 }
                 { if (key == "types") types = types " " value
                   else if (key == "suites") suites = suites " " value
                   else if (key == "uris") uris = uris " " value
                   else if (key == "enabled") enabled = tolower(value)
                   gsub(/^ +| +$/, "", types); gsub(/^ +| +$/, "", suites) }
                 END { flush() }' "$file"
        done
    } | awk 'NF && !seen[$0]++' | head -n 1
}

# download: the newest matching package into the cache, extracted to $CACHE/current.
download() {
    local uri
    uri=$(system_debian_uri)
    [[ -n "$uri" ]] || die "no Debian 'bookworm' archive in the system's apt sources (/etc/apt/sources.list, /etc/apt/sources.list.d/): cannot locate $SUITE"
    [[ -f "$KEYRING" ]] || die "$KEYRING is missing (apt-get install debian-archive-keyring)"

    local apt="$CACHE/apt"
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$CACHE/debs"
    printf 'deb [signed-by=%s] %s %s main\n' "$KEYRING" "$uri" "$SUITE" >"$apt/sources.list"
    local -a opts=(
        -o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
        -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
        # apt drops to _apt for downloads, which cannot enter a private home (/root): the files
        # are verified against the keyring either way.
        -o "APT::Sandbox::User=$(id -un)"
    )
    note "apt-get update of $SUITE from $uri (private configuration in $apt)"
    apt-get -q "${opts[@]}" update >"$apt/update.log" 2>&1 </dev/null || {
        tail -n 5 "$apt/update.log" >&2
        return 1
    }
    local package
    package=$(apt-cache "${opts[@]}" pkgnames linux-image-6.12. </dev/null | grep -E "$PACKAGE_RE" | sort -V | tail -n 1) || true
    [[ -n "$package" ]] || { note "no package matching $PACKAGE_RE in $SUITE"; return 1; }

    if [[ -f "$CACHE/current/.package" && "$(cat "$CACHE/current/.package")" == "$package" ]]; then
        note "$package is cached already"
        return 0
    fi
    note "downloading $package"
    rm -f "$CACHE"/debs/*.deb
    (cd "$CACHE/debs" && apt-get -q "${opts[@]}" download "$package" </dev/null >&2) || return 1
    local deb
    deb=$(find "$CACHE/debs" -maxdepth 1 -name "${package}_*.deb" | head -n 1)
    [[ -n "$deb" ]] || { note "apt-get download left no ${package}_*.deb"; return 1; }

    # Extract beside the current one, then switch the link: a reader never sees half a kernel.
    local tree="$CACHE/trees/$package"
    rm -rf "$tree" "$tree.tmp"
    mkdir -p "$tree.tmp"
    dpkg-deb -x "$deb" "$tree.tmp"
    # Only the kernel image is needed (the VM boots without modules): drop the rest.
    find "$tree.tmp" -mindepth 1 -maxdepth 1 ! -name boot -exec rm -rf {} +
    compgen -G "$tree.tmp/boot/vmlinuz-*" >/dev/null || { note "$deb holds no boot/vmlinuz-*"; return 1; }
    printf '%s\n' "$package" >"$tree.tmp/.package"
    mv "$tree.tmp" "$tree"
    rm -f "$deb"
    ln -sfn "trees/$package" "$CACHE/current.tmp"
    mv -T "$CACHE/current.tmp" "$CACHE/current"
    # Older trees are no longer used.
    find "$CACHE/trees" -mindepth 1 -maxdepth 1 ! -name "$package" -exec rm -rf {} +
    note "cached $package"
}

main() {
    local update=false
    case "${1:-}" in
    "") ;;
    --update) update=true ;;
    -h | --help)
        sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
    *) die "usage: fetch-kernel.sh [--update]" ;;
    esac
    if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
        die "apt-get and dpkg-deb are needed (a Debian system)"
    fi

    mkdir -p "$CACHE"
    exec 9>"$CACHE/.lock"
    flock 9

    local vmlinuz
    if ! $update && vmlinuz=$(cached_vmlinuz); then
        printf '%s\n' "$vmlinuz"
        return 0
    fi
    if ! download; then
        if vmlinuz=$(cached_vmlinuz); then
            note "could not check for a newer kernel; using the cached one"
            printf '%s\n' "$vmlinuz"
            return 0
        fi
        die "could not download the VM kernel from $SUITE (network? see $CACHE/apt/update.log); nothing is cached in $CACHE"
    fi
    vmlinuz=$(cached_vmlinuz) || die "no vmlinuz in $CACHE/current after the download"
    printf '%s\n' "$vmlinuz"
}

main "$@"
