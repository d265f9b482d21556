// The mode a container's policy is enforced in, decided the same way wherever a container is set
// up or checked (podman's precreate hook, landlock-runtime's create/run/exec, the createRuntime
// hook): libpolicy's choose_mode() on this kernel's cgroup-mode support, with the annotation the
// mode came from named in a refusal. The support answer is asked for only when the policy does
// not say mode:native, and comes from a per-boot cache: native-mode starts pay nothing for it.
#pragma once

#include <functional>
#include <string>

#include "libpolicy/mode_choice.hpp"
#include "libpolicy/policy.hpp"
#include "libpolicy/result.hpp"
#include "oci-hook/annotations.hpp"

namespace llh {

// What the kernel offers for cgroup mode. Tests inject an answer; the binaries ask
// llh::cgroup::cgroup_mode_support().
using CgroupSupportProbe = std::function<CgroupModeSupport()>;

// The probe of this host (the cached one of kernel/cgroup_mode_support).
CgroupSupportProbe host_cgroup_support();

// The annotation a request's options are read from: io.landlock.rules when given, else
// io.landlock.policy (as build_policy names it).
std::string request_key(const LandlockRequest& request);

// choose_mode(policy's mode, probe(), key). An empty probe counts as "cgroup mode unavailable".
Result<ModeChoice> choose_container_mode(const Policy& policy, const std::string& key, const CgroupSupportProbe& probe);

}  // namespace llh
