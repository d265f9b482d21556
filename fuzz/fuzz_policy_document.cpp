// libFuzzer: any policy document (normalized, landlockconfig JSON or TOML). What parses must
// survive serialize -> parse unchanged in meaning, since hooks hand that form to the launcher.
// Run: build-fuzz/fuzz/fuzz_policy_document fuzz/corpus/policy_document -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "libpolicy/policy_document.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    llh::Limits limits;
    limits.max_rules = 2000;
    llh::Diagnostics diagnostics;
    const auto policy = llh::parse_policy_document(text, "fuzz", diagnostics, limits);
    if (policy.has_value() == diagnostics.has_errors()) __builtin_trap();
    if (!policy) return 0;

    const std::string serialized = llh::serialize_policy(*policy);
    llh::Diagnostics again;
    const auto reparsed = llh::parse_policy_document(serialized, "fuzz (serialized)", again, limits);
    if (!reparsed) __builtin_trap();
    if (reparsed->handled_fs != policy->handled_fs || reparsed->handled_net != policy->handled_net ||
        reparsed->scoped != policy->scoped || reparsed->paths.size() != policy->paths.size() ||
        reparsed->ports.size() != policy->ports.size()) {
        __builtin_trap();
    }
    return 0;
}
