// Is cgroup mode usable here? The answer every workload start asks (mode:auto, mode:cgroup,
// mode:both), kept cheap: a probe is a trial load that parses the kernel's BTF (tens of ms), so
// its answer is remembered for the boot in /run/landlock-hooks/cgroup-mode.probe (root-only,
// keyed by the boot id). Pinned programs (cgroup mode already loaded) answer yes without a probe.
// A wrong "yes" cannot open a hole: the attach itself fails closed.
#pragma once

#include <string>

#include "libpolicy/mode_choice.hpp"

namespace llh::cgroup {

// `cache_dir` "" = /run/landlock-hooks; `pin_root` "" = LLH_PIN_ROOT.
CgroupModeSupport cgroup_mode_support(const std::string& cache_dir = {}, const std::string& pin_root = {});

}  // namespace llh::cgroup
