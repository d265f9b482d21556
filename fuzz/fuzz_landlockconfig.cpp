// libFuzzer: landlockconfig JSON and TOML, then variable expansion and composition of the result.
// Run: build-fuzz/fuzz/fuzz_landlockconfig fuzz/corpus/landlockconfig -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "libpolicy/compose.hpp"
#include "libpolicy/landlockconfig.hpp"
#include "libpolicy/variables.hpp"

namespace {

void check(llh::ConfigSyntax syntax, std::string_view text) {
    llh::Limits limits;
    limits.max_rules = 2000;  // keeps each input cheap; the bounds themselves are what is tested
    llh::Diagnostics diagnostics;
    auto policy = llh::parse_landlockconfig(text, syntax, "fuzz", diagnostics, limits);
    // A failed parse must say why; a successful one must not hide an error.
    if (policy.has_value() == diagnostics.has_errors()) __builtin_trap();
    if (!policy) return;
    if (policy->abi < 1 || policy->abi > llh::kMaxKnownAbi) __builtin_trap();
    if ((policy->handled_fs | policy->handled_net | policy->scoped) == 0) __builtin_trap();
    for (const auto& rule : policy->paths) {
        if ((rule.allowed & ~policy->handled_fs) != 0 || rule.origin.empty()) __builtin_trap();
    }

    // Composing a policy with itself changes nothing it allows.
    const llh::Policy self = llh::compose({*policy, *policy});
    if (self.handled_fs != policy->handled_fs || self.handled_net != policy->handled_net) __builtin_trap();

    llh::Diagnostics expansion;
    if (llh::resolve_variables(*policy, expansion, limits)) {
        if (policy->paths.size() + policy->ports.size() > limits.max_rules) __builtin_trap();
        for (const auto& rule : policy->paths) {
            if (rule.path.empty() || rule.path.front() != '/') __builtin_trap();
        }
    } else if (!expansion.has_errors()) {
        __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    check(llh::ConfigSyntax::json, text);
    check(llh::ConfigSyntax::toml, text);
    return 0;
}
