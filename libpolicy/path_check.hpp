// What no Linux path can be, checked by every parser on a path as the policy gives it (and by
// variables.cpp on each expansion), before any resolution.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "libpolicy/limits.hpp"

namespace llh {

struct PathProblem {
    std::string message;  // begins with the caller's subject: "the path is 4096 bytes, ..."
    std::string hint;
};

// Longer than `limits` allow, or holding a NUL byte; nullopt when neither. `subject` names the
// path in the message: "the path", or "the path (from \"/x/${v}\")" for an expansion.
std::optional<PathProblem> unusable_path(std::string_view path, std::string_view subject, const Limits& limits);

}  // namespace llh
