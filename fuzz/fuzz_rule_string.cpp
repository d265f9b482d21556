// libFuzzer: the rule string of annotations and unit files. file: includes fail, as an
// annotation naming a missing policy would.
// Run: build-fuzz/fuzz/fuzz_rule_string fuzz/corpus/rule_string -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "libpolicy/rule_string.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const llh::IncludeLoader refuse = [](std::string_view name) -> llh::Result<llh::IncludedFile> {
        return llh::fail("no policy file \"" + std::string(name) + "\"", "fuzzing loads no files");
    };
    llh::Diagnostics diagnostics;
    const auto policy = llh::parse_rule_string(text, "fuzz", refuse, diagnostics);
    if (policy.has_value() == diagnostics.has_errors()) __builtin_trap();
    return 0;
}
