// The one-line rule string of annotations and unit files:
//   rx:/usr:/lib ro:/etc rw:/tmp bind:8080 connect:443 scope:signal file:web mode:native compat:hard log:on
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "libpolicy/diagnostics.hpp"
#include "libpolicy/limits.hpp"
#include "libpolicy/policy.hpp"
#include "libpolicy/result.hpp"

namespace llh {

struct IncludedFile {
    std::string name;  // as shown in diagnostics, e.g. "/etc/landlock/policies/web.json"
    std::string text;
};

// Resolves `file:NAME`. The caller decides what NAME may refer to (an annotation only names
// files in /etc/landlock/policies/); libpolicy never opens files itself.
using IncludeLoader = std::function<Result<IncludedFile>(std::string_view name)>;

// Parses a rule string. `where` names its source in diagnostics ("io.landlock.rules",
// "nginx.service:7"); items are named as `where: item N "rx:/usr"`.
// Every file-system right of the running kernel's ABI is handled (Policy::abi = 0) as soon as
// one rule item is present; network and scopes only when named. Included files are composed
// with each other (landlockconfig rules) and merged with the string's own rules (union).
std::optional<Policy> parse_rule_string(std::string_view text, std::string_view where, const IncludeLoader& load,
                                        Diagnostics& diagnostics, const Limits& limits = {});

}  // namespace llh
