// ${name} references in landlockconfig paths ("$$" escapes a dollar sign).
#pragma once

#include "libpolicy/diagnostics.hpp"
#include "libpolicy/limits.hpp"
#include "libpolicy/policy.hpp"

namespace llh {

// Expands every PathRule::path of the policy against policy.variables: a path that references
// a variable with N values becomes N rules. An unknown or malformed reference is an error at the
// rule's origin. Clears policy.variables on success. Returns false when an error was reported.
bool resolve_variables(Policy& policy, Diagnostics& diagnostics, const Limits& limits = {});

}  // namespace llh
