// What this machine offers landlock-hooks, asked of the kernel (feature probes, not version
// checks). Each probe runs once per process. Landlock's own probe is native/landlock.hpp's
// landlock_support(); BPF LSM's is kernel/bpf_lsm_probe.hpp's probe_bpf_lsm().
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kernel/bpf_lsm_probe.hpp"

namespace llh {

// What each Landlock ABI adds, for the features report.
struct AbiFeature {
    int abi;
    std::string_view adds;
};
extern const std::vector<AbiFeature> kLandlockAbiFeatures;

// The Landlock errata known to us: bit (number - 1) of LANDLOCK_CREATE_RULESET_ERRATA.
struct Erratum {
    int number;
    int abi;  // the ABI whose behaviour it fixes
    std::string_view title;
};
extern const std::vector<Erratum> kLandlockErrata;

enum class AuditState { enabled, disabled, locked, not_built, unknown };
const char* to_string(AuditState state);  // "enabled", "disabled", "locked", "not built", "unknown"

struct AuditProbe {
    AuditState state = AuditState::unknown;
    int errno_value = 0;
    std::string reason;  // why it is unknown / not built
};
// AUDIT_GET over a NETLINK_AUDIT socket (needs CAP_AUDIT_CONTROL in the initial namespaces).
const AuditProbe& probe_audit();

struct Mount {
    std::string path;    // mount point
    std::string source;  // e.g. "cgroup2", "bpf"
    std::string options; // super options, e.g. "rw,nsdelegate"
};

enum class CgroupLayout { unified, hybrid, legacy, none, unknown };
const char* to_string(CgroupLayout layout);  // "unified", "hybrid", "legacy", "none", "unknown"

struct CgroupProbe {
    CgroupLayout layout = CgroupLayout::unknown;
    std::vector<Mount> v2_mounts;
    std::vector<Mount> v1_mounts;
    std::string own_cgroup;  // this process's cgroup2 path ("0::" line of /proc/self/cgroup), if any
    std::string reason;      // why unknown
};
// From /proc/self/mountinfo: unified = cgroup2 at /sys/fs/cgroup; hybrid = cgroup2 elsewhere next
// to v1 hierarchies (Debian's systemd 252 with v1 controllers: /sys/fs/cgroup/unified).
const CgroupProbe& probe_cgroup();

struct BpffsProbe {
    Availability mounted = Availability::unknown;  // at /sys/fs/bpf, where loaders pin by default
    Availability supported = Availability::unknown;  // "bpf" in /proc/filesystems
    std::vector<Mount> mounts;
    std::string reason;
};
const BpffsProbe& probe_bpffs();

// The mounts of one file-system type ("cgroup2", "bpf") in /proc/self/mountinfo text.
std::vector<Mount> mounts_of_type(std::string_view mountinfo, std::string_view fstype);

}  // namespace llh
