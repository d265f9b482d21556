// Cgroup mode for one container: the createRuntime hook attaches the container's policy to the
// container's cgroup, with every rule path resolved in the container's root from outside; the
// poststop hook detaches it by the cgroup id it recorded (the cgroup itself may be gone).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libpolicy/policy.hpp"
#include "libpolicy/result.hpp"
#include "oci-hook/verify.hpp"

namespace llh {

// Where a container is: found before anything is attached, so that its record can name the
// cgroup first and a hook killed halfway never leaves an attachment nobody knows of.
struct ContainerLocation {
    std::uint64_t cgroup_id = 0;  // the cgroup directory's inode: the id BPF programs see
    std::string cgroup_dir;
    std::string root_dir;  // where the rule paths are resolved (beneath /proc/PID/root)
};

// The cgroup and the root of the state's pid. `rootfs` is the bundle's root.path made absolute.
Result<ContainerLocation> locate_container(const OciState& state, const std::string& rootfs);

// Attaches `policy` to the located cgroup; returns the warnings (compat downgrades against cgroup
// mode's ABI, skipped paths). Fails closed: nothing stays attached when it fails.
Result<std::vector<std::string>> attach_container(const ContainerLocation& location, const Policy& policy);

// Both modes: the cgroup's layer also lets the container read and run what native mode put in
// /dev/.landlock (the launcher is the workload's first program, and reads its policy there).
Policy with_launcher_readable(const Policy& policy);

// Removes the policy of the cgroup with this id; never loads programs. True when there was one;
// false when there was none or cgroup mode was never loaded on this boot.
Result<bool> detach_container(std::uint64_t cgroup_id);

}  // namespace llh
