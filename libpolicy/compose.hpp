// Composition of several policies, with the landlockconfig rules: handled rights are
// intersected, rules keep only the commonly handled rights (rules left empty disappear),
// variables are merged. Commutative. Options: the strictest wins (hard over best-effort).
#pragma once

#include <vector>

#include "libpolicy/policy.hpp"

namespace llh {

void compose_into(Policy& into, const Policy& other);
Policy compose(const std::vector<Policy>& policies);  // precondition: !policies.empty()

// Union, for a rule string that includes files next to its own rules: handled sets and
// rules are added together (more handled = stricter, more rules = more allowed).
void merge_into(Policy& into, const Policy& other);

}  // namespace llh
