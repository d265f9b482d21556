// Kernel-facing native mode: probing Landlock and enforcing a policy on the calling process.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libpolicy/compat.hpp"
#include "libpolicy/policy.hpp"
#include "libpolicy/result.hpp"

namespace llh {

struct LandlockSupport {
    int abi = 0;              // 0 when Landlock is unavailable
    std::uint32_t errata = 0; // LANDLOCK_CREATE_RULESET_ERRATA bitmask
    int errno_value = 0;      // why abi is 0: ENOSYS (not built), EOPNOTSUPP (disabled at boot)
};

// Asks the kernel (memoized: the answer cannot change while we run).
const LandlockSupport& landlock_support();

struct EnforceReport {
    CompatReport compat;
    std::vector<std::string> warnings;  // e.g. skipped missing paths under best-effort
};

// Restricts the calling process (and every future child): compat with this kernel, opens every
// rule's path (in the caller's own mount namespace), creates the ruleset, sets no_new_privs and
// calls landlock_restrict_self(). Fails closed: on error nothing is restricted and the caller
// must not exec. Under compat:best-effort missing paths become warnings; under hard, errors.
Result<EnforceReport> enforce(const Policy& policy);

}  // namespace llh
