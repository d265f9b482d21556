#include "libpolicy/path_check.hpp"

namespace llh {

std::optional<PathProblem> unusable_path(std::string_view path, std::string_view subject, const Limits& limits) {
    if (path.size() > limits.max_path_bytes) {
        const std::string limit = std::to_string(limits.max_path_bytes);
        return PathProblem{std::string(subject) + " is " + std::to_string(path.size()) +
                               " bytes, longer than the limit of " + limit,
                           "Linux paths are at most " + limit + " bytes"};
    }
    if (path.find('\0') != std::string_view::npos) {
        return PathProblem{std::string(subject) + " holds a NUL byte", "a path cannot contain NUL: remove it"};
    }
    return std::nullopt;
}

}  // namespace llh
