// What check and explain share: printing diagnostics, and judging a loaded policy against this
// kernel and this file system the way enforce() will, without restricting anything.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "launch/policy_sources.hpp"
#include "libpolicy/compat.hpp"
#include "libpolicy/diagnostics.hpp"
#include "libpolicy/policy.hpp"
#include "libpolicy/result.hpp"
#include "libpolicy/unique_fd.hpp"

namespace llh::ctl {

// Every diagnostic, one Diagnostic::format() line each, to stderr.
void print_diagnostics(const Diagnostics& diagnostics);
std::size_t count_severity(const Diagnostics& diagnostics, Severity severity);

// "a.json, b.toml, --rules" for the summary line.
std::string describe_sources(const PolicySources& sources);

// "1 error" / "3 warnings".
std::string plural(std::size_t count, const std::string& noun);

enum class PathKind { directory, file, missing, unreachable };
const char* to_string(PathKind kind);  // "directory", "file", "missing", "unreachable"

struct PathState {
    PathKind kind = PathKind::missing;
    int errno_value = 0;  // why missing/unreachable
};

// Looks `path` up beneath root_fd (AT_FDCWD = this process's root), symlinks kept inside.
PathState inspect_path(int root_fd, const std::string& path);

// "" = this machine's root; else opens the directory. Errors name it.
Result<UniqueFd> open_check_root(const std::string& root);

struct KernelEvaluation {
    int kernel_abi = 0;
    CompatResult compat;                  // what this kernel enforces (best-effort evaluation)
    std::vector<PathState> path_states;   // one per compat.policy.paths
    bool refused = false;                 // compat:hard would refuse to start
};

// Judges the policy on a kernel of Landlock ABI `kernel_abi`: every dropped item and every missing
// path becomes a diagnostic at the rule's origin, an error under compat:hard (enforce() refuses)
// and a warning under best-effort (enforce() starts without it). Items without an origin (rights
// implied by a handled set) are reported at `sources` (describe_sources()).
KernelEvaluation evaluate_on_kernel(const Policy& policy, int kernel_abi, int root_fd, const std::string& root,
                                    const std::string& sources, Diagnostics& diagnostics);

}  // namespace llh::ctl
