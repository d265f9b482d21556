// The BPF object this binary carries (landlock_cgroup.skel.h), loaded against the pinned maps
// and attached with its links pinned — the only place that loads programs.
#pragma once

#include <cstdint>
#include <string>

#include "kernel/pins.hpp"
#include "libpolicy/result.hpp"

namespace llh::cgroup {

// FNV-1a of the embedded object: which program set is attached (stored in the meta pin).
std::uint64_t program_set_hash();

struct InstallReport {
    std::uint32_t links = 0;     // links pinned
    std::uint32_t replaced = 0;  // old link pins replaced (an upgrade)
    std::uint32_t removed = 0;   // old link pins of programs this set no longer has
};

// Loads the object, reusing maps pinned under paths.maps() (libbpf checks that their type, key,
// value and size match) and pinning the ones that are new; attaches every program (LSM and
// tracing programs globally, cgroup programs to the root of the cgroup2 hierarchy); pins each link
// in staging/ and renames it over links/<program>, so an old link is released only
// once its successor is attached; finally unpins links of programs the new set lacks.
// Nothing is replaced when loading or attaching fails: the old programs keep enforcing.
// The caller holds the pin lock. Errors say the stage ("load", "attach PROGRAM", "pin").
Result<InstallReport> install_program_set(const PinPaths& paths);

}  // namespace llh::cgroup
