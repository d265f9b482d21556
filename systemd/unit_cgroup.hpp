// Cgroup mode for a service: the helper (ExecStartPre=, first of the unit's processes) attaches
// the unit's policy to the unit's own cgroup, so every process the unit starts after it (its own
// ExecStartPre= lines, ExecStart=, ExecStartPost=, ExecReload=, ExecStop= and whatever they fork)
// is held to it, from outside and for good. systemd removes the cgroup when the unit stops, and
// the kernel side drops the policy with it; a restart attaches again, replacing atomically.
#pragma once

#include <string>

#include "kernel/cgroup_enforcer.hpp"
#include "libpolicy/policy.hpp"
#include "libpolicy/result.hpp"

namespace llh::sd {

// The cgroup v2 directory of this process, which must be the cgroup of `unit` (its last path
// component): sd_pid_get_cgroup() says which unit, kernel/cgroup_paths where it is mounted.
Result<std::string> own_unit_cgroup(const std::string& unit);

// Attaches `policy` to this process's cgroup, which must be `unit`'s, with its paths resolved in
// this process's mount namespace (the helper runs in the service's: ProtectSystem=, BindPaths=
// apply).
Result<cgroup::AttachReport> attach_to_own_cgroup(const std::string& unit, const Policy& policy,
                                                  std::string& cgroup_dir);

// One journal line about an attach: "cgroup mode: the policy is attached to DIR (cgroup id N): ..."
std::string describe_attach(const std::string& cgroup_dir, const cgroup::AttachReport& report);

}  // namespace llh::sd
