// The io.landlock.* annotations of a container: which ones ask for a policy, and the policy
// they ask for, built with libpolicy exactly as the launcher will read it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "libpolicy/compat.hpp"
#include "libpolicy/limits.hpp"
#include "libpolicy/policy.hpp"
#include "libpolicy/result.hpp"

namespace llh {

inline constexpr const char* kRulesAnnotation = "io.landlock.rules";
inline constexpr const char* kPolicyAnnotation = "io.landlock.policy";
inline constexpr const char* kAnnotationPrefix = "io.landlock.";

struct LandlockRequest {
    std::optional<std::string> rules;   // io.landlock.rules
    std::optional<std::string> policy;  // io.landlock.policy
};

// Reads the annotations object of a config.json (or an OCI state). nullopt when no io.landlock.*
// key is present. Fails closed on anything it does not understand: an unknown io.landlock.*
// key (a typo must not start an unsandboxed container), a non-string value, an oversize value.
Result<std::optional<LandlockRequest>> find_request(const nlohmann::ordered_json& annotations,
                                                    const Limits& limits = {});

// A cheap, exact pre-check on a config.json's bytes: false only when no JSON string in it can be
// an io.landlock.* key. The key would have to appear literally, or be spelt with a \u escape
// (the only JSON escape that can produce a letter or a dot). landlock-runtime skips parsing the
// config of every container that cannot be asking for a policy.
bool might_request_policy(std::string_view config_text);

struct BuiltPolicy {
    Policy policy;
    std::string text;                   // serialize_policy(policy): what the launcher reads
    std::vector<std::string> warnings;  // diagnostics warnings and the compat downgrade report
};

struct BuildSettings {
    std::string include_directory;  // where file:NAME is looked up (/etc/landlock/policies)
    int kernel_abi = 0;             // compat is checked against it before anything starts
    Limits limits;
};

// Parses, composes (rules ∪ policy), expands and checks the request. Errors list every problem,
// one per line, each naming the annotation (and item or JSON pointer), why, and a hint.
Result<BuiltPolicy> build_policy(const LandlockRequest& request, const BuildSettings& settings);

}  // namespace llh
