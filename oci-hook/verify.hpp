// createRuntime/prestart: the last word before the workload runs. A container whose annotations
// ask for a policy must start through the launcher with the policy those annotations describe;
// otherwise (plain runc on an annotated config.json, an engine without the precreate hook) the
// start is refused instead of running unsandboxed.
#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "libpolicy/mode_choice.hpp"
#include "libpolicy/policy.hpp"
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

// What a container asks for and gets, as the createRuntime hook decides it again.
struct ContainerCheck {
    ModeChoice mode;          // the same decision the rewrite made (same boot, same cached probe)
    ContainerRecord record;   // to write; the native part (policy, launcher) filled in
    Policy policy;            // what cgroup mode attaches
    std::string policy_text;  // serialized: what cgroup mode alone stores for `landlockctl inspect`
    std::string rootfs;       // the bundle's root.path, absolute
};

// Checks the bundle's config.json against its annotations and decides the mode. nullopt when
// the container asks for no policy. In native mode (alone or with cgroup mode) the process must
// start through the launcher with the policy the annotations describe. Errors name the
// annotation and give a hint.
Result<std::optional<ContainerCheck>> verify_container(const OciState& state, std::string_view config_text,
                                                       const RewriteSettings& settings);

}  // namespace llh
