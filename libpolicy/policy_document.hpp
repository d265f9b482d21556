// Any policy document a user or a hook hands us, and the normalized form hooks write for
// landlock-launch: a JSON object with "landlockHooksPolicy": 1, variables already expanded,
// options and every rule's origin kept, so the launcher's errors still name the annotation item.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "libpolicy/diagnostics.hpp"
#include "libpolicy/limits.hpp"
#include "libpolicy/policy.hpp"

namespace llh {

std::string serialize_policy(const Policy& policy);

// Parses a normalized policy, a landlockconfig JSON or a landlockconfig TOML document,
// telling them apart by content (and by the name's extension for TOML).
std::optional<Policy> parse_policy_document(std::string_view text, std::string_view source, Diagnostics& diagnostics,
                                            const Limits& limits = {});

}  // namespace llh
