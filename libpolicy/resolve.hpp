// Path resolution inside a workload's root, from outside: openat2(RESOLVE_IN_ROOT) makes
// "/", "..", absolute symlinks and magic links all stay beneath root_fd, so a symlink in a
// container image can never point a rule at a host path. The only syscalls libpolicy makes.
#pragma once

#include <string_view>

#include "libpolicy/result.hpp"
#include "libpolicy/unique_fd.hpp"

namespace llh {

struct ResolvedPath {
    UniqueFd fd;  // O_PATH | O_CLOEXEC
    bool is_directory = false;
};

// Opens `path` (absolute, as the workload sees it) beneath `root_fd` (AT_FDCWD = the caller's
// own root). Errors keep errno: ENOENT for a missing path, EXDEV/ELOOP for refused resolution.
Result<ResolvedPath> open_in_root(int root_fd, std::string_view path);

// Opens a directory to serve as root_fd (O_PATH | O_DIRECTORY | O_CLOEXEC).
Result<UniqueFd> open_root(std::string_view directory);

}  // namespace llh
