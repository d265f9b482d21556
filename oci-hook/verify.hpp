// createRuntime/prestart: the last word before the workload runs. A container whose annotations
// ask for a policy must start through the launcher with the policy those annotations describe;
// otherwise (plain runc on an annotated config.json, an engine without the precreate hook) the
// start is refused instead of running unsandboxed.
#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "libpolicy/result.hpp"
#include "oci-hook/policy_store.hpp"
#include "oci-hook/rewrite.hpp"

namespace llh {

struct OciState {
    std::string id;
    std::string bundle;
    std::int64_t pid = 0;
};

// Parses the state a runtime writes to a hook's stdin.
Result<OciState> parse_state(std::string_view text);

// Checks the bundle's config.json against its annotations. nullopt when the container asks for
// no policy; otherwise the record to write. Errors name the annotation and give a hint.
Result<std::optional<ContainerRecord>> verify_container(const OciState& state, std::string_view config_text,
                                                        const RewriteSettings& settings);

}  // namespace llh
