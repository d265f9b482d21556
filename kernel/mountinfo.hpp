// /proc/PID/mountinfo, parsed: the fields landlock-hooks reads of each mount. Shared by cgroup
// mode's search for the cgroup2 mount that shows a cgroup (cgroup_paths) and landlockctl's probes
// of where cgroup2 and bpffs are mounted (launch/features).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace llh {

struct MountInfo {
    std::string root;           // the mount's root inside its file system (field 4)
    std::string mount_point;    // where it is mounted (field 5)
    std::string fstype;         // after the " - " separator: "cgroup2", "bpf", ...
    std::string source;         // e.g. "cgroup2", "none", "/dev/vda"
    std::string super_options;  // e.g. "rw,nsdelegate"
};

// One entry per line that has the fields; others are skipped. Root and mount point are unescaped
// (mountinfo writes space, tab, newline and backslash as \ooo).
std::vector<MountInfo> parse_mountinfo(std::string_view text);

}  // namespace llh
