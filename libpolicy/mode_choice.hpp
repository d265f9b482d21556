// Which enforcement a workload gets for its policy's mode:, given what the kernel offers. One
// decision for the OCI hook, landlock-runtime and the systemd helper, so that a container and a
// unit asking for the same mode on the same kernel get the same answer and the same words.
//   mode:auto    both modes (two layers) where cgroup mode is available, native mode otherwise
//                (reported, never silent)
//   mode:native  native mode only, whatever the kernel offers
//   mode:cgroup  cgroup mode only; refused where it is not available
//   mode:both    both; refused where cgroup mode is not available
#pragma once

#include <string>
#include <string_view>

#include "libpolicy/policy.hpp"
#include "libpolicy/result.hpp"

namespace llh {

// What the kernel offers for cgroup mode, as probed by the caller (kernel/cgroup_mode_support).
struct CgroupModeSupport {
    bool available = false;
    std::string reason;  // why not, one line ("bpf is not in the kernel's LSM list ..."); "" when available
};

struct ModeChoice {
    bool native = false;  // landlock-launch in the exec chain
    bool cgroup = false;  // the policy attached to the workload's cgroup
    // One line for the hook log, the journal and `landlockctl inspect`, e.g.
    // "mode:auto: native and cgroup mode" or
    // "mode:auto: native mode only: cgroup mode is not available: <reason>".
    std::string report;
    bool downgraded = false;  // mode:auto got less than both: report it as a warning

    // "native", "cgroup" or "both": the applied mode as records and inspect name it.
    std::string name() const;
};

// `where` names the setting the mode came from (annotation key, FILE:LINE) for the refusal.
// Refusal text: "WHERE: mode:cgroup needs cgroup mode, which this kernel does not offer: REASON"
// with the hint "boot the kernel with bpf in lsm= (e.g. lsm=landlock,yama,bpf) and run as root,
// or use mode:native".
Result<ModeChoice> choose_mode(Mode requested, const CgroupModeSupport& support, std::string_view where);

// "auto", "native", "cgroup", "both".
const char* mode_name(Mode mode);

}  // namespace llh
