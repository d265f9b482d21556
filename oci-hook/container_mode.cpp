#include "oci-hook/container_mode.hpp"

#include "kernel/cgroup_mode_support.hpp"

namespace llh {

CgroupSupportProbe host_cgroup_support() {
    return [] { return cgroup::cgroup_mode_support(); };
}

std::string request_key(const LandlockRequest& request) {
    return request.rules ? kRulesAnnotation : kPolicyAnnotation;
}

Result<ModeChoice> choose_container_mode(const Policy& policy, const std::string& key,
                                         const CgroupSupportProbe& probe) {
    CgroupModeSupport support{false, "no cgroup-mode probe was given"};
    // mode:native needs no answer: skip even the cache's few system calls.
    if (policy.options.mode != Mode::native && probe) support = probe();
    return choose_mode(policy.options.mode, support, key);
}

}  // namespace llh
