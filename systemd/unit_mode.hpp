// Is cgroup mode available to a service of this manager? The one answer the generator (at
// daemon-reload), the helper (at start) and landlockctl explain --unit give to choose_mode().
#pragma once

#include "kernel/cgroup_mode_support.hpp"
#include "libpolicy/mode_choice.hpp"
#include "systemd/specifiers.hpp"

namespace llh::sd {

// Attaching a policy to a cgroup takes root (CAP_BPF and CAP_SYS_ADMIN), which a user manager
// and its services do not have: the kernel is not asked.
inline constexpr const char* kUserManagerNoCgroupMode =
    "cgroup mode needs root, and this is a service of a user manager (systemctl --user)";

inline CgroupModeSupport unit_cgroup_mode_support(Scope scope) {
    if (scope == Scope::user) return CgroupModeSupport{false, kUserManagerNoCgroupMode};
    return cgroup::cgroup_mode_support();
}

}  // namespace llh::sd
