// Where a process's cgroup v2 directory is, seen from this mount namespace: the "0::" line of
// /proc/PID/cgroup, placed below the cgroup2 mount of /proc/self/mountinfo whose root holds it
// (/sys/fs/cgroup on a unified host, /sys/fs/cgroup/unified on a hybrid one, a subtree's mount in
// a container). Shared by the OCI hook (the container's pid) and the systemd helper (itself).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "libpolicy/result.hpp"

namespace llh::cgroup {

// The cgroup v2 path of a /proc/PID/cgroup text: the "0::" line's path ("" when there is none).
std::string unified_cgroup_path(std::string_view proc_cgroup);

struct Cgroup2Mount {
    std::string root;         // the mount's root inside the hierarchy (mountinfo field 4)
    std::string mount_point;  // where it is mounted (field 5)
};

// The cgroup2 mounts of a /proc/self/mountinfo text, octal escapes (\040) decoded.
std::vector<Cgroup2Mount> cgroup2_mounts(std::string_view mountinfo);

// The directory of cgroup `path` under one of `mounts`: the mount whose root is the longest
// prefix of the path. Fails when no mount shows it.
Result<std::string> cgroup_directory(const std::string& path, const std::vector<Cgroup2Mount>& mounts);

// The cgroup v2 directory of a running process.
Result<std::string> process_cgroup_directory(pid_t pid);

}  // namespace llh::cgroup
