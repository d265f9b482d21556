// Best-effort and hard compatibility with the running kernel, one ABI at a time as the
// kernel's sandboxer does, made explicit as rust-landlock's Fully/Partially/NotEnforced.
#pragma once

#include <string>
#include <vector>

#include "libpolicy/policy.hpp"
#include "libpolicy/result.hpp"

namespace llh {

enum class Enforcement { full, partial, none };

struct Downgrade {
    std::string what;  // "handled right truncate", "scope signal", "port 443 (connect_tcp)"
    int needs_abi = 0; // the ABI that introduced it
    std::string origin;// where it was asked for ("" when implied)
};

struct CompatReport {
    int kernel_abi = 0;
    Enforcement enforcement = Enforcement::full;
    std::vector<Downgrade> dropped;  // what the kernel cannot enforce and was left out
    std::vector<std::string> notes;  // harmless adjustments (e.g. log flags before ABI 7)

    // "fully enforced" / "partially enforced (kernel ABI 3): dropped truncate (needs ABI 3) …"
    std::string summary() const;
};

struct CompatResult {
    Policy policy;  // only what this kernel can enforce
    CompatReport report;
};

// Downgrades `policy` for a kernel with Landlock ABI `kernel_abi` (0 = no Landlock).
// compat:best-effort returns what remains and what was dropped; compat:hard fails with an
// Error listing every dropped item when anything would be dropped.
// REFER on ABI 1 is all-or-nothing: if a rule allows refer, the file-system part is dropped whole.
Result<CompatResult> apply_compat(const Policy& policy, int kernel_abi);

// The landlock_restrict_self() flags for the policy's log mode on this ABI (0 before ABI 7).
std::uint32_t restrict_flags(const Options& options, int kernel_abi);

}  // namespace llh
